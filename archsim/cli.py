"""The `archsim` command line: argparse subcommands over the public API.

`main(argv) -> int` is the only place that prints errors and chooses exit codes. Each subcommand lives
in its own module under :mod:`archsim.commands` and exposes ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int`` as the parser default. An :class:`~archsim.errors.ArchsimError`
becomes one line on stderr and exit code ``ERR``; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from archsim import __version__
from archsim.commands import COMMANDS
from archsim.commands.status import CHECK_FAILED, ERR, OK
from archsim.errors import ArchsimError

__all__ = ["CHECK_FAILED", "ERR", "OK", "build_parser", "main"]


class UsageError(ArchsimError):
    """A command line argparse refuses (an unknown flag, a missing argument, a value of the wrong type)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one ``archsim: error:`` line and exit status 1, like every other
    user error (argparse itself prints the usage and exits with 2)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("archsim").strip()
        raise UsageError(f"{command + ': ' if command else ''}{message}",
                         hint=f"archsim {command + ' ' if command else ''}--help lists the arguments")




def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = _Parser(
        prog="archsim", allow_abbrev=False,
        description="Simulate analog in-memory-computing accelerators: accuracy, runtime, energy.",
    )
    parser.add_argument("--version", action="version", version=f"archsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for archsim errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the archsim command line and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"archsim: error: {exc}", file=sys.stderr)
        return ERR
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ERR
    try:
        return int(args.func(args))
    except ArchsimError as exc:
        if vars(args).get("debug"):
            raise
        print(f"archsim: error: {exc}", file=sys.stderr)
        return ERR
    except KeyboardInterrupt:
        print("archsim: interrupted", file=sys.stderr)
        return ERR
