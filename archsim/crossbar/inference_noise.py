"""Inference-time noise of PCM-like crossbars: conductance mapping, programming noise, drift, read noise.

Model (aihwkit 1.1.0 ``PCMLikeNoiseModel``, ``src/aihwkit/inference/noise/pcm.py``, and
``SinglePairConductanceConverter``, ``src/aihwkit/inference/converter/conductance.py``; Joshi et al. 2020, Nature
Commun. 11:2473), all conductances in µS:

* **Mapping.** scale = (g_max − g_min)/max|W| per tile; g⁺ = clip(W·scale, 0, g_max) + g_min,
  g⁻ = clip(−W·scale, 0, g_max) + g_min; back: W = (g⁺ − g⁻)/scale.
* **Programming noise** (once, at :func:`program_weights`): σ_prog(g) = (c0 + c1·g/g_max +
  c2·(g/g_max)²)·g_max/g_max_ref; g_prog = max(g + prog_scale·σ_prog·ξ, 0).
* **Drift exponent** (once, from the *target* g): g_rel = max(|g|/g_max, 1e−7);
  μ_ν = clip(−0.0155·ln g_rel + 0.0244, 0.049, 0.1); σ_ν = clip(−0.0125·ln g_rel − 0.0059, 0.008, 0.045);
  ν = |μ_ν + σ_ν·ξ|·drift_scale.
* **Right after programming** the tile reads W_prog = (g⁺_prog − g⁻_prog)/scale, without read noise.
* **At time t** after programming (:func:`drift_weights`), t' = t + t0, from W_prog converted to conductances
  again (new scale g_max/max|W_prog|):
  g_drift = g_prog·(t'/t0)^(−ν); Q_s = min(0.0088/max((|g_prog|/g_max)^0.65, 1e−3), 0.2);
  σ_read = Q_s·sqrt(ln((t' + t_read)/(2·t_read))); g = max(g_drift + |g_drift|·read_scale·σ_read·ξ, 0).
  Each call is an independent statistical sample at t (fresh read noise), not a trajectory.
* **Drift compensation** (aihwkit ``GlobalDriftCompensation``): right after programming, the tile's
  noisy analog response to the identity (one-hot over all inputs) on W_prog gives a baseline mean|Y|; after drift the
  output is multiplied by α = baseline / mean|Y(t)| (per output for ``PER_COLUMN``), each clipped ≥ 1e−4.

The tile-level workflow is :class:`InferenceTile` (``program()``, ``drift(t_seconds)``, HWA-training weight
modifiers from ``modifiers.py``).

Assumptions: one conductance pair per weight; negative weights live on g⁻; randomness comes from the
caller's ``numpy.random.Generator`` (one per run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.crossbar.io import as_float32_matrix, new_key
from archsim.crossbar.modifiers import apply_weight_modifier
from archsim.crossbar.tile import AnalogTile
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    DriftCompensation,
    PCMNoiseConfig,
    WeightModifierConfig,
    WeightModifierType,
)
from archsim.hwconfig.rpu import RPUConfig

_NU_MU = (-0.0155, 0.0244, 0.049, 0.1)
_NU_SIGMA = (-0.0125, -0.0059, 0.008, 0.045)


@dataclass(frozen=True, kw_only=True)
class ConductancePair:
    """Weights mapped onto a pair of conductance arrays (µS) and the scale that maps them back."""

    g_plus_us: np.ndarray
    """Positive-side conductances, shape [out, in]."""
    g_minus_us: np.ndarray
    """Negative-side conductances, shape [out, in]."""
    scale_us: float
    """Conductance per unit weight: W = (g⁺ − g⁻)/scale."""


@dataclass(frozen=True, kw_only=True)
class ProgrammedWeights:
    """State after programming: noisy conductances, the weights they represent, and the drift exponents."""

    pair: ConductancePair
    """Programmed (noisy) conductances."""
    weights: np.ndarray
    """The programmed weights W_prog = (g⁺ − g⁻)/scale (float32): what the tile reads right after programming,
    and what every drift starts from (aihwkit ``programmed_weights``)."""
    nu_plus: np.ndarray
    """Drift exponent of every g⁺ device (drawn from the target conductance)."""
    nu_minus: np.ndarray
    """Drift exponent of every g⁻ device."""


def weights_to_conductances(w: np.ndarray, cfg: PCMNoiseConfig) -> ConductancePair:
    """Map weights onto a single conductance pair per weight (scale set by max|W| of this tile)."""
    w = np.asarray(w, dtype=np.float64)
    amax = float(np.max(np.abs(w))) if w.size else 0.0
    scale = (cfg.g_max_us - cfg.g_min_us) / amax if amax > 0 else 1.0
    span = cfg.g_max_us - cfg.g_min_us
    g_plus = np.clip(w * scale, 0.0, span) + cfg.g_min_us
    g_minus = np.clip(-w * scale, 0.0, span) + cfg.g_min_us
    return ConductancePair(g_plus_us=g_plus, g_minus_us=g_minus, scale_us=scale)


def conductances_to_weights(pair: ConductancePair) -> np.ndarray:
    """Inverse of :func:`weights_to_conductances`: W = (g⁺ − g⁻)/scale (float32)."""
    return ((pair.g_plus_us - pair.g_minus_us) / pair.scale_us).astype(np.float32)


def prog_noise_std_us(g_us: np.ndarray, cfg: PCMNoiseConfig) -> np.ndarray:
    """σ_prog(g) of the programming-noise polynomial (µS), before ``prog_noise_scale``."""
    r = np.asarray(g_us, dtype=np.float64) / cfg.g_max_us
    c0, c1, c2 = cfg.prog_coeff_us
    return (c0 + c1 * r + c2 * r * r) * cfg.g_max_us / cfg.g_max_ref_us


def drift_nu_stats(g_us: np.ndarray, cfg: PCMNoiseConfig) -> tuple[np.ndarray, np.ndarray]:
    """Mean μ_ν and spread σ_ν of the drift exponent of a device programmed to g (before drift_scale)."""
    g_rel = np.maximum(np.abs(np.asarray(g_us, dtype=np.float64)) / cfg.g_max_us, 1e-7)
    log_g = np.log(g_rel)
    mu = np.clip(_NU_MU[0] * log_g + _NU_MU[1], _NU_MU[2], _NU_MU[3])
    sigma = np.clip(_NU_SIGMA[0] * log_g + _NU_SIGMA[1], _NU_SIGMA[2], _NU_SIGMA[3])
    return mu, sigma


def read_noise_std_rel(g_prog_us: np.ndarray, t_seconds: float, cfg: PCMNoiseConfig) -> np.ndarray:
    """Relative 1/f read-noise std σ_read at time t after programming (multiplies |g_drift|)."""
    t_eff = t_seconds + cfg.t0_s
    q_s = np.minimum(0.0088 / np.maximum((np.abs(g_prog_us) / cfg.g_max_us) ** 0.65, 1e-3), 0.2)
    return q_s * np.sqrt(np.log((t_eff + cfg.t_read_s) / (2.0 * cfg.t_read_s)))


def _program_side(g: np.ndarray, cfg: PCMNoiseConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    sigma = prog_noise_std_us(g, cfg)
    g_prog = np.maximum(g + cfg.prog_noise_scale * sigma * rng.standard_normal(g.shape), 0.0)
    mu_nu, sigma_nu = drift_nu_stats(g, cfg)
    nu = np.abs(mu_nu + sigma_nu * rng.standard_normal(g.shape)) * cfg.drift_scale
    return g_prog, nu


def program_weights(w: np.ndarray, cfg: PCMNoiseConfig, rng: np.random.Generator) -> ProgrammedWeights:
    """Map W to conductances, apply programming noise once and draw the drift exponents."""
    target = weights_to_conductances(w, cfg)
    gp, nu_p = _program_side(target.g_plus_us, cfg, rng)
    gm, nu_m = _program_side(target.g_minus_us, cfg, rng)
    pair = ConductancePair(g_plus_us=gp, g_minus_us=gm, scale_us=target.scale_us)
    return ProgrammedWeights(pair=pair, weights=conductances_to_weights(pair), nu_plus=nu_p, nu_minus=nu_m)


def _drift_side(g_prog: np.ndarray, nu: np.ndarray, t_seconds: float, cfg: PCMNoiseConfig,
                rng: np.random.Generator) -> np.ndarray:
    t_eff = t_seconds + cfg.t0_s
    g_drift = g_prog * (t_eff / cfg.t0_s) ** (-nu) if t_eff > cfg.t0_s else g_prog.copy()
    sigma = read_noise_std_rel(g_prog, t_seconds, cfg)
    return np.maximum(g_drift + np.abs(g_drift) * cfg.read_noise_scale * sigma * rng.standard_normal(g_prog.shape),
                      0.0)


def drift_weights(programmed: ProgrammedWeights, t_seconds: float, cfg: PCMNoiseConfig,
                  rng: np.random.Generator) -> np.ndarray:
    """Weights seen at t seconds after programming: drift plus fresh 1/f read noise (float32).

    As aihwkit's ``apply_drift_noise``, the programmed weights are first converted to conductances again, with a
    new scale g_max/max|W_prog| and one conductance per weight on the side of its sign; drift (the exponents drawn
    at programming) and read noise act on those.
    """
    if t_seconds < 0:
        raise ConfigError(f"drift(t_seconds): expected t_seconds >= 0, got {t_seconds}")
    p = weights_to_conductances(programmed.weights, cfg)
    gp = _drift_side(p.g_plus_us, programmed.nu_plus, t_seconds, cfg, rng)
    gm = _drift_side(p.g_minus_us, programmed.nu_minus, t_seconds, cfg, rng)
    return conductances_to_weights(ConductancePair(g_plus_us=gp, g_minus_us=gm, scale_us=p.scale_us))


def compensation_readout(read: Callable[[np.ndarray], np.ndarray], in_size: int,
                         kind: DriftCompensation) -> np.ndarray:
    """mean|Y| of the tile response Y = read(I) to the identity: a scalar (GLOBAL) or one per output."""
    y = np.abs(np.asarray(read(np.eye(in_size, dtype=np.float32)), dtype=np.float64))  # [in, out]
    if kind == DriftCompensation.PER_COLUMN:
        return y.mean(axis=0)
    return np.asarray(y.mean())


def compensation_factor(baseline: np.ndarray, current: np.ndarray) -> np.ndarray:
    """α = baseline / current, both clipped at ≥ 1e−4 (multiplies the tile output in eval mode)."""
    return np.maximum(baseline, 1e-4) / np.maximum(current, 1e-4)


# ---------------------------------------------------------------------------------------------------------
# Tile with programming, drift and HWA-training weight modifiers
# ---------------------------------------------------------------------------------------------------------



class InferenceTile(AnalogTile):
    """An :class:`AnalogTile` with PCM-like programming, drift, drift compensation and weight modifiers.

    * :meth:`program` maps the current (trained) weights to conductance pairs, applies programming noise
      once, draws the drift exponents, and measures the drift-compensation baseline with a noisy analog
      forward of the identity on the programmed weights (no read noise yet, as aihwkit).
    * :meth:`drift` (t seconds after programming) re-draws the weights the MVMs read: drift + fresh 1/f
      read noise (a statistical sample at t), and sets the compensation factor α.
    * :meth:`forward` then reads the programmed/drifted weights and multiplies the output by α.
    * ``modifier``: during training (before :meth:`program`), forward and backward read a modified copy of
      the weights drawn once per mini-batch (after each update); the update acts on the unmodified weights. In
      :meth:`eval` mode the modifier is off (unless ``enable_during_test``).

    Counters: ``programmed_devices`` (conductances programmed), ``compensation_reads`` (identity read vectors).
    """

    def __init__(self, out_size: int, in_size: int, rpu_config: RPUConfig | str = "default", seed: int = 0, *,
                 noise_model: PCMNoiseConfig | None = None,
                 drift_compensation: DriftCompensation = DriftCompensation.GLOBAL,
                 modifier: WeightModifierConfig | None = None) -> None:
        super().__init__(out_size, in_size, rpu_config, seed)
        self.noise_model = noise_model if noise_model is not None else PCMNoiseConfig()
        self.drift_compensation = DriftCompensation(drift_compensation)
        self.modifier = modifier if modifier is not None else WeightModifierConfig()
        self.programmed: ProgrammedWeights | None = None
        self.t_seconds: float | None = None
        self._w_inference: np.ndarray | None = None
        self._w_modified: np.ndarray | None = None
        self._baseline: np.ndarray | None = None
        self.alpha: np.ndarray = np.asarray(1.0)
        self.programmed_devices = 0
        self.compensation_reads = 0
        self.training = True
        """Training mode: HWA weight modifiers are applied (see :meth:`eval`)."""

    # ---- training / evaluation mode
    def train(self, mode: bool = True) -> InferenceTile:
        """Training mode (default) or, with ``mode=False``, evaluation mode; returns the tile."""
        self.training = bool(mode)
        return self

    def eval(self) -> InferenceTile:
        """Evaluation mode: forward and backward read the unmodified weights unless the modifier's
        ``enable_during_test`` is set (aihwkit's ``is_test``)."""
        return self.train(False)

    # ---- weights the MVMs read
    def _mvm_weights(self) -> np.ndarray:
        if self._w_inference is not None:
            return self._w_inference
        active = self.training or self.modifier.enable_during_test
        if active and (self.modifier.type is not WeightModifierType.NONE or self.modifier.pdrop > 0):
            if self._w_modified is None:
                self._w_modified = apply_weight_modifier(self.algorithm.read_weights(), self.modifier, self.rng)
            return self._w_modified
        return self.algorithm.read_weights()

    def _readout(self, w: np.ndarray) -> np.ndarray:
        self.compensation_reads += self.in_size
        return compensation_readout(lambda x: self.forward_pipeline(w, x, new_key(self.rng)).y, self.in_size,
                                    self.drift_compensation)

    def program(self) -> None:
        """Program the current weights onto PCM pairs (programming noise, drift exponents, baseline read).

        As aihwkit's ``program_weights``: the tile then reads the programmed weights without read noise (that
        comes with the first :meth:`drift`), and the compensation baseline is the analog forward of the identity
        on those clean programmed weights.
        """
        self.programmed = program_weights(self.algorithm.get_weights(), self.noise_model, self.rng)
        self.programmed_devices += 2 * self.out_size * self.in_size
        self._w_inference = self.programmed.weights
        self.t_seconds = 0.0
        if self.drift_compensation is not DriftCompensation.NONE:
            self._baseline = self._readout(self._w_inference)
        self.alpha = np.asarray(1.0)

    def drift(self, t_seconds: float) -> None:
        """Weights at t seconds after programming (drift + read noise) and the compensation factor."""
        if self.programmed is None:
            raise ConfigError("InferenceTile.drift: the tile has not been programmed",
                              hint="call program() after training, then drift(t_seconds)")
        self._w_inference = drift_weights(self.programmed, float(t_seconds), self.noise_model, self.rng)
        self.t_seconds = float(t_seconds)
        if self._baseline is not None:
            self.alpha = compensation_factor(self._baseline, self._readout(self._w_inference))

    # ---- MVMs
    def forward(self, x: np.ndarray) -> np.ndarray:
        xs = as_float32_matrix(x, self.in_size, "InferenceTile.forward: x")
        res = self.forward_pipeline(self._mvm_weights(), xs, new_key(self.rng), where="InferenceTile.forward: x")
        self.stats.forward_vectors += xs.shape[0]
        self.stats.forward_bm_passes += int(res.passes.sum())
        if self._w_inference is not None and self.drift_compensation is not DriftCompensation.NONE:
            return (res.y * self.alpha.astype(np.float32)).astype(np.float32)
        return res.y

    def backward(self, d: np.ndarray) -> np.ndarray:
        ds = as_float32_matrix(d, self.out_size, "InferenceTile.backward: d")
        res = self.backward_pipeline(self._mvm_weights().T, ds, new_key(self.rng), where="InferenceTile.backward: d")
        self.stats.backward_vectors += ds.shape[0]
        self.stats.backward_bm_passes += int(res.passes.sum())
        return res.y

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        super().update(x, d, lr)
        self._w_modified = None  # a new modified copy for the next mini-batch

    def set_weights(self, w: np.ndarray) -> None:
        super().set_weights(w)
        self._w_modified = None
        self._w_inference = None
        self.programmed = None
