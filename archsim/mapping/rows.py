"""Row dataflow: which rows of its inputs each output row of a layer needs (line-buffer pipelining).

ISAAC and PipeLayer pipeline layers at the granularity of feature-map rows: a convolution can compute its
output row ``i`` as soon as the input rows its kernel window covers have arrived, and hands the row on
when it is done. This module works out, per analog layer, the *steps* the event engine runs:

- a conv layer has one step per output row (``H_out`` steps of ``W_out`` vectors each); a linear or LSTM
  layer has one step (the whole vector or sequence is handed over at once);
- before step ``i`` the layer needs ``need[i]`` rows of the tensor each MVM source sends it, and before the
  digital work of step ``i`` (the layers it owns, :mod:`archsim.mapping.schedule`) ``post[i]`` rows of the
  tensor each residual source sends;
- after step ``i`` the tensor it sends to each consumer is complete up to ``emit[i]`` rows.

All counts are cumulative (rows ``0 .. n-1``) and non-decreasing; the last step emits every row. The rule
per layer kind is stated by the kind itself (:meth:`archsim.layers.base.LayerSpec.input_rows`): a window
``(k, s, p)`` (conv, pooling) needs input rows up to ``i*s - p + k - 1``; element-wise layers (activations, add,
LRN over channels) need the same row; layers on whole vectors (flatten, linear, LSTM, softmax) need every row.
A tensor that is not an image ``(C, H, W)`` has one row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from archsim.mapping.schedule import INPUT
from archsim.workload.model import Layer

OUTPUT = "<output>"
"""Pseudo-destination of the network output (written to off-chip memory)."""


def n_rows(shape: Sequence[int]) -> int:
    """Rows of a per-sample tensor: ``H`` of an image ``(C, H, W)``, else 1."""
    return int(shape[1]) if len(shape) == 3 else 1


def rows_needed(layer: Layer, in_rows: int, out_row: int) -> int:
    """Rows ``0 .. n-1`` of an input of ``in_rows`` rows that output row ``out_row`` of ``layer`` needs (the
    row rule its kind states, :meth:`~archsim.layers.base.LayerSpec.input_rows`)."""
    return layer.spec.input_rows(layer, in_rows, out_row)[1]


def first_row_needed(layer: Layer, in_rows: int, out_row: int) -> int:
    """The first input row output row ``out_row`` of ``layer`` needs (rows below it are done with)."""
    return layer.spec.input_rows(layer, in_rows, out_row)[0]


@dataclass(frozen=True, kw_only=True, slots=True)
class RowNeed:
    """What one source must have delivered before each step of a layer."""

    source: str
    """Analog layer (or ``"<input>"``) sending the tensor."""
    rows: int
    """Rows of the tensor on this edge."""
    mvm: tuple[int, ...]
    """Rows needed before the MVMs of step ``i`` (all 0 for a residual-only source)."""
    post: tuple[int, ...]
    """Rows needed before the digital work of step ``i`` (the residual operand of an add it owns)."""
    release: tuple[int, ...]
    """Rows no step after ``i`` needs (freed once step ``i`` is done; the last entry is ``rows``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RowEmit:
    """What a layer has sent to one destination after each of its steps."""

    dest: str
    """Analog layer, or ``"<output>"`` for the network output."""
    rows: int
    """Rows of the tensor on this edge."""
    emit: tuple[int, ...]
    """Rows of the tensor complete after step ``i`` (the last entry is ``rows``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LayerRows:
    """The row dataflow of one analog layer."""

    steps: int
    """Steps per sample (conv: output rows; linear, LSTM: 1)."""
    vectors_per_step: int
    """MVM vectors of one step (conv: ``W_out``; linear: vectors per sample)."""
    needs: tuple[RowNeed, ...]
    """One entry per source, in topological order of the sources."""
    emits: tuple[RowEmit, ...]
    """One entry per destination."""


def layer_rows(graph: nx.DiGraph, layers: Mapping[str, Layer], analog: Collection[str],
               own: Mapping[str, str], order: Sequence[str]) -> dict[str, LayerRows]:
    """The :class:`LayerRows` of every analog layer.

    Args:
        graph: the workload graph.
        layers: node name -> layer (``kind``, ``in_shape``, ``out_shape``, window fields).
        analog: names of the analog layers.
        own: owner of every node (:func:`archsim.mapping.schedule.owners`).
        order: topological order of all nodes.
    """
    pos = {n: k for k, n in enumerate(order)}
    pos[INPUT] = -1
    rows_of = {n: n_rows(layers[n].out_shape) for n in order}
    sinks = [n for n in order if graph.out_degree(n) == 0]
    out: dict[str, LayerRows] = {}
    # per analog layer: requirement arrays of every node it owns, in terms of its MVM rows and external rows
    mvm_req: dict[str, list[int]] = {}
    ext_req: dict[str, list[dict[tuple[str, str], int]]] = {}
    for name in order:
        owner = own[name]
        if owner == INPUT:
            continue
        if name in analog:
            mvm_req[name] = [j + 1 for j in range(rows_of[name])]
            ext_req[name] = [{} for _ in range(rows_of[name])]
            continue
        layer = layers[name]
        m_arr: list[int] = []
        e_arr: list[dict[tuple[str, str], int]] = []
        for j in range(rows_of[name]):
            m, ext = 0, {}
            for p in graph.predecessors(name):
                c = rows_needed(layer, rows_of[p], j)
                if c <= 0:
                    continue
                if own[p] == owner:
                    m = max(m, mvm_req[p][c - 1])
                    for key, v in ext_req[p][c - 1].items():
                        ext[key] = max(ext.get(key, 0), v)
                else:
                    key = (own[p], p)
                    ext[key] = max(ext.get(key, 0), c)
            m_arr.append(m)
            e_arr.append(ext)
        mvm_req[name] = m_arr
        ext_req[name] = e_arr
    for name in order:
        if name not in analog:
            continue
        layer = layers[name]
        steps = rows_of[name]
        vectors = int(layer.vectors_per_sample)
        chain = [n for n in order if own[n] == name]
        # sources: MVM inputs (predecessors of the layer) and residual operands (external rows its chain needs)
        refs: dict[str, str] = {}  # source owner -> reference tensor (first sent node)
        mvm_need: dict[str, list[int]] = {}
        mvm_first: dict[str, list[int]] = {}
        for p in graph.predecessors(name):
            src = own[p]
            refs.setdefault(src, p)
            arr = [rows_needed(layer, rows_of[p], i) for i in range(steps)]
            mvm_need[src] = [max(a, b) for a, b in zip(mvm_need.get(src, [0] * steps), arr)]
            first = [first_row_needed(layer, rows_of[p], i) for i in range(steps)]
            mvm_first[src] = [min(a, b) for a, b in zip(mvm_first.get(src, [rows_of[p]] * steps), first)]
        post_need: dict[str, list[int]] = {}
        for n in chain:
            done = _completed(mvm_req[n], steps)
            for i in range(steps):
                c = done[i]
                if c <= 0:
                    continue
                for (src, q), v in ext_req[n][c - 1].items():
                    refs.setdefault(src, q)
                    arr = post_need.setdefault(src, [0] * steps)
                    arr[i] = max(arr[i], v)
        needs = []
        for src in sorted(refs, key=pos.__getitem__):
            ref_rows = rows_of[refs[src]]
            m = _cummax(mvm_need.get(src, [0] * steps))
            post = _cummax([min(ref_rows, v) for v in post_need.get(src, [0] * steps)])
            release = []
            for i in range(steps):
                if i + 1 == steps:
                    release.append(ref_rows)
                    continue
                done = [post[i]] if src in post_need else []
                if src in mvm_first:
                    done.append(mvm_first[src][i + 1])
                release.append(min(done))
            needs.append(RowNeed(source=src, rows=ref_rows, mvm=tuple(m), post=tuple(post),
                                 release=tuple(_cummax(release))))
        # destinations: every analog layer fed by a node of the chain, and the network output
        emits = []
        dests: dict[str, str] = {}
        for n in chain:
            for v in graph.successors(n):
                dst = v if v in analog else own[v]
                if dst != name and dst != INPUT:
                    dests.setdefault(dst, n)
        for n in chain:
            if n in sinks:
                dests.setdefault(OUTPUT, n)
        for dst in sorted(dests, key=lambda d: pos.get(d, len(order))):
            q = dests[dst]
            done = _completed(mvm_req[q], steps)
            done[-1] = rows_of[q]
            emits.append(RowEmit(dest=dst, rows=rows_of[q], emit=tuple(_cummax(done))))
        out[name] = LayerRows(steps=steps, vectors_per_step=max(1, vectors // steps), needs=tuple(needs),
                              emits=tuple(emits))
    return out


def _completed(req: Sequence[int], steps: int) -> list[int]:
    """For each step ``i``: rows of a node whose MVM requirement is met once ``i + 1`` MVM rows are done."""
    out = []
    j = 0
    for i in range(steps):
        while j < len(req) and req[j] <= i + 1:
            j += 1
        out.append(j)
    return out


def _cummax(values: Sequence[int]) -> list[int]:
    out, best = [], 0
    for v in values:
        best = max(best, int(v))
        out.append(best)
    return out
