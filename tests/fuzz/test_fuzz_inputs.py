"""Fuzz every bundled hardware description and workload: hypothesis mutates the parsed tree or the text, and
``archsim validate`` (in-process, under a time limit) must either refuse the file with one ``archsim: error:``
line naming it (exit status 1) or accept a genuinely valid file — never a traceback, never a hang.

The examples are derandomised (the same cases on every run, so CI is reproducible); ``pytest -m slow`` runs a
larger, random campaign (``test_fuzz_campaign``).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Outcome, assert_one_line_error, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import Case, check_accepted, text_mutation, tree_mutation

from archsim.errors import ArchsimWarning
from archsim.hwconfig.load import load_hardware
from archsim.loader import build_dataclass, bundled_files, parse_yaml
from archsim.workload.load import WorkloadSpec

HARDWARE = bundled_files("hwconfigs")
WORKLOADS = bundled_files("workloads")
TINY_HW = next(p for p in HARDWARE if p.stem == "tiny-test")

#: Examples per bundled file (derandomised); with 8 hardware files and 13 workloads 632 cases.
HW_EXAMPLES = 40
WL_EXAMPLES = 24
_SETTINGS: dict[str, Any] = dict(deadline=None, database=None, derandomize=True, print_blob=True,
                                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.filter_too_much])

_FOLDER = Path(tempfile.mkdtemp(prefix="archsim-fuzz-"))
COUNT: dict[str, int] = {}
"""Cases judged per bundled file (``test_fuzz_case_count`` checks the campaign ran its full size)."""


def _write(case: Case, name: str) -> Path:
    path = _FOLDER / name
    path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
    return path


def _judge(outcome: Outcome, case: Case, path: Path, load: Any) -> None:
    COUNT[path.name] = COUNT.get(path.name, 0) + 1
    assert not outcome.timed_out and outcome.crash is None, f"{case.what}\n{outcome.describe()}"
    if outcome.status == 0:
        assert not outcome.error_lines, f"{case.what}\n{outcome.describe()}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ArchsimWarning)  # warned on stderr, as the CLI does
            loaded = load(path)
        check_accepted(case, loaded)
    else:
        assert_one_line_error(outcome, str(path))


def _load_hw(path: Path) -> Any:
    return load_hardware(path)


def _load_wl_spec(path: Path) -> Any:
    raw, source = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return build_dataclass(raw, WorkloadSpec, source)


def _case(data: st.DataObject, text: str) -> Case:
    raw, _ = parse_yaml(text, "bundled.yaml")
    if data.draw(st.integers(0, 2), label="tree or text") < 2:
        return data.draw(tree_mutation(raw), label="tree mutation")
    return data.draw(text_mutation(text), label="text mutation")


@pytest.mark.parametrize("bundled", HARDWARE, ids=[p.stem for p in HARDWARE])
@settings(max_examples=HW_EXAMPLES, **_SETTINGS)
@given(data=st.data())
def test_fuzz_hardware(bundled: Path, data: st.DataObject) -> None:
    case = _case(data, bundled.read_text(encoding="utf-8"))
    path = _write(case, f"{bundled.stem}-case.yaml")
    _judge(run_cli(["validate", str(path)]), case, path, _load_hw)


@pytest.mark.parametrize("bundled", WORKLOADS, ids=[p.stem for p in WORKLOADS])
@settings(max_examples=WL_EXAMPLES, **_SETTINGS)
@given(data=st.data())
def test_fuzz_workload(bundled: Path, data: st.DataObject) -> None:
    case = _case(data, bundled.read_text(encoding="utf-8"))
    path = _write(case, f"{bundled.stem}-case.yaml")
    _judge(run_cli(["validate", str(TINY_HW), str(path), "--no-map"]), case, path, _load_wl_spec)


def test_fuzz_case_count() -> None:
    """Runs after the fuzz tests of this module (pytest keeps file order): each file got its full number of cases."""
    if not COUNT:
        pytest.skip("run with the fuzz tests of this module")
    for name, n in COUNT.items():
        examples = HW_EXAMPLES if any(name == f"{p.stem}-case.yaml" for p in HARDWARE) else WL_EXAMPLES
        assert n >= examples or name.endswith("-campaign.yaml"), f"{name}: {n} cases, expected {examples}"


@pytest.mark.slow
@pytest.mark.parametrize("bundled", HARDWARE + WORKLOADS, ids=[p.stem for p in HARDWARE + WORKLOADS])
@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_fuzz_campaign(bundled: Path, data: st.DataObject) -> None:
    """A random (not derandomised) campaign of 400 cases per file; failures print a reproduction blob."""
    case = _case(data, bundled.read_text(encoding="utf-8"))
    path = _write(case, f"{bundled.stem}-campaign.yaml")
    if bundled in HARDWARE:
        _judge(run_cli(["validate", str(path)]), case, path, _load_hw)
    else:
        _judge(run_cli(["validate", str(TINY_HW), str(path), "--no-map"]), case, path, _load_wl_spec)


def teardown_module() -> None:
    for p in _FOLDER.iterdir():
        p.unlink()
    os.rmdir(_FOLDER)
