"""Digital work of an analog layer per sample and cycle: the one place that counts it.

One *op* is the work on one element (:class:`~archsim.hwconfig.schema.DigitalOp`). Per sample of an analog
layer with ``v`` vectors, ``n_in`` inputs, ``n_out`` outputs, ``b`` row blocks, ``c`` column blocks and ``s``
bit slices, streamed in ``k`` input cycles:

- forward: ``accumulate`` = ``v * n_out * (b - 1)`` partial sums (+ ``v * n_out`` for a digital bias);
  ``shift_add`` = ``v * n_out * b * s * k`` when ``s * k > 1``; ``nm_scale`` = ``v * (n_in + n_out)`` per
  noise/bound-management pass when noise management is on;
- backward: ``accumulate`` = ``v * n_in * (c - 1)``; ``nm_scale`` as forward;
- update: ``pulse_prob`` = ``v * (rows + cols)`` (stochastic bit streams for x and d);
- the layer kinds' own digital work (:mod:`archsim.layers`, ``Layer.digital_ops(cycle)``): the analog
  layer's (the LSTM gates) and that of the digital layers it owns (it runs them,
  :mod:`archsim.mapping.schedule`: activation, pooling, normalisation, element-wise).

``nm_scale`` is given per pass: the engine multiplies it by the measured mean bound-management passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from archsim.workload.model import Layer

CYCLES = ("forward", "backward", "update")
"""The cycles of an analog layer."""

def digital_ops(layer: Layer, owned: Sequence[Layer], *, row_blocks: int, col_blocks: int, n_slices: int,
                matrix_rows: int, digital_bias: bool, input_cycles: int, nm_forward: bool,
                nm_backward: bool) -> dict[str, dict[str, float]]:
    """``{cycle: {op: ops per sample}}`` of analog ``layer`` and the digital layers it ``owned``.

    ``matrix_rows`` counts the rows of all groups of a grouped convolution (as do the inputs and outputs).
    """
    v = float(layer.vectors_per_sample)
    n_in, cols = int(layer.matrix_in) * int(layer.n_groups), int(layer.matrix_out) * int(layer.n_groups)
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
    for node in (layer, *owned):
        for cycle, out in (("forward", fwd), ("backward", bwd)):
            for op, n in node.digital_ops(cycle).items():
                out[op] = out.get(op, 0.0) + float(n)
    upd = {"pulse_prob": v * (matrix_rows + cols)}
    return {"forward": fwd, "backward": bwd, "update": upd}
