"""The regression corpus: every bad input the robustness campaign of issue 14 found, with the one line it now gives.

Each :class:`Regression` is a command line (``{d}`` stands for a scratch folder, ``{root}`` for the project
folder) plus the files it needs; ``message`` is the whole ``archsim: error:`` line without that prefix.
``{hwconfigs}`` and ``{kinds}`` for the bundled hardware names and the registered layer kinds (lists that grow).
``test_regressions.py`` runs each in-process and compares the line exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hwtext import TINY_MLP_YAML

ROOT = Path(__file__).resolve().parents[2]

_MLP = (ROOT / "workloads" / "mlp-digits.yaml").read_text(encoding="utf-8")
_TINY_WL = TINY_MLP_YAML
_HW = "version: 1\nname: x\n"
_VALID_KINDS = "{kinds}"  # the registered layer kinds, filled in by the test (the registry grows)
_RUN = ["run", "tiny-test", "{d}/tiny.yaml", "--no-accuracy", "--no-gpu"]
_FORCED = ["run", "tiny-test", "{d}/tiny.yaml", "--accuracy", "--no-gpu"]


def _gold_with(section: str, key: str | None, value: object) -> str:
    """The quickstart gold result.json with one value (or a whole section) replaced."""
    data = json.loads((ROOT / "tests" / "gold" / "quickstart.result.json").read_text(encoding="utf-8"))
    data["meta"] = {"schema_version": 1}
    if key is None:
        data[section] = value
    else:
        data[section][key] = value
    return json.dumps(data)


def _bomb() -> str:
    lines = ["version: 1", "name: x", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines + ["chip: *a8", ""])


@dataclass(frozen=True)
class Regression:
    """One regression case."""

    name: str
    argv: list[str]
    message: str
    files: dict[str, str] = field(default_factory=dict)
    """Scratch files by name (text; ``{bytes}`` prefixes are not needed: control characters are text too)."""
    accuracy_must_not_run: bool = False
    """The error must come before the accuracy step (which is made to fail if it starts)."""


CORPUS: list[Regression] = [
    # -- tracebacks that are now one line ------------------------------------------------------------------------
    Regression("layer-kind-is-a-list", ["validate", "tiny-test", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:13: layers[0].kind: expected a kind name (a string), got a list; valid kinds: "
               + _VALID_KINDS, {"w.yaml": _MLP.replace("{name: fc1, kind: linear", "{name: fc1, kind: [linear]")}),
    Regression("layer-kind-is-a-mapping", ["validate", "tiny-test", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:13: layers[0].kind: expected a kind name (a string), got a mapping; valid kinds: "
               + _VALID_KINDS, {"w.yaml": _MLP.replace("{name: fc1, kind: linear", "{name: fc1, kind: {a: 1}")}),
    Regression("nul-character", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:2: invalid YAML: the character #x0000 is not allowed in a YAML file (hint: remove "
               "control characters (NUL, escape, ...); YAML allows tab, newline and printable text)",
               {"hw.yaml": "version: 1\nname: x\x00\n"}),
    Regression("escape-character", ["validate", "tiny-test", "{d}/w.yaml"],
               "{d}/w.yaml:3: invalid YAML: the character #x001b is not allowed in a YAML file (hint: remove "
               "control characters (NUL, escape, ...); YAML allows tab, newline and printable text)",
               {"w.yaml": _MLP.replace("description: >-", "description: \x1b[31m >-", 1)}),
    Regression("nesting-900-levels", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:3: nesting deeper than 64 levels (hint: archsim files nest a few levels; check the "
               "brackets and indentation)", {"hw.yaml": _HW + "chip: " + "[" * 900 + "]" * 900 + "\n"}),
    Regression("recursive-alias", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:3: an alias refers to its own anchor (a recursive structure) (hint: an anchor (&name) "
               "cannot contain an alias (*name) of itself)", {"hw.yaml": _HW + "x: &a [*a]\n"}),
    Regression("output-is-an-existing-file", [*_FORCED, "-o", "{d}/file"],
               "{d}/file: cannot write the run folder: it exists and is not a folder (hint: choose another -o "
               "folder)", {"file": "x", "tiny.yaml": _TINY_WL}, accuracy_must_not_run=True),
    Regression("output-in-proc", [*_FORCED, "-o", "/proc/x"],
               "/proc/x: cannot write the run folder: cannot create a folder in /proc (No such file or directory) "
               "(hint: choose a folder you can write with -o)", {"tiny.yaml": _TINY_WL}, accuracy_must_not_run=True),
    Regression("output-below-dev-null", [*_FORCED, "-o", "/dev/null/x"],
               "/dev/null/x: cannot write the run folder: /dev/null is not a folder", {"tiny.yaml": _TINY_WL},
               accuracy_must_not_run=True),
    Regression("output-holds-other-files", [*_RUN, "-o", "{d}/mine"],
               "{d}/mine: cannot write the run folder: the folder holds files that are not part of an archsim run "
               "('notes.txt') (hint: archsim replaces a run folder as a whole; choose a new or empty folder with -o)",
               {"mine/notes.txt": "keep me", "tiny.yaml": _TINY_WL}),
    Regression("desired-bl-1e30", ["validate", "tiny-test", "--set", "crossbar.rpu.update.desired_bl=1e30"],
               "{root}/hwconfigs/tiny-test.yaml: --set crossbar.rpu.update.desired_bl=1e30: "
               "crossbar.rpu.update.desired_bl: expected an integer in [1, 65536], got 1000000000000000019884624838656"),
    Regression("report-section-of-the-wrong-type", ["report", "{d}/result.json"],
               "{d}/result.json: timing: expected an object, got a list (hint: the file is damaged or was not "
               "written by this archsim; re-run the command that wrote it)",
               {"result.json": _gold_with("timing", None, [])}),
    # -- hangs and memory blow-ups ---------------------------------------------------------------------------
    Regression("billion-laughs", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:8: the aliases expand to more than 200,000 values (hint: an anchor used many times "
               "inside anchors used many times grows exponentially (a 'billion laughs' file); write the values out "
               "or use fewer aliases)", {"hw.yaml": _bomb()}),
    Regression("router-grid-3000x3000", ["validate", "isaac-2016", "--set", "interconnect.dims=[3000, 3000]"],
               "{root}/hwconfigs/isaac-2016.yaml: --set interconnect.dims=[3000, 3000]: interconnect.dims: expected "
               "two integers in [1, 256] [rows, cols], got (3000, 3000)"),
    Regression("n-tiles-1048576", ["validate", "aihwkit-default", "--set", "chip.n_tiles=1048576"],
               "{root}/hwconfigs/aihwkit-default.yaml: --set chip.n_tiles=1048576: chip.n_tiles: expected an integer "
               "in [1, 65536], got 1048576"),
    Regression("out-features-1e18", ["validate", "isaac-2016", "{d}/w.yaml"],
               "mapping isaac-2016: layer 'fc1' alone needs at least 7,812,500,000,000,000 crossbars "
               "(64x1,000,000,000,000,000,000 matrix on 128x128 crossbars) but the chip has 16,128 (hint: use a chip "
               "with at least 81,380,208,333,334 tiles (--set chip.n_tiles=81380208333334), or a smaller layer)",
               {"w.yaml": _MLP.replace("out_features: 32", "out_features: 1e18")}),
    Regression("batch-1e9", [*_RUN, "--batch", "1000000000"],
               "--batch: expected an integer in [1, 1,000,000], got 1,000,000,000", {"tiny.yaml": _TINY_WL}),
    # -- accepted although invalid ---------------------------------------------------------------------------
    Regression("python-tag-on-a-list", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:3: YAML tag '!!python/object/apply:os.system' on a list is not supported (hint: archsim "
               "reads plain mappings, lists and scalars; remove the tag)",
               {"hw.yaml": _HW + "chip: !!python/object/apply:os.system [16, 16]\n"}),
    Regression("local-tag-on-a-mapping", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:3: YAML tag '!foo' on a mapping is not supported (hint: archsim reads plain mappings, "
               "lists and scalars; remove the tag)", {"hw.yaml": _HW + "chip: !foo {n_tiles: 4}\n"}),
    Regression("dataset-imagenet", ["validate", "tiny-test", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:8: dataset: unknown dataset source 'imagenet' (hint: valid dataset sources: digits, idx, "
               "synthetic, text)", {"w.yaml": _MLP.replace("dataset: digits", "dataset: imagenet")}),
    Regression("dataset-idx-missing", ["validate", "tiny-test", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:8: dataset: idx:/missing: no such file or folder (hint: --dataset idx:PATH takes a folder "
               "or an images file)", {"w.yaml": _MLP.replace("dataset: digits", "dataset: 'idx:/missing'")}),
    Regression("lrn-alpha-inf", ["validate", "isaac-2016", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:19: layers[2].alpha: expected a finite number, got inf (hint: archsim values are finite; "
               "NaN and infinity have no meaning here)",
               {"w.yaml": (ROOT / "workloads" / "alexnet.yaml").read_text(encoding="utf-8")
                .replace("alpha: 0.0001", "alpha: .inf", 1)}),
    Regression("seed-negative", [*_RUN[:-1], "--seed", "-1"], "--seed: expected an integer in [0, 2^63), got -1",
               {"tiny.yaml": _TINY_WL}),
    Regression("gpu-batch-0", [*_RUN[:-1], "--gpu-batch", "0"], "--gpu-batch: expected an integer >= 1, got 0",
               {"tiny.yaml": _TINY_WL}),
    Regression("gpu-batch-negative", [*_RUN[:-1], "--gpu-batch", "-5"], "--gpu-batch: expected an integer >= 1, "
               "got -5", {"tiny.yaml": _TINY_WL}),
    Regression("columns-per-adc-larger-than-the-array", ["validate", "tiny-test", "--set",
                                                         "tile.adc.columns_per_adc=16"],
               "{root}/hwconfigs/tiny-test.yaml: tile.adc.columns_per_adc: expected at most tile.n_cols (8), got 16"),
    Regression("report-leakage-true", ["report", "{d}/result.json"],
               "{d}/result.json: energy.leakage_pj: expected a number >= 0, got true (a boolean) (hint: the file is "
               "damaged or was not written by this archsim; re-run the command that wrote it)",
               {"result.json": _gold_with("energy", "leakage_pj", True)}),
    Regression("report-nan", ["report", "{d}/result.json"],
               "{d}/result.json: not strict JSON (NaN is not a JSON number)",
               {"result.json": '{"meta": {"schema_version": 1}, "energy": {"total_pj": NaN}}'}),
    Regression("report-empty-object", ["report", "{d}/result.json"],
               "{d}/result.json: missing section 'meta' (hint: the file is damaged or was not written by this "
               "archsim; re-run the command that wrote it)", {"result.json": "{}"}),
    # -- silent zeros --------------------------------------------------------------------------------------
    Regression("hardware-file-of-two-lines", ["validate", "{d}/hw.yaml"],
               "{d}/hw.yaml:1: chip: missing 'n_tiles': a hardware file states every quantity it relies on",
               {"hw.yaml": _HW}),
    # -- smaller --------------------------------------------------------------------------------------------
    Regression("swapped-arguments-bundled-paths", ["validate", "workloads/mlp-digits.yaml", "hwconfigs/isaac-2016.yaml"],
               "workloads/mlp-digits.yaml: a bundled workload, given where a hardware description is expected "
               "(hint: the workload goes in WORKLOAD.yaml, the second argument; the hardware description in "
               "HW.yaml, the first argument)"),
    Regression("swapped-arguments-files", ["validate", "{d}/mlp.yaml", "{d}/isaac.yaml"],
               "{d}/mlp.yaml: a workload (it has 'layers', 'input_shape'), given where a hardware description is "
               "expected (hint: the workload goes in WORKLOAD.yaml, the second argument; the hardware description in "
               "HW.yaml, the first argument)",
               {"mlp.yaml": _MLP, "isaac.yaml": (ROOT / "hwconfigs" / "isaac-2016.yaml").read_text(encoding="utf-8")}),
    Regression("bundled-name-did-you-mean", ["validate", "isaac2016"],
               "isaac2016: file not found (hint: did you mean 'isaac-2016'? bundled hwconfigs: {hwconfigs})"),
    # -- found by the fuzz suite --------------------------------------------------------------------------------
    Regression("stats-name-too-long", [*_RUN, "--stats", "a" * 300],
               "a" * 300 + ": cannot read the file (File name too long)", {"tiny.yaml": _TINY_WL}),
    Regression("map-output-is-a-folder", ["map", "tiny-test", "{d}/tiny.yaml", "-o", "{d}/folder"],
               "{d}/folder: cannot write the file: it is a folder (hint: give a file name)",
               {"tiny.yaml": _TINY_WL, "folder/.keep": ""}),
    Regression("unknown-flag", ["validate", "tiny-test", "--bogus"],
               "unrecognized arguments: --bogus (hint: archsim --help lists the arguments)"),
    Regression("flag-value-of-the-wrong-type", [*_RUN, "--batch", "x"],
               "run: argument --batch: invalid int value: 'x' (hint: archsim run --help lists the arguments)",
               {"tiny.yaml": _TINY_WL}),
    Regression("layer-not-a-mapping", ["validate", "tiny-test", "{d}/w.yaml", "--no-map"],
               "{d}/w.yaml:6: layers[0]: expected a mapping with 'kind: ' one of " + _VALID_KINDS + ", got 5 (int)",
               {"w.yaml": "version: 1\nname: w\ninput_shape: [4]\nn_classes: 2\nlayers:\n  - 5\n"}),
]

#: Path-traversal names: a run without -o writes inside reports/ (checked by test_regressions.py).
TRAVERSAL = {"workload-named-dot-dot": ("name: ../../../../x", "reports/tiny-test-x-inference"),
             "set-name-absolute": ("--set name=/abs/path", "reports/abs_path-tiny-mlp-inference")}
