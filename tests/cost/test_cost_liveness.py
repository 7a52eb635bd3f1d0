"""Every hardware parameter is live: perturbing any numeric leaf of any bundled hardware file changes a result.

For each bundled file, every number in the YAML (nested mappings and lists, ``params:`` included; ``version`` is the
schema's, and the crossbar indices of ``adc_pools`` and tile ids of ``edges`` name parts) is perturbed in turn (x1.5, or +1 for integers; a zero becomes a small positive value; if that makes the
file invalid, x0.5 / -1 are tried) and the file is re-loaded. The result is the signature of a small run in every
mode where the field applies:

* time and energy: LeNet (Gokmen 2017; the tiny chip runs an 8-8-4 MLP) mapped and simulated in inference, and in
  training when the chip has an update path: makespan, per-layer latency, energy per (part, action) and leakage.
  The fields of ``ROUTED`` matter only for traffic between routers, which LeNet on a c-mesh chip never makes (its
  tiles share one router): they run a 1024-1024-16 MLP instead, whose first layer spans more tiles than one
  router serves (the tiny chip's MLP already crosses its routers);
* area and power: the area/peak-power roll-up and the peak figures of merit;
* accuracy: the numerics the functional core receives, exercised on an analog tile (forward, backward and one
  pulsed update on fixed data; with an inference-noise model, programming and drift at every configured time and
  repetition).

A field passes when its signature differs from the unperturbed one. ``EXEMPT`` lists the few fields that
legitimately cannot matter for these runs, with the reason. The test fails on any other inert field and on exempt
fields that became live (so the list stays true).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from archsim.cost import area_breakdown, peak_figures, price
from archsim.crossbar import AnalogTile
from archsim.crossbar.inference_noise import InferenceTile
from archsim.engine import simulate
from archsim.errors import ArchsimError
from archsim.hwconfig.load import load_hardware_text
from archsim.loader import bundled_files
from archsim.mapping import map_workload
from archsim.results.stats import LayerStats
from archsim.workload import load_workload
from archsim.workload.load import load_workload_text

TINY_MLP = """\
version: 1
name: tiny-mlp
input_shape: [8]
dataset: synthetic
task: classification
n_classes: 4
layers:
  - {name: fc1, kind: linear, out_features: 8}
  - {name: act1, kind: sigmoid}
  - {name: fc2, kind: linear, out_features: 4}
"""

WIDE_MLP = """\
version: 1
name: wide-mlp
input_shape: [1024]
dataset: synthetic
task: classification
n_classes: 16
layers:
  - {name: fc1, kind: linear, out_features: 1024}
  - {name: act1, kind: sigmoid}
  - {name: fc2, kind: linear, out_features: 16}
"""

#: fields that act on router-to-router traffic: perturbed on the wide MLP, which crosses routers on every chip
ROUTED: set[str] = {"interconnect.hop_latency_ns", "interconnect.energy_pj_per_bit_hop",
                    "interconnect.tiles_per_router", "interconnect.link_freq_mhz", "interconnect.flit_bits"}

#: (file stem or "*", dotted path) -> why it cannot change these runs
EXEMPT: dict[tuple[str, str], str] = {
    ("*", "interconnect.offchip_attach"): "the tile holding the off-chip port; the small runs' first layer sits on "
                                          "tile 0, so moving the port changes the route only on larger chips",
    ("pcm-inference", "crossbar.rpu.inference.noise_model.g_max_us"):
        "aihwkit's PCM model: programming noise scales with g_max / g_max_ref and the conductances with g_max, so "
        "g_max cancels from the read-back weights (the read energy takes crossbar.params.mean_conductance_us)",
    ("tiny-test", "chip.technology_nm"): "a test fixture of stated round figures: no model scales with the node",
}

def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _leaves(value, path + (i,))
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and path != ("version",):
        if not _is_identifier(path):
            out.append(path)
    return out


def _is_identifier(path: tuple) -> bool:
    """Crossbar indices of an ADC pool and tile ids of explicit edges name parts; they are not quantities."""
    names = [p for p in path if not isinstance(p, int)]
    return names[-2:] == ["adc_pools", "crossbars"] or names[-1:] == ["edges"]


def _set(raw: dict, path: tuple, value: Any) -> dict:
    new = copy.deepcopy(raw)
    node = new
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return new


def _get(raw: dict, path: tuple) -> Any:
    node = raw
    for key in path:
        node = node[key]
    return node


def _candidates(value: int | float) -> list[int | float]:
    """Perturbations tried in turn; a field is live when any valid one changes the signature."""
    if isinstance(value, int):
        return [value + 1, value * 2, value - 1, value * 8] if value else [1, 2]
    if value == 0:
        return [0.01, 1.0, 1e-4]  # 1e-4 for a leakage below a tiny stated power (NeuroSim's 9.6 uW sense amps)
    return [value * 1.5, value * 0.5, value * 4.0, value * 0.1]


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _round(x: float) -> float:
    return float(f"{x:.12g}")


def _run_signature(hw: Any, wl: Any) -> tuple:
    modes = ["inference"] + (["training"] if hw.crossbar.trains else [])
    out = []
    mapping = map_workload(hw, wl)
    # training: half a coincidence per device and update (the accuracy step measures it; the default is 0)
    stats = {lm.layer: LayerStats(layer=lm.layer, mean_pulses_per_device_per_update=0.5) for lm in mapping.layers}
    for mode in modes:
        timing, counts = simulate(mapping, hw, mode=mode, batch=2,
                                  stats=stats if mode == "training" else None)
        energy = price(counts, hw, timing.makespan_ns, n_tiles_used=mapping.n_tiles_used)
        out.append((mode, _round(timing.makespan_ns),
                    tuple(sorted((k, _round(v)) for k, v in energy.by_part().items())),
                    tuple(sorted((k, _round(v)) for k, v in energy.leakage_pj.items())),
                    tuple(_round(timing.layer(lm.layer).latency_ns) for lm in mapping.layers)))
    area = area_breakdown(hw)
    peak = peak_figures(hw)
    out.append(("area", _round(area.chip_area_um2), _round(area.chip_power_mw),
                tuple(_round(getattr(peak, f.name)) for f in dataclasses.fields(peak)
                      if isinstance(getattr(peak, f.name), float))))
    return tuple(out)


def _accuracy_signature(hw: Any) -> tuple:
    rpu = hw.crossbar.rpu
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 16)).astype(np.float32)
    d = rng.uniform(-1, 1, (4, 16)).astype(np.float32)
    w = rng.uniform(-0.5, 0.5, (16, 16)).astype(np.float32)
    out: list[float] = []
    inf = rpu.inference
    if inf is not None:
        for rep in range(inf.n_repeats):
            tile = InferenceTile(16, 16, rpu, seed=rep, noise_model=inf.noise_model,
                                 drift_compensation=inf.drift_compensation)
            tile.set_weights(w)
            tile.program()
            for t in inf.t_inference_s:
                tile.drift(t)
                out.extend(tile.forward(x).ravel().tolist())
    tile = AnalogTile(16, 16, rpu, seed=0)
    tile.set_weights(w)
    out.extend(tile.forward(x).ravel().tolist())
    if hw.crossbar.trains:
        out.extend(tile.backward(d).ravel().tolist())
        tile.update(x, d, 0.1)
        out.extend(tile.get_weights().ravel().tolist())
    return tuple(_round(v) for v in out)


def _signature(hw: Any, wl: Any) -> tuple:
    return _run_signature(hw, wl), _accuracy_signature(hw)


FILES = bundled_files("hwconfigs")


@pytest.fixture(scope="module")
def workloads() -> dict[str, Any]:
    return {"tiny": load_workload_text(TINY_MLP, name="tiny-mlp.yaml"), "lenet": load_workload("lenet-gokmen-2017"),
            "wide": load_workload_text(WIDE_MLP, name="wide-mlp.yaml")}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_numeric_field_changes_a_result(path: Path, workloads: dict[str, Any], record_property: Any) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    small = workloads["tiny" if path.stem == "tiny-test" else "lenet"]
    hw0 = load_hardware_text(yaml.safe_dump(raw), name=path.name)
    base = {"small": _signature(hw0, small)}
    inert, invalid, exempt_live = [], [], []
    for leaf in _leaves(raw):
        name = _dotted(leaf)
        value = _get(raw, leaf)
        # the tiny chip's 8-8-4 MLP already crosses its 2x2 mesh of tile routers (and the wide MLP would not fit)
        which = "wide" if name in ROUTED and path.stem != "tiny-test" else "small"
        wl = workloads["wide"] if which == "wide" else small
        if which not in base:
            base[which] = _signature(hw0, wl)
        valid = changed = False
        for candidate in _candidates(value):
            try:
                hw = load_hardware_text(yaml.safe_dump(_set(raw, leaf, candidate)), name=path.name)
            except ArchsimError:
                continue
            valid = True
            try:
                changed = _signature(hw, wl) != base[which]
            except ArchsimError:
                changed = True  # the perturbed chip no longer runs the workload: the field matters
            if changed:
                break
        if not valid:
            invalid.append(name)
            continue
        exempt = EXEMPT.get((path.stem, name)) or EXEMPT.get(("*", name))
        if changed and exempt:
            exempt_live.append(name)
        elif not changed and not exempt:
            inert.append(name)
    record_property("numeric_fields", len(_leaves(raw)))
    assert not invalid, f"{path.stem}: no valid perturbation for {invalid}"
    assert not inert, f"{path.stem}: fields that change no timing, energy, area or accuracy: {inert}"
    assert not exempt_live, f"{path.stem}: exempt fields that do change results (drop them from EXEMPT): {exempt_live}"


def test_the_perturbation_covers_lists_and_params() -> None:
    raw = yaml.safe_load(Path("hwconfigs/pcm-inference.yaml").read_text(encoding="utf-8"))
    leaves = {_dotted(p) for p in _leaves(raw)}
    assert "crossbar.rpu.inference.noise_model.prog_coeff_us" in leaves
    assert "crossbar.params.read_voltage_v" in leaves and "interconnect.dims" in leaves
    assert math.isclose(_candidates(0.0)[0], 0.01) and _candidates(3) == [4, 6, 2, 24]
