"""Run ``archsim.cli.main`` in-process under a time limit and classify what happened.

Every fuzz case and regression case ends in one :class:`Outcome`: the exit status, what went to stdout and stderr,
and — the failures the suite exists to catch — a traceback (any exception other than the CLI's own error handling)
or a run past the time limit (``SIGALRM`` interrupts it). Warnings behave as on the command line (printed, not
raised), so a case sees what a user sees.
"""

from __future__ import annotations

import contextlib
import io
import signal
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

from archsim.cli import main
from archsim.errors import ArchsimWarning

#: Seconds one CLI call may take before the case counts as a hang.
CASE_LIMIT_S = 10.0


class CaseTimeout(BaseException):
    """Raised by the alarm inside a CLI call that ran past its limit (a BaseException: nothing may swallow it)."""


@dataclass
class Outcome:
    """What one CLI call did."""

    argv: list[str]
    status: int | None = None
    """Exit status (None if the call raised or timed out)."""
    stdout: str = ""
    stderr: str = ""
    crash: str | None = None
    """The traceback of an exception that escaped ``main`` (a bug)."""
    timed_out: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def error_lines(self) -> list[str]:
        """The ``archsim: error:`` lines on stderr."""
        return [line for line in self.stderr.splitlines() if line.startswith("archsim: error:")]

    def describe(self) -> str:
        """A short report for assertion messages."""
        head = f"archsim {' '.join(self.argv)}"
        if self.timed_out:
            return f"{head}: ran past {CASE_LIMIT_S:g} s"
        if self.crash:
            return f"{head}: traceback\n{self.crash}"
        return f"{head}: exit {self.status}\nstderr: {self.stderr[-1500:]}"


@contextlib.contextmanager
def _time_limit(seconds: float, fired: list[bool]) -> Iterator[None]:
    """Raise :class:`CaseTimeout` after ``seconds``, and again every 0.5 s (an exception raised inside a garbage
    collector callback is swallowed); ``fired[0]`` records that the limit was reached in any case."""
    def on_alarm(signum: int, frame: FrameType | None) -> None:
        fired[0] = True
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str], limit_s: float = CASE_LIMIT_S) -> Outcome:
    """``archsim.cli.main(argv)`` with stdout/stderr captured, a time limit, and every escape recorded."""
    out, err = io.StringIO(), io.StringIO()
    outcome = Outcome(argv=list(argv))
    fired = [False]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ArchsimWarning)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _time_limit(limit_s, fired):
                outcome.status = main(list(argv))
        except CaseTimeout:
            pass
        except SystemExit as exc:  # argparse's --help/--version
            outcome.status = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # a traceback is exactly what a case must never produce: record it
            outcome.crash = traceback.format_exc(limit=12)
    outcome.timed_out = fired[0]
    outcome.stdout, outcome.stderr = out.getvalue(), err.getvalue()
    outcome.warnings = [str(w.message) for w in caught]
    return outcome


def assert_one_line_error(outcome: Outcome, names: str | tuple[str, ...]) -> str:
    """The case failed cleanly: status 1, exactly one ``archsim: error:`` line, naming one of ``names`` (the file,
    or the flag). Returns the line."""
    assert not outcome.timed_out and outcome.crash is None, outcome.describe()
    assert outcome.status == 1, outcome.describe()
    lines = outcome.error_lines
    assert len(lines) == 1, outcome.describe()
    wanted = (names,) if isinstance(names, str) else names
    assert any(n in lines[0] for n in wanted), f"the error does not name {wanted}:\n{outcome.describe()}"
    return lines[0]
