"""Unit strings, ``--set`` overrides and the interconnect graph."""

from __future__ import annotations

import networkx as nx
import pytest
from hwtext import tiny_yaml

from archsim.errors import ConfigError
from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.units import field_unit, parse_unit, to_field_unit


@pytest.mark.parametrize(("text", "field", "value"), [
    ("80 ns", "integration_ns", 80.0),
    ("0.08 us", "integration_ns", 80.0),
    ("80000 ps", "latency_ns", 80.0),
    ("2 mW", "power_mw", 2.0),
    ("3.9 uW", "power_mw", 0.0039),
    ("10.4 W", "power_mw", 10400.0),
    ("0.0012 mm^2", "area_um2", 1200.0),
    ("0.0012 mm2", "area_um2", 1200.0),
    ("25 µm²", "area_um2", 25.0),
    ("64 KiB", "capacity_bytes", 65536.0),
    ("64 KB", "capacity_bytes", 65536.0),
    ("64 kB", "capacity_bytes", 64000.0),
    ("2 Kib", "capacity_bytes", 256.0),
    ("6.4 GB/s", "bandwidth_gbps", 51.2),
    ("10 Gb/s", "bandwidth_gbps", 10.0),
    ("15.2 Tbps", "bandwidth_gbps", 15200.0),
    ("1.2 GHz", "clock_freq_mhz", 1200.0),
    ("1.56 pJ", "energy_pj", 1.56),
    ("1560 fJ", "energy_pj", 1.56),
    ("0.5 pJ/B", "read_energy_pj_per_bit", 0.0625),
    ("140 fJ/bit", "energy_pj_per_bit_hop", 0.14),
    ("4 op/ns", "throughput_ops_per_ns", 4.0),
    ("1.2 GOPS", "throughput_ops_per_ns", 1.2),
    ("32 nm", "technology_nm", 32.0),
])
def test_unit_conversion(text: str, field: str, value: float) -> None:
    assert to_field_unit(text, field) == pytest.approx(value)


def test_field_unit_rules() -> None:
    assert field_unit("nm_thres") is None  # 'nm' is not last: noise management, not nanometres
    assert field_unit("w_min") is None
    assert field_unit("energy_pj_per_bit_hop") == "pJ/bit"
    assert field_unit("energy_pj_per_pulse") == "pJ"
    assert field_unit("throughput_ops_per_ns") == "1/ns"
    assert parse_unit("GS/s").dimension_name == "frequency"


@pytest.mark.parametrize(("text", "pattern"), [
    ("80", "cannot read '80' as a number with a unit"),
    ("80 furlongs", "cannot parse unit 'furlongs'"),
])
def test_bad_quantities(text: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        to_field_unit(text, "latency_ns")


def test_unit_strings_in_yaml() -> None:
    hw = load_hardware_text(tiny_yaml("tile:\n  adc: {latency_ns: 781.25 ps, area_um2: 0.0012 mm^2, "
                                      "power_mw: 2 mW}\n  buffer: {capacity_bytes: 64 KiB}\n"
                                      "chip: {clock_freq_mhz: 1.2 GHz}\n", name="u"), name="u.yaml")
    assert hw.tile.adc.latency_ns == pytest.approx(0.78125)
    assert hw.tile.adc.area_um2 == pytest.approx(1200.0)
    assert hw.tile.buffer.capacity_bytes == 65536
    assert hw.chip.clock_freq_mhz == pytest.approx(1200.0)


def test_overrides_go_through_validation(tiny_hw_path) -> None:
    hw = load_hardware(tiny_hw_path, ["tile.adc.bits=6",
                                      "crossbar.integration_ns=20 ns", "interconnect.topology=bus",
                                      "interconnect.dims=null"])
    assert hw.tile.adc.bits == 6 and hw.crossbar.integration_ns == 20.0
    assert hw.interconnect.topology.value == "bus"
    with pytest.raises(ConfigError, match=r"--set tile\.adc\.bitz=6: tile\.adc: unknown key 'bitz' \(did you mean 'bits'\?\)"):
        load_hardware(tiny_hw_path, ["tile.adc.bitz=6"])
    with pytest.raises(ConfigError, match=r"--set tile\.adc\.bits=0: tile\.adc\.bits: expected an integer in \[1, 32\], got 0"):
        load_hardware(tiny_hw_path, ["tile.adc.bits=0"])
    with pytest.raises(ConfigError, match=r"--set tile: expected KEY=VALUE"):
        load_hardware(tiny_hw_path, ["tile"])
    with pytest.raises(ConfigError, match=r"--set tile\.n_rows\.x=1: tile\.n_rows is not a mapping"):
        load_hardware(tiny_hw_path, ["tile.n_rows.x=1"])


@pytest.mark.parametrize(("topology", "extra", "n_nodes"), [
    ("mesh", "", 4 + 4 + 1),
    ("cmesh", ", tiles_per_router: 2", 4 + 2 + 1),
    ("bus", "", 4 + 1 + 1),
    ("edges", ", edges: [[0, 1], [1, 2], [2, 3]]", 4 + 1),
])
def test_interconnect_graphs(topology: str, extra: str, n_nodes: int) -> None:
    text = tiny_yaml(f"chip: {{n_tiles: 4}}\ninterconnect: {{topology: {topology}, dims: null{extra}}}\n", name="g")
    hw = load_hardware_text(text, name="g.yaml")
    g = hw.build_graph()
    assert g.number_of_nodes() == n_nodes and nx.is_connected(g)
    assert ("offchip", 0) in g
    for _, _, data in g.edges(data=True):
        assert {"kind", "bandwidth_gbps", "latency_ns", "energy_pj_per_bit"} <= set(data)
    assert g.graph["topology"] == topology


def test_mesh_is_a_grid(tiny_hw) -> None:
    g = tiny_hw.build_graph()
    routers = [n for n in g if n[0] == "router"]
    assert len(routers) == 4
    links = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "link"]
    assert len(links) == 4  # 2x2 grid
    assert nx.shortest_path_length(g, ("tile", 0), ("tile", 3)) == 4  # tile-router-router-router-tile


def test_replace_keeps_graphs_apart(tiny_hw) -> None:
    import dataclasses

    bigger = dataclasses.replace(tiny_hw, chip=dataclasses.replace(tiny_hw.chip, n_tiles=9),
                                 interconnect=dataclasses.replace(tiny_hw.interconnect, dims=None))
    smaller = dataclasses.replace(tiny_hw, chip=dataclasses.replace(tiny_hw.chip, n_tiles=2))
    assert len([n for n in bigger.build_graph() if n[0] == "tile"]) == 9
    assert len([n for n in smaller.build_graph() if n[0] == "tile"]) == 2
    assert len([n for n in tiny_hw.build_graph() if n[0] == "tile"]) == 4


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(value=st.floats(min_value=1e-6, max_value=1e9, allow_nan=False),
       unit=st.sampled_from([("ns", 1.0), ("us", 1e3), ("ps", 1e-3), ("ms", 1e6)]))
def test_time_conversion_property(value: float, unit: tuple[str, float]) -> None:
    name, scale = unit
    assert to_field_unit(f"{value!r} {name}", "latency_ns") == pytest.approx(value * scale, rel=1e-9)


def test_public_api_exports() -> None:
    import archsim

    assert "load_hardware" in archsim.__all__ and "load_workload" in archsim.__all__
    assert archsim.load_hardware("hwconfigs/tiny-test.yaml").name == "tiny-test"
    assert archsim.load_workload("workloads/mlp-digits.yaml").total_weights == 64 * 32 + 32 + 32 * 10 + 10
