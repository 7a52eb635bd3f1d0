"""Fit the GPU model's free parameters on the fit subset of the published figures.

Procedure (reproduces the values in ``hwconfigs/gpus/*.yaml``; ``benchmarks/fit_gpu_baselines.py``
runs it and rewrites the files):

1. **A100**: ``efficiency.tensor``, ``efficiency.memory`` and ``overheads.kernel_us`` on the A100 fit set
   (Lambda ResNet-50 training at TF32 and AMP and BERT-large SQuAD fine-tuning at AMP, MLPerf ResNet-50
   TensorRT batch 1), with ``host_dispatch_us`` from step 2.
2. **V100**: ``efficiency.tensor``, ``efficiency.fp32``, ``efficiency.memory`` and
   ``overheads.host_dispatch_us`` on the V100 fit set (Lambda ResNet-50 training FP32/AMP and BERT-large
   SQuAD fine-tuning AMP, DeepLearningExamples ResNet-50 inference FP32 at batch 1), with ``kernel_us``
   from step 1.
3. **H100**: ``efficiency.tensor`` and ``efficiency.memory`` on the H100 fit set (Lambda ResNet-50
   training TF32/AMP, BERT-large SQuAD fine-tuning AMP), with ``kernel_us`` from step 1 and
   ``host_dispatch_us`` from step 2.
4. **H200**: ``efficiency.memory`` only, on the H200 fit set (Lambda ResNet-50 training at AMP), with
   ``efficiency.tensor`` from step 3 (same GH100 SMs and tensor cores as H100; only the memory differs)
   and the shared overheads.

Steps 1 and 2 each need the other's shared value (``host_dispatch_us``, ``kernel_us``); they are
repeated from fixed starting values until both settle. The two shared values are then written to every
file (each is identifiable from one GPU's fit set only). The objective is the sum of squared log-ratios model/published over the fit set,
minimised by a Nelder-Mead simplex (:func:`nelder_mead`) in transformed coordinates (logit for
fractions, log for times), from a fixed start, so the fit is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from archsim.errors import ConfigError
from archsim.gpu.model import KernelPlan, check_arguments, plan_kernels, time_plan
from archsim.gpu.published import PublishedFigure, figures_for
from archsim.gpu.schema import GPUConfig

#: Significant digits written to the YAML files.
DIGITS = 4

#: Fitted parameters per GPU, as (section, key); H200 has none (it inherits H100's).
FITTED: dict[str, tuple[tuple[str, str], ...]] = {
    "a100": (("efficiency", "tensor"), ("efficiency", "memory"), ("overheads", "kernel_us")),
    "v100": (("efficiency", "tensor"), ("efficiency", "fp32"), ("efficiency", "memory"),
             ("overheads", "host_dispatch_us")),
    "h100": (("efficiency", "tensor"), ("efficiency", "memory")),
    "h200": (("efficiency", "memory"),),
}
#: Parameters one GPU's fit provides to all files.
SHARED = {("overheads", "kernel_us"): "a100", ("overheads", "host_dispatch_us"): "v100"}
#: GPUs that take their tensor-core efficiency from another GPU (same SMs and tensor cores).
INHERITS = {"h200": "h100"}


def round_sig(value: float, digits: int = DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits."""
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def nelder_mead(f: Callable[[np.ndarray], float], x0: Sequence[float], *, step: float = 0.5, iters: int = 400,
                tol: float = 1e-10) -> np.ndarray:
    """Minimise ``f`` from ``x0`` with the Nelder-Mead simplex (reflection 1, expansion 2, contraction ½,
    shrink ½); stops after ``iters`` iterations or when the simplex's values differ by less than ``tol``."""
    n = len(x0)
    simplex = [np.asarray(x0, dtype=float)]
    for i in range(n):
        x = np.asarray(x0, dtype=float).copy()
        x[i] += step
        simplex.append(x)
    values = [f(x) for x in simplex]
    for _ in range(iters):
        order = np.argsort(values)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if values[-1] - values[0] < tol:
            break
        centroid = np.mean(simplex[:-1], axis=0)
        xr = centroid + (centroid - simplex[-1])
        fr = f(xr)
        if fr < values[0]:
            xe = centroid + 2.0 * (centroid - simplex[-1])
            fe = f(xe)
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
        else:
            xc = centroid + 0.5 * (simplex[-1] - centroid)
            fc = f(xc)
            if fc < values[-1]:
                simplex[-1], values[-1] = xc, fc
            else:
                best = simplex[0]
                simplex = [best] + [best + 0.5 * (x - best) for x in simplex[1:]]
                values = [values[0]] + [f(x) for x in simplex[1:]]
    return simplex[int(np.argmin(values))]


def with_values(gpu: GPUConfig, values: Mapping[tuple[str, str], float]) -> GPUConfig:
    """``gpu`` with fitted values replaced (``{("efficiency", "tensor"): 0.6, ...}``)."""
    eff = gpu.efficiency
    ovh = gpu.overheads
    for (section, key), value in values.items():
        if section == "efficiency":
            eff = replace(eff, **{key: value})
        elif section == "overheads":
            ovh = replace(ovh, **{key: value})
        else:
            raise ConfigError(f"fit: unknown section {section!r}")
    return replace(gpu, efficiency=eff, overheads=ovh)


def figure_plan(gpu: GPUConfig, fig: PublishedFigure) -> KernelPlan:
    """The kernel plan of one published figure's setup on ``gpu``."""
    batch = check_arguments(gpu, mode=fig.mode, precision=fig.precision, batch=fig.batch_size, stack=fig.stack,
                            layout=fig.layout, optimizer=fig.optimizer, accumulation_steps=fig.accumulation_steps)
    return plan_kernels(gpu, fig.layers(), mode=fig.mode, precision=fig.precision, batch=batch, stack=fig.stack,
                        layout=fig.layout, optimizer=fig.optimizer, accumulation_steps=fig.accumulation_steps)


def model_throughput(gpu: GPUConfig, plan: KernelPlan) -> float:
    """Modelled samples per second of a plan."""
    return plan.batch / time_plan(plan, gpu).batch_ns * 1e9


def _encode(key: tuple[str, str], value: float) -> float:
    if key[0] == "efficiency":
        p = min(max(value, 1e-6), 1 - 1e-9)
        return math.log(p / (1 - p))
    return math.log(max(value, 1e-6))


def _decode(key: tuple[str, str], x: float) -> float:
    if key[0] == "efficiency":
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x)


#: Starting values of the fit (and of the shared parameters before the first iteration).
START = {("efficiency", "tensor"): 0.5, ("efficiency", "fp32"): 0.7, ("efficiency", "memory"): 0.7,
         ("overheads", "host_dispatch_us"): 20.0, ("overheads", "kernel_us"): 3.0}

#: Iterations of steps 1-2 (A100 and V100 each need the other's shared value; they converge in a few).
MAX_ROUNDS = 20


@dataclass(frozen=True, kw_only=True)
class FitResult:
    """Fitted values of one GPU and the fit residuals."""

    gpu: str
    """GPU name."""
    values: dict[tuple[str, str], float]
    """Fitted parameters, rounded to :data:`DIGITS` significant digits."""
    residuals: dict[str, float]
    """Fit figure id → model / published − 1, with the rounded values."""


def fit_gpu(gpu: GPUConfig, figures: Sequence[PublishedFigure], keys: Sequence[tuple[str, str]],
            fixed: Mapping[tuple[str, str], float] | None = None) -> FitResult:
    """Fit ``keys`` of ``gpu`` on ``figures`` (with ``fixed`` values set first).

    Raises:
        ConfigError: if there are fewer figures than parameters.
    """
    if len(figures) < len(keys):
        raise ConfigError(f"fit {gpu.name}: {len(figures)} fit figures for {len(keys)} parameters")
    base = with_values(gpu, dict(fixed or {}))
    plans = [(figure_plan(base, f), f.throughput) for f in figures]

    def objective(x: np.ndarray) -> float:
        g = with_values(base, {k: _decode(k, float(v)) for k, v in zip(keys, x)})
        return sum(math.log(model_throughput(g, p) / pub) ** 2 for p, pub in plans)

    x = nelder_mead(objective, [_encode(k, START[k]) for k in keys])
    values = {k: round_sig(_decode(k, float(v))) for k, v in zip(keys, x)}
    fitted = with_values(base, values)
    residuals = {f.id: model_throughput(fitted, p) / pub - 1 for f, (p, pub) in zip(figures, plans)}
    return FitResult(gpu=gpu.name, values=values, residuals=residuals)


def fit_residuals(load: Callable[[str], GPUConfig]) -> dict[str, FitResult]:
    """Steps 1-3 of the procedure (module docstring): the fit of every fitted GPU with its residuals.

    A100's fit needs ``host_dispatch_us`` (the optimizer's many small kernels at the end of a training
    step wait for the host) and V100's needs ``kernel_us``: steps 1 and 2 are repeated from
    :data:`START` until both shared values stop changing at :data:`DIGITS` significant digits.

    Raises:
        ConfigError: if the iteration does not settle within :data:`MAX_ROUNDS` rounds.
    """
    kernel = {("overheads", "kernel_us"): START[("overheads", "kernel_us")]}
    dispatch = {("overheads", "host_dispatch_us"): START[("overheads", "host_dispatch_us")]}
    for _ in range(MAX_ROUNDS):
        a100 = fit_gpu(load("a100"), figures_for("a100", "fit"), FITTED["a100"], fixed=dispatch)
        new_kernel = {("overheads", "kernel_us"): a100.values[("overheads", "kernel_us")]}
        v100 = fit_gpu(load("v100"), figures_for("v100", "fit"), FITTED["v100"], fixed=new_kernel)
        new_dispatch = {("overheads", "host_dispatch_us"): v100.values[("overheads", "host_dispatch_us")]}
        if new_kernel == kernel and new_dispatch == dispatch:
            break
        kernel, dispatch = new_kernel, new_dispatch
    else:
        raise ConfigError(f"fit: the shared parameters did not settle in {MAX_ROUNDS} rounds")
    h100 = fit_gpu(load("h100"), figures_for("h100", "fit"), FITTED["h100"], fixed={**kernel, **dispatch})
    tensor = {("efficiency", "tensor"): h100.values[("efficiency", "tensor")]}
    h200 = fit_gpu(load("h200"), figures_for("h200", "fit"), FITTED["h200"], fixed={**kernel, **dispatch, **tensor})
    return {"a100": a100, "v100": v100, "h100": h100, "h200": h200}


def fit_all(load: Callable[[str], GPUConfig]) -> dict[str, dict[tuple[str, str], float]]:
    """Run the whole procedure; returns the values to write per GPU file (unused fractions are 1)."""
    fits = fit_residuals(load)
    shared = {key: fits[owner].values[key] for key, owner in SHARED.items()}
    out = {name: {**fit.values, **shared} for name, fit in fits.items()}
    for child, parent in INHERITS.items():
        out[child][("efficiency", "tensor")] = fits[parent].values[("efficiency", "tensor")]
    for name in ("a100", "h100", "h200"):
        out[name][("efficiency", "fp32")] = 1.0  # TF32 tensor cores: the CUDA-core fraction is unused
    return out


def format_value(value: float) -> str:
    """The text a fitted value is written as."""
    return f"{value:.{DIGITS}g}"


def update_yaml_text(text: str, values: Mapping[tuple[str, str], float]) -> str:
    """Replace ``section: {key: value}`` entries of a GPU YAML text, keeping layout and comments.

    Raises:
        ConfigError: if a key is not found in its section.
    """
    lines = text.splitlines(keepends=True)
    for (section, key), value in values.items():
        in_section = found = False
        for n, line in enumerate(lines):
            if re.match(rf"^{section}:\s*(#.*)?$", line):
                in_section = True
                continue
            if in_section and re.match(r"^\S", line):
                break
            m = re.match(rf"^(\s+{key}:\s*)([^#\s]+)(.*)$", line.rstrip("\n")) if in_section else None
            if m:
                lines[n] = f"{m.group(1)}{format_value(value)}{m.group(3)}\n"
                found = True
                break
        if not found:
            raise ConfigError(f"fit: key {section}.{key} not found under '{section}:' in the YAML text")
    return "".join(lines)
