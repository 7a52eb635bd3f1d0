"""``archsim list [--json]``: the bundled hardware descriptions, GPU models, workloads and sweeps with their
descriptions."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

import yaml

from archsim.commands.common import add_parser
from archsim.loader import bundled_files
from archsim.loader.bundled import BUNDLED_FOLDERS


def register(subparsers: Any) -> None:
    """Add the ``list`` subcommand."""
    parser = add_parser(subparsers, "list", help="list the bundled hwconfigs, GPUs, workloads and sweeps", doc=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def _describe(path: Any) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "(unreadable)"
    if isinstance(data, dict) and isinstance(data.get("description"), str):
        return " ".join(data["description"].split())
    return ""


def run(args: argparse.Namespace) -> int:
    """Print the list; returns 0."""
    entries = {folder: {f.stem: {"path": str(f), "description": _describe(f)} for f in bundled_files(folder)}
               for folder in BUNDLED_FOLDERS}
    if args.json:
        sys.stdout.write(json.dumps(entries, indent=2, sort_keys=True) + "\n")
        return 0
    for folder, items in entries.items():
        print(f"{folder}:")
        for name, item in items.items():
            text = textwrap.shorten(item["description"], width=100, placeholder=" ...")
            print(f"  {name:<24} {text}")
    return 0
