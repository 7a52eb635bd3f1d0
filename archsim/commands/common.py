"""Arguments shared by the subcommands that take a chip and a network."""

from __future__ import annotations

from typing import Any


def add_inputs(parser: Any, *, set_example: str = "chip.n_tiles=256") -> None:
    """Add the positional ``HW.yaml WORKLOAD.yaml`` pair and the repeatable ``--set KEY=VALUE`` override."""
    parser.add_argument("hw", metavar="HW.yaml", help="hardware description (a path or a bundled name)")
    parser.add_argument("workload", metavar="WORKLOAD.yaml", help="workload description (a path or a bundled name)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a hardware field, e.g. --set {set_example} (repeatable)")
