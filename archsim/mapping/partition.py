"""Partition a layer's logical weight matrix into crossbar-sized blocks.

Pure functions over integers; see :mod:`archsim.mapping.model` for the conventions (near-equal
splits as in aihwkit's ``TileModuleArray``, analog bias row appended to the last row block, one block
per bit slice, differential pairs halving the logical columns of a crossbar).

**Grouped convolutions** (``n_groups`` > 1) are ``n_groups`` independent matrices of ``n_inputs × n_outputs``
each (a depthwise 3×3 convolution: ``9 × 1`` per channel). Each group is its own block, never a slice of a
block-diagonal matrix. When one group fits a crossbar, ``groups_per_block`` consecutive groups share one crossbar
on disjoint rows and columns (``k = min((n_rows − bias) // n_inputs, logical_cols // n_outputs, n_groups)``; an
analog bias takes one row per crossbar, driven by 1, whose cells hold every packed group's biases): one MVM then
serves all of them, and a training chip updates them one group at a time so no pulse lands outside a group's
block. A group larger than a crossbar is split like an ungrouped matrix, group after group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.errors import MappingError


def near_equal_splits(size: int, max_size: int) -> tuple[int, ...]:
    """Split ``size`` into ``ceil(size / max_size)`` parts that differ by at most one.

    The first ``size mod n`` parts get one more element (aihwkit's rule), e.g. 784 over 512 → (392, 392),
    785 over 512 → (393, 392).

    Raises:
        ValueError: if ``size < 1`` or ``max_size < 1``.
    """
    if size < 1 or max_size < 1:
        raise ValueError(f"near_equal_splits: expected size >= 1 and max_size >= 1, got {size}, {max_size}")
    return split_into(size, math.ceil(size / max_size))


def split_into(size: int, n_parts: int) -> tuple[int, ...]:
    """Split ``size`` into exactly ``n_parts`` near-equal parts (first ``size mod n`` get one more).

    Parts may be zero when ``n_parts > size``.
    """
    if n_parts < 1 or size < 0:
        raise ValueError(f"split_into: expected size >= 0 and n_parts >= 1, got {size}, {n_parts}")
    base, extra = divmod(size, n_parts)
    return tuple(base + 1 if i < extra else base for i in range(n_parts))


def row_splits(n_inputs: int, bias_row: bool, max_rows: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row blocks of a matrix with ``n_inputs`` inputs and an optional analog bias row.

    The number of row blocks is ``ceil((n_inputs + bias_row) / max_rows)``; the inputs are split
    near-equally over them and the bias row is appended to the last block.

    Returns:
        ``(rows, inputs)``: rows per block (incl. the bias row) and input features per block.
    """
    n_rows = n_inputs + (1 if bias_row else 0)
    if n_inputs < 1 or max_rows < 1:
        raise ValueError(f"row_splits: expected n_inputs >= 1 and max_rows >= 1, got {n_inputs}, {max_rows}")
    n_blocks = math.ceil(n_rows / max_rows)
    inputs = split_into(n_inputs, n_blocks)
    rows = inputs[:-1] + (inputs[-1] + (1 if bias_row else 0),)
    return rows, inputs


def n_slices_for(weight_bits: int | None, bits_per_cell: int | None) -> int:
    """Cells per weight: ``ceil(weight_bits / bits_per_cell)``, or 1 when either is None (analog weight)."""
    if weight_bits is None or bits_per_cell is None:
        return 1
    if weight_bits < 1 or bits_per_cell < 1:
        raise ValueError(f"expected weight_bits, bits_per_cell >= 1, got {weight_bits}, {bits_per_cell}")
    return math.ceil(weight_bits / bits_per_cell)


@dataclass(frozen=True, kw_only=True, slots=True)
class Partition:
    """How one replica of a layer's matrix splits into blocks (before placement)."""

    row_splits: tuple[int, ...]
    """Rows per row block incl. the bias row in the last one."""
    input_splits: tuple[int, ...]
    """Input features per row block."""
    col_splits: tuple[int, ...]
    """Logical columns per column block."""
    n_slices: int
    """Bit slices (one block each)."""
    n_groups: int = 1
    """Independent matrices of the layer (grouped convolution), each split as above."""
    groups_per_block: int = 1
    """Groups sharing one crossbar on disjoint rows and columns (1 = one group per block)."""
    bias_rows: int = 0
    """Analog bias rows per group matrix (1 with an analog bias)."""

    @property
    def n_packs(self) -> int:
        """Group packs (crossbars per slice and row/column block)."""
        return -(-self.n_groups // self.groups_per_block)

    @property
    def blocks_per_replica(self) -> int:
        """Crossbars needed by one replica: packs × row blocks × column blocks × slices."""
        return self.n_packs * len(self.row_splits) * len(self.col_splits) * self.n_slices

    def ranges(self) -> list[tuple[int, int, int, int, int, int, int]]:
        """``(slice, row_block, col_block, row_start, row_stop, col_start, col_stop)`` of every block (see
        :meth:`group_ranges`)."""
        return [r[:7] for r in self.group_ranges()]

    def group_ranges(self) -> list[tuple[int, int, int, int, int, int, int, int]]:
        """``(slice, row_block, col_block, row_start, row_stop, col_start, col_stop, group)`` of every block.

        Ordered slice-major, then group pack, then row block, then column block. Rows and columns index the
        block-diagonal matrix of all groups (group ``g``'s rows start at ``g · sum(row_splits)``); a pack of
        ``m`` groups spans ``m`` groups' inputs plus one bias row and ``m`` groups' outputs; ``group`` is the
        first group of the block.
        """
        out = []
        rows_g, cols_g = sum(self.row_splits), sum(self.col_splits)
        inputs_g = rows_g - self.bias_rows
        for s in range(self.n_slices):
            if self.groups_per_block > 1:
                for p in range(self.n_packs):
                    g0 = p * self.groups_per_block
                    m = min(self.groups_per_block, self.n_groups - g0)
                    r0, c0 = g0 * rows_g, g0 * cols_g
                    out.append((s, 0, 0, r0, r0 + m * inputs_g + self.bias_rows, c0, c0 + m * cols_g, g0))
                continue
            for g in range(self.n_groups):
                r0 = g * rows_g
                for i, nr in enumerate(self.row_splits):
                    c0 = g * cols_g
                    for j, nc in enumerate(self.col_splits):
                        out.append((s, i, j, r0, r0 + nr, c0, c0 + nc, g))
                        c0 += nc
                    r0 += nr
        return out


def partition_matrix(
    *,
    n_inputs: int,
    n_outputs: int,
    bias_row: bool,
    n_rows: int,
    n_cols: int,
    n_slices: int = 1,
    cols_per_weight: int = 1,
    layer: str = "",
    n_groups: int = 1,
) -> Partition:
    """Partition an ``(n_inputs [+1 bias]) × n_outputs`` matrix (per group) for ``n_rows × n_cols`` crossbars.

    Args:
        n_inputs: matrix inputs without the bias row.
        n_outputs: matrix outputs (logical columns).
        bias_row: append an analog bias row.
        n_rows: crossbar rows.
        n_cols: crossbar physical columns.
        n_slices: cells per weight (one block per slice).
        cols_per_weight: physical columns per logical column (2 for differential pairs).
        layer: layer name, for error messages.
        n_groups: independent matrices of that size (grouped convolution; module docstring).

    Raises:
        MappingError: when a crossbar cannot hold one logical column (``n_cols < cols_per_weight``).
    """
    logical_cols = n_cols // cols_per_weight
    if logical_cols < 1:
        raise MappingError(
            f"layer {layer!r}: a crossbar with {n_cols} columns cannot hold one weight of "
            f"{cols_per_weight} columns",
            hint="increase tile.n_cols",
        )
    rows, inputs = row_splits(n_inputs, bias_row, n_rows)
    bias = 1 if bias_row else 0
    per_block = 1
    if n_groups > 1 and n_inputs + bias <= n_rows and n_outputs <= logical_cols:
        per_block = max(1, min((n_rows - bias) // n_inputs, logical_cols // n_outputs, n_groups))
    return Partition(
        row_splits=rows,
        input_splits=inputs,
        col_splits=near_equal_splits(n_outputs, logical_cols),
        n_slices=n_slices,
        n_groups=n_groups,
        groups_per_block=per_block,
        bias_rows=bias,
    )
