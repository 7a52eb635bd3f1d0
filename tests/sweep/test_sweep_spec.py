"""Sweep files: the strict loader's one-line errors (file, line, key), expansion, ranges, labels and keys."""

from __future__ import annotations

import pytest
from sweepfiles import ROOT, TWELVE, write_sweep

from archsim.cli import main
from archsim.errors import ConfigError
from archsim.sweep import expand, load_sweep
from archsim.sweep.spec import RangeSpec

BASE = """\
version: 1
name: t
hardware: [isaac-2016]
workloads: [rapa-cnn3]
options: {accuracy: off}
"""


def _sweep(tmp_path, axes: str, objectives: str = "objectives: [latency]\n", base: str = BASE):
    return write_sweep(tmp_path, base + axes + objectives)


BAD = [
    ("axes:\n  - path: tile.adc.bitz\n    values: [4, 6]\n",
     r"sweep\.yaml:7: axes\[0\]\.path: 'tile\.adc\.bitz' is not a field of isaac-2016: .*unknown key 'bitz' "
     r"\(did you mean 'bits'\?\)"),
    ("axes:\n  - path: tile.adc.bits\n    values: []\n", r"sweep\.yaml:8: axes\[0\]\.values: expected at least one "
     r"value, got an empty list"),
    ("axes:\n  - option: batchh\n    values: [1]\n", r"sweep\.yaml:7: axes\[0\]\.option: unknown run option 'batchh' "
     r"\(did you mean 'batch'\?\)"),
    ("axes:\n  - option: batch\n    values: [1, 0]\n", r"sweep\.yaml:8: axes\[0\]\.values\[1\]: 0: --batch: expected "
     r"an integer >= 1, got 0"),
    ("axes:\n  - option: batch\n    values: [1, 1]\n", r"sweep\.yaml:8: axes\[0\]\.values\[1\]: 1 \(int\) is given "
     r"twice"),
    ("axes:\n  - values: [1]\n", r"sweep\.yaml:7: axes\[0\]: expected exactly one of 'path', 'option' or 'zip'"),
    ("axes:\n  - path: tile.n_rows\n    values: [1]\n    range: {start: 1, stop: 2, num: 2}\n",
     r"axes\[0\]: expected exactly one of 'values', 'range' or 'scale', got values and range"),
    ("axes:\n  - path: tile.n_rows\n    range: {start: 1, stop: 8, num: 3, step: 1}\n",
     r"sweep\.yaml:8: axes\[0\]\.range: expected exactly one of 'num' or 'step'"),
    ("axes:\n  - path: tile.n_rows\n    range: {start: 0, stop: 8, num: 3, scale: log}\n",
     r"axes\[0\]\.range: a log range needs start and stop > 0"),
    ("axes:\n  - path: tile.n_rows\n    range: {start: 8, stop: 1, step: 1}\n",
     r"axes\[0\]\.range\.stop: expected stop >= start"),
    ("axes:\n  - path: tile.n_rows\n    range: {start: 1, stop: 8, num: 3, scale: cubic}\n",
     r"axes\[0\]\.range\.scale: unknown scale 'cubic'"),
    ("axes:\n  - option: batch\n    scale: [2]\n", r"axes\[0\]\.scale: scale is relative to a hardware value"),
    ("axes:\n  - path: tile.n_rows\n    values: [64]\n    min: 3\n", r"axes\[0\]\.min: min and max clamp the values "
     r"of 'scale'"),
    ("axes:\n  - zip:\n      - {path: tile.n_rows, values: [64, 128]}\n      - {path: tile.n_cols, values: [64]}\n",
     r"sweep\.yaml:7: axes\[0\]\.zip: the zipped axes have 2, 1 values"),
    ("axes:\n  - zip: []\n", r"axes\[0\]\.zip: expected at least one axis"),
    ("axes:\n  - path: chip.name\n    scale: [2]\n", r"axes\[0\]\.path: scale needs a number at chip.name"),
    ("axes:\n  - {path: tile.n_rows, values: [64]}\n  - {path: tile.n_rows, values: [128]}\n",
     r"sweep\.yaml:8: axes\[1\]: two axes are called 'tile\.n_rows'"),
    ("axes: []\nsample: {n: 0}\n", r"sweep\.yaml:7: sample\.n: expected an integer >= 1, got 0"),
    ("axes: []\ncombine: everything\n", r"sweep\.yaml:7: combine: unknown combination 'everything'"),
    ("axes: []\ncombine: one_at_a_time\nsample: {n: 3}\n", r"sample: sample draws from the product"),
]


@pytest.mark.parametrize(("axes", "message"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_axes_are_one_line_naming_file_line_and_key(tmp_path, axes, message):
    path = _sweep(tmp_path, axes)
    with pytest.raises(ConfigError, match=message) as info:
        expand(load_sweep(path))
    assert "\n" not in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(("objectives", "message"), [
    ("objectives: [latency, latncy]\n", r"sweep\.yaml:7: objectives\[1\]: unknown metric 'latncy' \(did you mean "
     r"'latency'\?\); valid metrics: latency, "),
    ("objectives: []\n", r"sweep\.yaml:7: objectives: expected at least one metric"),
    ("objectives: [area, area]\n", r"objectives\[1\]: metric 'area' is given twice"),
    ("objectives: [area, latency]\npareto: [[area, energy]]\n",
     r"sweep\.yaml:8: pareto\[0\]\[1\]: 'energy' is not one of the objectives"),
])
def test_objective_errors(tmp_path, objectives, message):
    with pytest.raises(ConfigError, match=message):
        load_sweep(_sweep(tmp_path, "axes: []\n", objectives))


@pytest.mark.parametrize(("text", "message"), [
    ("version: 2\nname: t\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\nobjectives: [area]\n",
     r"sweep\.yaml:1: version: unknown version 2"),
    ("name: t\n", r"sweep\.yaml:1: missing key 'version'"),
    ("version: 1\nname: t\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\nobjectives: [area]\nbogus: 1\n",
     r"sweep\.yaml:6: \(top level\): unknown key 'bogus'"),
    ("version: 1\nname: t\nhardware: []\nworkloads: [rapa-cnn3]\nobjectives: [area]\n",
     r"sweep\.yaml:3: hardware: expected at least one file"),
    ("version: 1\nname: t\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\nobjectives: [area]\n"
     "options: {bach: 2}\n", r"sweep\.yaml:6: options\.bach: unknown run option 'bach' \(did you mean 'batch'\?\)"),
    ("version: 1\nname: t\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\nobjectives: [area]\n"
     "options: {mode: sleeping}\n", r"sweep\.yaml:6: options: --mode: expected one of inference, training"),
    ("version: 1\nname: t\nhardware: [no-such-chip]\nworkloads: [rapa-cnn3]\nobjectives: [area]\n",
     r"sweep\.yaml:3: hardware\[0\]: no-such-chip: file not found"),
    ("version: 1\nname: a/b\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\nobjectives: [area]\n",
     r"sweep\.yaml:2: name: expected a plain name"),
    ("version: 1\nname: t\nname: u\n", r"sweep\.yaml:3: \(top level\): duplicate key 'name'"),
])
def test_file_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        expand(load_sweep(write_sweep(tmp_path, text)))


def test_cli_errors_are_one_line_and_exit_1(tmp_path, capsys):
    bad = _sweep(tmp_path, "axes:\n  - path: tile.adc.bitz\n    values: [4]\n")
    assert main(["sweep", str(bad), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"archsim: error: {bad}:7: axes[0].path:")
    assert main(["sweep", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert "missing.yaml: file not found" in err and "bundled sweeps: isaac-adc" in err
    assert not (tmp_path / "out").exists()


def test_product_labels_keys_and_inputs(twelve):
    points = expand(load_sweep(twelve))
    assert [p.index for p in points] == list(range(12))
    assert points[0].label == "tile.adc.columns_per_adc=32, batch=1, replicas=none"
    assert points[0].overrides == ("tile.adc.columns_per_adc=32",)
    assert dict(points[0].options) == {"mode": "inference", "accuracy": False, "batch": 1, "replicas": "none"}
    assert dict(points[0].inputs) == {"hardware": "isaac-2016", "workload": "rapa-cnn3",
                                      "tile.adc.columns_per_adc": 32, "batch": 1, "replicas": "none"}
    options = points[0].run_options()
    assert options.batch == 1 and options.replicas is None and options.accuracy == "off" and options.command == "sweep"
    assert len({p.key for p in points}) == 12 and all(len(p.key) == 16 for p in points)
    assert [p.key for p in expand(load_sweep(twelve))] == [p.key for p in points]  # stable


def test_key_follows_the_content_of_the_inputs(tmp_path):
    hw = tmp_path / "chip.yaml"
    hw.write_text((ROOT / "hwconfigs" / "isaac-2016.yaml").read_text())
    text = TWELVE.replace("hardware: [isaac-2016]", f"hardware: [{hw}]")
    before = [p.key for p in expand(load_sweep(write_sweep(tmp_path, text)))]
    hw.write_text(hw.read_text().replace("n_tiles: 168 ", "n_tiles: 160 "))
    after = [p.key for p in expand(load_sweep(write_sweep(tmp_path, text)))]
    assert not set(before) & set(after)
    # spelling an option another way is the same run: the key hashes the options as the run uses them
    same = [p.key for p in expand(load_sweep(write_sweep(tmp_path, text.replace("accuracy: off", "accuracy: false"))))]
    assert same == after


def test_one_at_a_time_with_scale_zip_and_clamps(tmp_path):
    path = write_sweep(tmp_path, BASE + """\
combine: one_at_a_time
axes:
  - name: crossbar
    label: "crossbar {tile.n_rows}x{tile.n_cols}"
    zip:
      - {path: tile.n_rows, scale: [0.25, 0.5, 1, 2], min: 64}
      - {path: tile.n_cols, scale: [0.25, 0.5, 1, 2], min: 64}
  - path: tile.adc.columns_per_adc
    scale: [0.25, 4]
    max: tile.n_cols
  - option: replicas
    label: "replicas {replicas}"
    values: [none, auto]
objectives: [latency]
""")
    points = expand(load_sweep(path))
    # 128 x 0.25 = 32 -> 64 (min) = 128 x 0.5, kept once; x1 is the base and dropped; 128 x 4 = 512 -> 128 (max)
    assert [p.label for p in points] == ["baseline", "crossbar 64x64", "crossbar 256x256",
                                         "tile.adc.columns_per_adc=32", "replicas none", "replicas auto"]
    assert points[1].overrides == ("tile.n_rows=64", "tile.n_cols=64")
    assert points[0].key == points[4].key  # replicas none is the base run under another label
    assert dict(points[3].axes) == {"crossbar": "-", "tile.adc.columns_per_adc": "32", "replicas": "-"}


def test_sample_draws_a_seeded_subset_of_the_product(tmp_path, twelve):
    text = twelve.read_text() + "sample: {n: 5, seed: 3}\n"
    a = expand(load_sweep(write_sweep(tmp_path, text, "a.yaml")))
    b = expand(load_sweep(write_sweep(tmp_path, text, "b.yaml")))
    c = expand(load_sweep(write_sweep(tmp_path, text.replace("seed: 3", "seed: 4"), "c.yaml")))
    everything = {p.label for p in expand(load_sweep(twelve))}
    assert len(a) == 5 and [p.label for p in a] == [p.label for p in b] and {p.label for p in a} <= everything
    assert [p.label for p in a] != [p.label for p in c]
    assert [p.index for p in a] == list(range(5))


@pytest.mark.parametrize(("spec", "values"), [
    (RangeSpec(start=1, stop=9, step=2), [1, 3, 5, 7, 9]),
    (RangeSpec(start=1, stop=10, step=4), [1, 5, 9]),
    (RangeSpec(start=0.0, stop=1.0, num=5), [0.0, 0.25, 0.5, 0.75, 1.0]),
    (RangeSpec(start=16, stop=128, num=4, scale="log"), [16, 32, 64, 128]),
    (RangeSpec(start=1, stop=10, num=4, scale="log"), [1, 2, 5, 10]),
    (RangeSpec(start=1e-3, stop=1.0, num=4, scale="log"), [1e-3, 1e-2, 1e-1, 1.0]),
    (RangeSpec(start=1, stop=2, num=4), [1, 2]),  # integer range: rounded, duplicates dropped
])
def test_ranges(spec, values):
    assert spec.values() == pytest.approx(values)
    assert all(type(v) is type(w) for v, w in zip(spec.values(), values, strict=True))


def test_mapping_values_and_bundled_names(tmp_path):
    path = write_sweep(tmp_path, """\
version: 1
name: t
hardware: aihwkit-default
workloads: mlp-digits
options: {mode: training, epochs: 1, limit_train: 20, limit_test: 10, gpu: none}
axes:
  - path: crossbar.rpu
    label: "{crossbar.rpu}"
    values: [{preset: ReRamSBPreset}, {preset: CapacitorPreset}]
  - option: gpu
    values: [none, v100]
objectives: [accuracy]
""")
    points = expand(load_sweep(path))
    assert points[0].overrides == ("crossbar.rpu={preset: ReRamSBPreset}",)
    assert points[0].label == "ReRamSBPreset, gpu=none"
    o = points[1].run_options()
    assert o.gpu is not None and o.gpu.name == "v100" and o.training.epochs == 1 and o.mode == "training"
    assert points[0].run_options().gpu is None
