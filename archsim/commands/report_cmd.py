"""``archsim report RESULT.json [-o report.html] [--screenshot PNG]``: re-render a run's HTML report.

The report is rendered from result.json alone (no simulation): summary cards, hardware fields that
differ from the defaults, mapping table and floorplan, timeline, utilisation, energy and area
breakdowns, training curves and the GPU comparison. Sections a run did not produce say "not run".
The output is one self-contained HTML file (inline CSS and SVG, no scripts, no network).
``--screenshot`` also saves a PNG of the page through headless Chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archsim.commands.common import add_parser
from archsim.commands.status import OK


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    p = add_parser(subparsers, "report", help="re-render report.html from a result.json (no simulation)",
                   doc=__doc__)
    p.add_argument("result", metavar="RESULT.json", help="result file written by `archsim run`")
    p.add_argument(
        "-o",
        "--output",
        metavar="HTML",
        default=None,
        help="where to write the report (default: report.html next to RESULT.json)",
    )
    p.add_argument(
        "--screenshot",
        metavar="PNG",
        default=None,
        help="also save a screenshot of the report (needs chromium)",
    )
    p.add_argument("--width", type=int, default=1280, help="screenshot width in pixels (default 1280)")
    p.add_argument("--height", type=int, default=2000, help="screenshot height in pixels (default 2000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render the report (and the screenshot)."""
    from archsim.report.html import write_report

    path = write_report(args.result, args.output)
    print(f"report: {path}")
    if args.screenshot:
        from archsim.report.browser import screenshot

        png = screenshot(path, Path(args.screenshot), width=args.width, height=args.height)
        print(f"screenshot: {png}")
    sys.stdout.flush()
    return OK
