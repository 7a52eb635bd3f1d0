"""Hardware-aware-training weight modifiers (aihwkit ``WeightModifierParameter``).

During HWA training the forward and backward passes of a mini-batch use a *modified* copy of the
weights, drawn once per mini-batch, while the update acts on the unmodified (hidden) weights
(aihwkit 1.1.0 ``WeightModifierParameter``, ``src/aihwkit/simulator/parameters/inference.py``, C++
``src/rpucuda/weight_modifier.cpp``). amax = max|W| (``rel_to_actual_wmax``) or ``assumed_wmax``.

* DISCRETIZE: w = amax·q·rint(w/(amax·q)), q = res (res > 1 means 1/res); ``sto_round`` adds U(−½, ½)
  inside the rint (unbiased).
* MULT_NORMAL: w += w·std_dev·amax·ξ (aihwkit's formula; amax included).
* ADD_NORMAL: w += std_dev·amax·ξ.
* DISCRETIZE_ADD_NORMAL: discretise, then ADD_NORMAL.
* POLY: w += amax·std_dev·(Σ_k c_k·(|w|/amax)^k)·ξ.
* drop-connect (any type): each weight is set to 0 with probability ``pdrop``.

Every ξ ~ N(0, 1) is fresh per weight and per call, from the caller's ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np

from archsim.hwconfig.algorithms import WeightModifierConfig, WeightModifierType


def _discretize(w: np.ndarray, amax: float, res: float, sto_round: bool, rng: np.random.Generator) -> np.ndarray:
    if res <= 0 or amax <= 0:
        return w
    q = 1.0 / res if res > 1.0 else res
    step = amax * q
    v = w / step
    if sto_round:
        v = v + rng.uniform(-0.5, 0.5, size=w.shape)
    return np.rint(v) * step


def apply_weight_modifier(w: np.ndarray, cfg: WeightModifierConfig, rng: np.random.Generator) -> np.ndarray:
    """Return the modified weights used by forward/backward for one mini-batch (float32, new array)."""
    w = np.asarray(w, dtype=np.float64)
    amax = float(np.max(np.abs(w))) if (cfg.rel_to_actual_wmax and w.size) else cfg.assumed_wmax
    t = cfg.type
    out = w.copy()
    if t in (WeightModifierType.DISCRETIZE, WeightModifierType.DISCRETIZE_ADD_NORMAL):
        out = _discretize(out, amax, cfg.res, cfg.sto_round, rng)
    if t in (WeightModifierType.ADD_NORMAL, WeightModifierType.DISCRETIZE_ADD_NORMAL) and cfg.std_dev > 0:
        out = out + cfg.std_dev * amax * rng.standard_normal(w.shape)
    elif t == WeightModifierType.MULT_NORMAL and cfg.std_dev > 0:
        out = out + out * cfg.std_dev * amax * rng.standard_normal(w.shape)
    elif t == WeightModifierType.POLY and cfg.std_dev > 0 and amax > 0:
        r = np.abs(out) / amax
        poly = np.zeros_like(out)
        for k, c in enumerate(cfg.coeffs):
            poly += c * r**k
        out = out + amax * cfg.std_dev * poly * rng.standard_normal(w.shape)
    if cfg.pdrop > 0:
        out = np.where(rng.random(w.shape) < cfg.pdrop, 0.0, out)
    return out.astype(np.float32)
