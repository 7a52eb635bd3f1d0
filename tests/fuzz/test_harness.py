"""The fuzz harness itself catches what the suite exists to catch: hangs, tracebacks, more than one error line."""

from __future__ import annotations

import gc
import time

import cli_harness
import pytest
from cli_harness import assert_one_line_error, run_cli


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed first alarm
def test_a_hang_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(argv: list[str]) -> int:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            gc.collect()  # an exception raised inside a gc callback is swallowed; the limit still holds
            time.sleep(0.01)
        return 0

    monkeypatch.setattr(cli_harness, "main", hang)
    outcome = run_cli(["validate", "x"], limit_s=0.3)
    assert outcome.timed_out and "ran past" in outcome.describe()


def test_a_traceback_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(argv: list[str]) -> int:
        raise ValueError("expected non-negative integer")

    monkeypatch.setattr(cli_harness, "main", crash)
    outcome = run_cli(["run"])
    assert outcome.crash is not None and "ValueError: expected non-negative integer" in outcome.crash
    with pytest.raises(AssertionError, match="traceback"):
        assert_one_line_error(outcome, "run")


def test_two_error_lines_or_an_unnamed_file_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_lines(argv: list[str]) -> int:
        import sys

        sys.stderr.write("archsim: error: a.yaml: one\narchsim: error: a.yaml: two\n")
        return 1

    monkeypatch.setattr(cli_harness, "main", two_lines)
    with pytest.raises(AssertionError):
        assert_one_line_error(run_cli(["validate", "a.yaml"]), "a.yaml")
    monkeypatch.undo()
    outcome = run_cli(["validate", "tiny-test", "--set", "chip.n_tiles=0"])
    assert assert_one_line_error(outcome, "chip.n_tiles").startswith("archsim: error: ")
    with pytest.raises(AssertionError, match="does not name"):
        assert_one_line_error(outcome, "some-other-file.yaml")


def test_a_number_set_on_a_one_or_many_field_is_found_as_its_one_element_list() -> None:
    """The random campaign set ``t_inference_s: 0`` (a time or a list of times), which loads as ``(0.0,)``: that
    is the value set, so the campaign's check accepts it; a different or a longer list is not."""
    from mutations import _same

    assert _same([0.0], 0)
    assert not _same([1.0], 0)
    assert not _same([0.0, 1.0], 0)
    assert not _same(["0"], 0)
