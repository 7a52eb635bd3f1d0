"""Inference-time noise of PCM-like crossbars: conductance mapping, programming noise, drift, read noise.

Model (aihwkit ``PCMLikeNoiseModel`` and ``SinglePairConductanceConverter``, research/aihwkit-reference.md
§6), all conductances in µS:

* **Mapping.** scale = (g_max − g_min)/max|W| per tile; g⁺ = clip(W·scale, 0, g_max) + g_min,
  g⁻ = clip(−W·scale, 0, g_max) + g_min; back: W = (g⁺ − g⁻)/scale.
* **Programming noise** (once, at :func:`program_weights`): σ_prog(g) = (c0 + c1·g/g_max +
  c2·(g/g_max)²)·g_max/g_max_ref; g_prog = max(g + prog_scale·σ_prog·ξ, 0).
* **Drift exponent** (once, from the *target* g): g_rel = max(|g|/g_max, 1e−7);
  μ_ν = clip(−0.0155·ln g_rel + 0.0244, 0.049, 0.1); σ_ν = clip(−0.0125·ln g_rel − 0.0059, 0.008, 0.045);
  ν = |μ_ν + σ_ν·ξ|·drift_scale.
* **At time t** after programming (:func:`drift_weights`), t' = t + t0:
  g_drift = g_prog·(t'/t0)^(−ν); Q_s = min(0.0088/max((|g_prog|/g_max)^0.65, 1e−3), 0.2);
  σ_read = Q_s·sqrt(ln((t' + t_read)/(2·t_read))); g = max(g_drift + |g_drift|·read_scale·σ_read·ξ, 0).
  Each call is an independent statistical sample at t (fresh read noise), not a trajectory.
* **Drift compensation** (aihwkit ``GlobalDriftCompensation``): right after programming, the tile's
  noisy response to the identity (one-hot over all inputs) gives a baseline mean|Y|; after drift the
  output is multiplied by α = baseline / mean|Y(t)| (per output for ``PER_COLUMN``), each clipped ≥ 1e−4.

Assumptions: one conductance pair per weight; negative weights live on g⁻; randomness comes from the
caller's ``numpy.random.Generator`` (one per run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import DriftCompensation, PCMNoiseConfig

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
    """State after programming: noisy conductances and the per-device drift exponents."""

    pair: ConductancePair
    """Programmed (noisy) conductances."""
    nu_plus: np.ndarray
    """Drift exponent of every g⁺ device."""
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
    return ProgrammedWeights(pair=ConductancePair(g_plus_us=gp, g_minus_us=gm, scale_us=target.scale_us),
                             nu_plus=nu_p, nu_minus=nu_m)


def _drift_side(g_prog: np.ndarray, nu: np.ndarray, t_seconds: float, cfg: PCMNoiseConfig,
                rng: np.random.Generator) -> np.ndarray:
    t_eff = t_seconds + cfg.t0_s
    g_drift = g_prog * (t_eff / cfg.t0_s) ** (-nu) if t_eff > cfg.t0_s else g_prog.copy()
    sigma = read_noise_std_rel(g_prog, t_seconds, cfg)
    return np.maximum(g_drift + np.abs(g_drift) * cfg.read_noise_scale * sigma * rng.standard_normal(g_prog.shape),
                      0.0)


def drift_weights(programmed: ProgrammedWeights, t_seconds: float, cfg: PCMNoiseConfig,
                  rng: np.random.Generator) -> np.ndarray:
    """Weights seen at t seconds after programming: drift plus fresh 1/f read noise (float32)."""
    if t_seconds < 0:
        raise ConfigError(f"drift(t_seconds): expected t_seconds >= 0, got {t_seconds}")
    p = programmed.pair
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
