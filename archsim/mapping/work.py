"""Digital work of an analog layer per sample and cycle: the one place that counts it.

One *op* is the work on one element (:class:`~archsim.hwconfig.schema.DigitalOp`). Per sample of an analog
layer with ``v`` vectors, ``n_in`` inputs, ``n_out`` outputs, ``b`` row blocks, ``c`` column blocks and ``s``
bit slices, streamed in ``k`` input cycles:

- forward: ``accumulate`` = ``v * n_out * (b - 1)`` partial sums (+ ``v * n_out`` for a digital bias);
  ``shift_add`` = ``v * n_out * b * s * k`` when ``s * k > 1``; ``nm_scale`` = ``v * (n_in + n_out)`` per
  noise/bound-management pass when noise management is on; LSTM gates: ``activation`` 5 and
  ``elementwise`` 4 per hidden unit and step;
- backward: ``accumulate`` = ``v * n_in * (c - 1)``; ``nm_scale`` as forward; LSTM: ``activation`` 5 and
  ``elementwise`` 8 per hidden unit and step;
- update: ``pulse_prob`` = ``v * (rows + cols)`` (stochastic bit streams for x and d);
- the digital layers the analog layer owns (it runs them, :mod:`archsim.mapping.schedule`), forward and
  backward alike: an activation ``n_out`` ops, a pooling layer ``n_in``, LRN and softmax ``n_out``, an add
  ``n_out * (inputs - 1)``, a flatten none.

``nm_scale`` is given per pass: the engine multiplies it by the measured mean bound-management passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archsim.workload.model import Layer, LayerKind

CYCLES = ("forward", "backward", "update")
"""The cycles of an analog layer."""

_ACTIVATIONS = frozenset({"relu", "sigmoid", "tanh"})
_POOLS = frozenset({"maxpool", "avgpool", "mixedpool"})
_NORMS = frozenset({"lrn", "softmax"})


def _owned_ops(layer: Layer) -> dict[str, float]:
    kind = LayerKind(layer.kind).value
    n_out, n_in = math.prod(layer.out_shape), math.prod(layer.in_shape)
    if kind in _ACTIVATIONS:
        return {"activation": float(n_out)}
    if kind in _POOLS:
        return {"pooling": float(n_in)}
    if kind in _NORMS:
        return {"normalization": float(n_out)}
    if kind == "add":
        return {"elementwise": float(n_out * max(1, len(layer.inputs) - 1))}
    return {}


def digital_ops(layer: Layer, owned: Sequence[Layer], *, row_blocks: int, col_blocks: int, n_slices: int,
                matrix_rows: int, digital_bias: bool, input_cycles: int, nm_forward: bool,
                nm_backward: bool) -> dict[str, dict[str, float]]:
    """``{cycle: {op: ops per sample}}`` of analog ``layer`` and the digital layers it ``owned``."""
    v = float(layer.vectors_per_sample)
    n_in, cols = int(layer.matrix_in), int(layer.matrix_out)
    fwd: dict[str, float] = {}
    bwd: dict[str, float] = {}
    acc = (row_blocks - 1) + (1 if digital_bias else 0)
    if acc:
        fwd["accumulate"] = v * cols * acc
    if input_cycles * n_slices > 1:
        fwd["shift_add"] = v * cols * row_blocks * n_slices * input_cycles
    if nm_forward:
        fwd["nm_scale"] = v * (n_in + cols)
    if col_blocks > 1:
        bwd["accumulate"] = v * n_in * (col_blocks - 1)
    if nm_backward:
        bwd["nm_scale"] = v * (n_in + cols)
    if LayerKind(layer.kind).value == "lstm":
        hidden = cols / 4.0
        fwd["activation"] = v * 5 * hidden
        fwd["elementwise"] = v * 4 * hidden
        bwd["activation"] = v * 5 * hidden
        bwd["elementwise"] = v * 8 * hidden
    for node in owned:
        for op, n in _owned_ops(node).items():
            fwd[op] = fwd.get(op, 0.0) + n
            bwd[op] = bwd.get(op, 0.0) + n
    upd = {"pulse_prob": v * (matrix_rows + cols)}
    return {"forward": fwd, "backward": bwd, "update": upd}
