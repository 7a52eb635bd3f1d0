"""The bundled ONNX networks through ``archsim run`` end to end: MobileNetV2 on isaac-2016 and the BERT-base encoder
on aihwkit-default (attention's activation products on the tiles' digital units) are mapped, simulated for one
sample, priced and rendered.

BERT-base's encoder needs 508 crossbars of 512 × 512; aihwkit-default has 256. aihwkit-default describes no write
path (aihwkit's ``set_weights`` is instantaneous and the RPU baseline keeps every weight in its arrays), so the
network runs on the same chip with enough tiles, asked for explicitly (the command the README gives)."""

from __future__ import annotations

import json

import pytest

from archsim.cli import main
from archsim.errors import MappingError
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload
from archsim.workload import load_workload

#: aihwkit-default with a 512-tile mesh (16 x 32): the README's command for BERT-base.
BERT_CHIP = ("--set", "chip.n_tiles=512", "--set", "interconnect.dims=[16, 32]")


def _run(tmp_path, capsys, *argv: str) -> tuple[dict, str]:
    out = tmp_path / "run"
    assert main(["run", *argv, "--no-accuracy", "--no-progress", "-o", str(out)]) == 0
    capsys.readouterr()
    return json.loads((out / "result.json").read_text()), (out / "report.html").read_text()


def test_mobilenetv2_runs_on_isaac_and_its_report_renders(tmp_path, capsys):
    """Measured: 2.4 s (2-core machine under load)."""
    wl = load_workload("mobilenetv2")
    result, html = _run(tmp_path, capsys, "isaac-2016", "mobilenetv2")
    layers = [lt["layer"] for lt in result["timing"]["layers"]]
    assert layers == [a.name for a in wl.analog_layers] and len(layers) == 53
    mapped = {m["layer"]: m for m in result["mapping"]["layers"]}
    # the 17 depthwise convolutions are mapped as per-channel blocks (9 taps + the bias row each)
    depthwise = [a for a in wl.analog_layers if a.n_groups > 1]
    assert len(depthwise) == 17 and all(a.n_groups == a.out_shape[0] and a.matrix_out == 1 for a in depthwise)
    assert all(mapped[a.name]["row_splits"] == [10] for a in depthwise)
    assert result["mapping"]["totals"]["n_weights"] == wl.total_weights == 3_487_816
    timing = result["timing"]
    assert timing["n_passes"] == 1 and timing["latency_ns_per_sample"] > 0
    assert result["energy"]["total_pj"] > 0 and set(result["energy"]["by_layer_pj"]) == set(layers)
    assert "mobilenetv2" in html and all(name in html for name in layers)


def test_bert_needs_more_crossbars_than_aihwkit_default_has():
    with pytest.raises(MappingError, match=r"the workload needs 508 crossbars but the chip has 256 .*"
                                           r"mapping\.overflow=reprogram"):
        map_workload(load_hardware("aihwkit-default"), load_workload("bert-base"))


def test_bert_maps_on_aihwkit_default_with_512_tiles_attention_digital():
    hw = load_hardware("aihwkit-default", overrides=BERT_CHIP[1::2])
    wl = load_workload("bert-base")
    mapping = map_workload(hw, wl)
    assert mapping.n_crossbars_used == 508 and mapping.n_passes == 1
    products = [lay.name for lay in wl.layers if lay.kind == "matmul"]
    owned = {name for lm in mapping.layers for name in lm.owned}
    assert len(products) == 24 and set(products) <= owned  # on the digital units of an analog layer's tiles
    # Q·Kᵀ and softmax·V: 2 elementwise ops per multiply-accumulate on the owner's units, forward
    by_owner = {lm.layer: lm for lm in mapping.layers}
    key = by_owner["encoder.layer.0.attention.key.matmul"]
    assert key.digital_ops["forward"]["elementwise"] >= 2 * 12 * 128 * 128 * 64


@pytest.mark.slow
def test_bert_runs_on_aihwkit_default_with_512_tiles_and_its_report_renders(tmp_path, capsys):
    """Measured: 11-14 s (2-core machine under load), hence slow."""
    wl = load_workload("bert-base")
    result, html = _run(tmp_path, capsys, "aihwkit-default", "bert-base", *BERT_CHIP)
    layers = [lt["layer"] for lt in result["timing"]["layers"]]
    assert layers == [a.name for a in wl.analog_layers] and len(layers) == 73
    assert result["mapping"]["totals"]["n_crossbars_used"] == 508
    assert result["timing"]["latency_ns_per_sample"] > 0 and result["energy"]["total_pj"] > 0
    alu = result["energy"]["by_part_action_pj"]["alu"]
    assert alu["elementwise"] > 0  # the attention products, priced on the digital units
    assert "bert-base" in html and all(name in html for name in layers)
