"""Fuzz the command line: random flags and values on ``archsim run``/``validate``/``map``, and damaged result files
for ``archsim report``. Each case exits 0, or 1 with exactly one ``archsim: error:`` line naming a flag, its value
or the file — never a traceback, never a hang (in-process, under a time limit)."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Outcome, assert_one_line_error, run_cli
from hwtext import TINY_MLP_YAML
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import WEIRD_VALUES, get, paths_of

from archsim.loader import bundled_files, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
TINY_HW = next(p for p in bundled_files("hwconfigs") if p.stem == "tiny-test")
TINY_WL = TINY_MLP_YAML
_SETTINGS: dict[str, Any] = dict(deadline=None, database=None, derandomize=True, print_blob=True,
                                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FLAG_EXAMPLES = 120
RESULT_EXAMPLES = 60

_FOLDER = Path(tempfile.mkdtemp(prefix="archsim-fuzz-flags-"))
(_FOLDER / "tiny-mlp.yaml").write_text(TINY_WL, encoding="utf-8")
(_FOLDER / "a-file").write_text("not a folder", encoding="utf-8")
(_FOLDER / "not-a-run").mkdir()
(_FOLDER / "not-a-run" / "notes.txt").write_text("mine", encoding="utf-8")
(_FOLDER / "garbage.json").write_text("{not json", encoding="utf-8")
_HW_PATHS = [".".join(map(str, p)) for p in paths_of(parse_yaml(TINY_HW.read_text(encoding="utf-8"))[0])
             if not any(isinstance(part, int) for part in p)]
COUNT = {"cases": 0}


def _yaml_text(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


_INT_TEXT = st.one_of(st.sampled_from(["0", "-1", "-5", "1", "2", "x", "1e9", "1.5", "", " 3", "0x10", "10000000",
                                       "1000000000", "99999999999999999999", "nan", "--", "٣"]),
                      st.integers(min_value=-10, max_value=4).map(str))
_PATHS = st.sampled_from(["/proc/x", "/dev/null/x", "/dev/null", str(_FOLDER / "a-file"), str(_FOLDER / "not-a-run"),
                          str(_FOLDER / "missing" / "deeper"), "", ".", "/", "out/../../x", str(_FOLDER / "garbage.json"),
                          "\x00", "a" * 300])
_SET = st.one_of(
    st.tuples(st.sampled_from(_HW_PATHS), WEIRD_VALUES).map(lambda kv: f"{kv[0]}={_yaml_text(kv[1])}"),
    st.sampled_from(["", "=", "x", "chip", "chip.n_tiles", ".=1", "chip..n_tiles=2", "chip.n_tiles=[", "a.b.c=1",
                     "tile.adc.bits.x=1", "interconnect.dims.5=1", "name=../../../x", "name=/abs/path",
                     "chip.n_tiles={a: 1}", "crossbar.rpu.device.kind=[a]", "version=2"]),
)
#: (flag, value strategy or None for a switch) — values mostly invalid, some valid and cheap.
FLAGS: dict[str, Any] = {
    "--set": _SET, "--mode": st.sampled_from(["inference", "training", "Training", "", "x"]),
    "--batch": _INT_TEXT, "--pipeline": st.sampled_from(["on", "off", "yes", ""]),
    "--update": st.sampled_from(["sample", "batch", "epoch"]),
    "--replicas": st.sampled_from(["auto", "fc1=2", "fc1=0", "fc1=-1", "nope=2", "fc1", "fc1=2,fc1=3", "=", "", "AUTO",
                                   "fc1=99999999"]),
    "--placement": st.sampled_from(["greedy", "in-order", "random"]), "--tile-budget": _INT_TEXT,
    "--bias": st.sampled_from(["analog", "digital", "none"]),
    "--stats": _PATHS, "--epochs": _INT_TEXT, "--lr": st.sampled_from(["0.1", "-1", "x", "nan", "inf", "0"]),
    "--gpu": st.sampled_from(["a100", "v100", "h100", "x100", "", str(_FOLDER / "garbage.json"), "/proc/x"]),
    "--precision": st.sampled_from(["amp", "fp32", "fp8"]), "--gpu-batch": _INT_TEXT,
    "--seed": _INT_TEXT, "-o": _PATHS, "--accuracy": None, "--no-accuracy": None, "--no-gpu": None,
    "--bogus": None, "--json": None, "--no-map": None, "--blocks": None, "--train-batch": _INT_TEXT,
    "--dataset": st.sampled_from(["digits", "imagenet", "idx:/missing", "synthetic", "text:/dev/null", ""]),
}


@st.composite
def command_line(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A command with 1-3 drawn flags; returns (argv, the strings an error may name)."""
    command = draw(st.sampled_from(["run", "run", "run", "validate", "map"]))
    out = str(_FOLDER / f"run-{COUNT['cases']}")
    argv = [command, str(TINY_HW), str(_FOLDER / "tiny-mlp.yaml")]
    if command == "run":
        argv += ["--no-accuracy", "--no-gpu", "-o", out]
    names = [str(TINY_HW), str(_FOLDER / "tiny-mlp.yaml")]
    for flag in draw(st.lists(st.sampled_from(sorted(FLAGS)), min_size=1, max_size=3)):
        values = FLAGS[flag]
        if values is None:
            argv.append(flag)
            names += [flag, flag.lstrip("-") + ":"]
            continue
        value = draw(values)
        argv += [flag, value]
        names += [flag, flag.lstrip("-") + ":", value] + ([value.split("=")[0]] if flag == "--set" else [])
        if flag == "--set" and value.partition("=")[0] in ("name",):
            names.append(value.partition("=")[2])
    return argv, [n for n in names if n.strip()]


@settings(max_examples=FLAG_EXAMPLES, **_SETTINGS)
@given(case=command_line())
def test_fuzz_flags(case: tuple[list[str], list[str]], tmp_path_factory: pytest.TempPathFactory) -> None:
    argv, names = case
    COUNT["cases"] += 1
    here = os.getcwd()
    os.chdir(_FOLDER)  # default run folders (reports/...) land in the fuzz folder
    try:
        outcome = run_cli(argv)
    finally:
        os.chdir(here)
    _judge(outcome, tuple(names))


def _judge(outcome: Outcome, names: tuple[str, ...]) -> None:
    assert not outcome.timed_out and outcome.crash is None, outcome.describe()
    if outcome.status != 0:
        assert_one_line_error(outcome, names + ("argument", "unrecognized arguments", "--"))


_GOLD = json.loads((ROOT / "tests" / "gold" / "quickstart.result.json").read_text(encoding="utf-8"))
_GOLD["meta"] = {"schema_version": 1, "seed": 0, "command": "archsim run"}
_RESULT_PATHS = paths_of(_GOLD)


@st.composite
def damaged_result(draw: st.DrawFn) -> tuple[str, str]:
    data = copy.deepcopy(_GOLD)
    pick = draw(st.randoms(use_true_random=False))
    path = pick.choice(_RESULT_PATHS)
    op = draw(st.sampled_from(["replace", "replace", "delete", "text"]))
    if op == "replace":
        get(data, path[:-1])[path[-1]] = draw(WEIRD_VALUES)
    elif op == "delete":
        parent = get(data, path[:-1])
        del parent[path[-1]]
    text = json.dumps(data, allow_nan=True)
    if op == "text":
        at = pick.randrange(len(text))
        text = text[:at] + draw(st.sampled_from(["", "NaN", "\x00", "}", "Infinity", "[", "1e999"])) + text[at + 1:]
    return text, f"{op} {path}"


@settings(max_examples=RESULT_EXAMPLES, **_SETTINGS)
@given(case=damaged_result())
def test_fuzz_result_files(case: tuple[str, str]) -> None:
    text, what = case
    COUNT["cases"] += 1
    path = _FOLDER / "result.json"
    path.write_text(text, encoding="utf-8")
    outcome = run_cli(["report", str(path), "-o", str(_FOLDER / "report.html")])
    assert not outcome.timed_out and outcome.crash is None, f"{what}\n{outcome.describe()}"
    if outcome.status != 0:
        assert_one_line_error(outcome, str(path))
