"""Frozen result dataclasses with ``to_dict``/``from_dict`` and JSON I/O.

Each submodule holds the results of one producer: :mod:`.stats` (functional → engine statistics),
:mod:`.io` (atomic JSON writing). Engine, accuracy and run results live beside them.
"""
