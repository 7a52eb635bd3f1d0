"""Hardware-aware-training weight modifiers (aihwkit ``WeightModifierParameter``, aihwkit 1.1.0
``src/aihwkit/simulator/parameters/inference.py``; C++ ``WeightModifier::apply`` in ``src/rpucuda/weight_modifier.cpp``).

During HWA training the forward and backward passes of a mini-batch use a *modified* copy of the weights, drawn
once per mini-batch, while the update acts on the unmodified (hidden) weights; in evaluation mode the modifier is
off unless ``enable_during_test``. amax = max|W| (``rel_to_actual_wmax``; 1 if all weights are 0) or
``assumed_wmax``. Discretisation rounds half away from zero (aihwkit ``getDiscretizedValueRound``, ``roundf``);
``sto_round`` adds U(−½, ½) first; a resolution > 1 is a number of steps (1/res).

* DISCRETIZE: w = amax·round(w/amax, res).
* MULT_NORMAL: w += w·std_dev·amax·ξ (aihwkit's formula; amax included).
* ADD_NORMAL: w += std_dev·amax·ξ.
* DISCRETIZE_ADD_NORMAL: discretise, then ADD_NORMAL.
* POLY: w += amax·std_dev·(Σ_k c_k·(|w|/amax)^k)·ξ.
* PROG_NOISE: σ = (std_dev/g_max)·Σ_k c_k·(|w|/amax)^k; w ← sign(w)·|w + amax·σ·ξ| (the sign of w is kept).
* DOREFA: w ← round(tanh(w)·|dorefa_clip/tanh(amax)|, res) (nothing at all when res = 0).
* drop-connect (any type): each weight is set to 0 with probability ``pdrop``.

Every ξ ~ N(0, 1) is fresh per weight and per call, from the caller's ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np

from archsim.hwconfig.algorithms import WeightModifierConfig, WeightModifierType


def _round_half_away(v: np.ndarray) -> np.ndarray:
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))


def _round_to(w: np.ndarray, res: float, sto_round: bool, rng: np.random.Generator) -> np.ndarray:
    """aihwkit getDiscretizedValueRound: round(w/res)·res (res > 1 is a number of steps)."""
    q = 1.0 / res if res > 1.0 else res
    v = w / q
    if sto_round:
        v = v + rng.uniform(-0.5, 0.5, size=w.shape)
    return _round_half_away(v) * q


def _poly(r: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    out = np.zeros_like(r)
    for k, c in enumerate(coeffs):
        out += c * r**k
    return out


def apply_weight_modifier(w: np.ndarray, cfg: WeightModifierConfig, rng: np.random.Generator) -> np.ndarray:
    """Return the modified weights used by forward/backward for one mini-batch (float32, new array)."""
    w = np.asarray(w, dtype=np.float64)
    if cfg.rel_to_actual_wmax and w.size:
        amax = float(np.max(np.abs(w)))
        amax = amax if amax > 0 else 1.0
    else:
        amax = cfg.assumed_wmax
    t = cfg.type
    out = w.copy()
    if t in (WeightModifierType.DISCRETIZE, WeightModifierType.DISCRETIZE_ADD_NORMAL) and cfg.res > 0:
        out = amax * _round_to(out / amax, cfg.res, cfg.sto_round, rng)
    if t in (WeightModifierType.ADD_NORMAL, WeightModifierType.DISCRETIZE_ADD_NORMAL) and cfg.std_dev > 0:
        out = out + cfg.std_dev * amax * rng.standard_normal(w.shape)
    elif t == WeightModifierType.MULT_NORMAL and cfg.std_dev > 0:
        out = out + out * cfg.std_dev * amax * rng.standard_normal(w.shape)
    elif t == WeightModifierType.POLY and cfg.std_dev > 0 and cfg.coeffs:
        out = out + amax * cfg.std_dev * _poly(np.abs(out) / amax, cfg.coeffs) * rng.standard_normal(w.shape)
    elif t == WeightModifierType.PROG_NOISE and cfg.std_dev > 0 and cfg.coeffs:
        sig = (cfg.std_dev / cfg.g_max_us) * _poly(np.abs(out) / amax, cfg.coeffs)
        noisy = np.abs(out + amax * sig * rng.standard_normal(w.shape))
        out = np.where(out < 0, -noisy, noisy)
    elif t == WeightModifierType.DOREFA and cfg.res > 0:
        scale = abs(cfg.dorefa_clip / np.tanh(amax))
        out = _round_to(np.tanh(out) * scale, cfg.res, cfg.sto_round, rng)
    if cfg.pdrop > 0:
        out = np.where(rng.random(w.shape) < cfg.pdrop, 0.0, out)
    return out.astype(np.float32)
