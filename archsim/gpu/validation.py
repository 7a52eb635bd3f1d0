"""Fit and held-out errors of the GPU model against every published figure (``docs/validation.md``).

:func:`validation_rows` predicts every figure of :mod:`archsim.gpu.published` with the shipped GPU
files; :func:`summary` gives the median and worst held-out error per GPU; :func:`markdown_table`
renders the table of the GPU section of ``docs/validation.md``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archsim.gpu.fit import figure_plan, model_throughput
from archsim.gpu.published import FIGURES, PublishedFigure
from archsim.gpu.schema import GPUConfig


@dataclass(frozen=True, kw_only=True)
class ValidationRow:
    """One published figure next to the model."""

    figure: PublishedFigure
    """The published figure."""
    model: float
    """Modelled samples per second."""

    @property
    def error(self) -> float:
        """Model / published − 1."""
        return self.model / self.figure.throughput - 1.0


@dataclass(frozen=True, kw_only=True)
class GPUSummary:
    """Held-out error statistics of one GPU."""

    gpu: str
    """GPU name."""
    n_fit: int
    """Figures in the fit set."""
    n_held_out: int
    """Held-out figures."""
    median_abs_error: float
    """Median |error| of the held-out figures."""
    worst_abs_error: float
    """Largest |error| of the held-out figures."""
    worst_figure: str
    """Id of the held-out figure with the largest |error|."""


def validation_rows(load: Callable[[str], GPUConfig],
                    figures: Sequence[PublishedFigure] = FIGURES) -> tuple[ValidationRow, ...]:
    """Model every figure with the GPU files ``load`` returns."""
    gpus: dict[str, GPUConfig] = {}
    rows = []
    for fig in figures:
        gpu = gpus.setdefault(fig.gpu, load(fig.gpu))
        rows.append(ValidationRow(figure=fig, model=model_throughput(gpu, figure_plan(gpu, fig))))
    return tuple(rows)


def summary(rows: Sequence[ValidationRow]) -> dict[str, GPUSummary]:
    """Per-GPU held-out statistics."""
    out = {}
    for gpu in dict.fromkeys(r.figure.gpu for r in rows):
        mine = [r for r in rows if r.figure.gpu == gpu]
        held = [r for r in mine if r.figure.role == "held-out"]
        worst = max(held, key=lambda r: abs(r.error))
        out[gpu] = GPUSummary(
            gpu=gpu,
            n_fit=len(mine) - len(held),
            n_held_out=len(held),
            median_abs_error=statistics.median(abs(r.error) for r in held),
            worst_abs_error=abs(worst.error),
            worst_figure=worst.figure.id,
        )
    return out


def _setup(fig: PublishedFigure) -> str:
    net = fig.network if fig.network == "resnet50" else f"{fig.network} {fig.task} s{fig.seq_len}"
    extra = f", {fig.layout.upper()}" if fig.network == "resnet50" and fig.stack == "pytorch" else ""
    return f"{net}, {fig.mode}, {fig.precision}, batch {fig.batch_size}, {fig.stack}{extra}"


def markdown_table(rows: Sequence[ValidationRow], gpu: str) -> list[str]:
    """Rows of the validation table of ``gpu`` (published, model, error, role, source, date)."""
    lines = [
        "| setup | published | model | error | role | source (date) |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        if r.figure.gpu != gpu:
            continue
        f = r.figure
        note = f"; {f.note}" if f.note else ""
        lines.append(
            f"| {_setup(f)} | {f.throughput:,.1f} | {r.model:,.1f} | {100 * r.error:+.1f} % | {f.role} | "
            f"{f.source} ({f.date}){note} |"
        )
    return lines
