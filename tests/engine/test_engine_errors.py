"""Bad input for the event-level model: one line with the file (or hardware), the YAML path and a hint; exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    # the loader names an enum's valid values in place of a hint
    assert "\n" not in err and "Traceback" not in err and ("hint:" in err or "expected one of" in err)
    return err


@pytest.mark.parametrize(("override", "path", "expected"), [
    ("tile.adc_pools=[{crossbars: [0, 97], n_adcs: 128}]", "adc_pools[0].crossbars", "below n_crossbars (96)"),
    ("tile.adc_pools=[{crossbars: [0, 1], n_adcs: 1}, {crossbars: [1], n_adcs: 1}]", "adc_pools[1].crossbars",
     "not already in adc_pools[0]"),
    ("crossbar.rows_per_read=256", "crossbar.rows_per_read", "at most tile.n_rows (128)"),
    ("mapping.overflow=sometimes", "mapping.overflow", "expected one of: error, reprogram"),
    ("tile.buffer.spill=neighbour", "tile.buffer.spill", "expected one of: offchip, stall"),
])
def test_bad_engine_fields_fail_at_load_with_file_path_and_hint(capsys, override, path, expected):
    err = _one_line_error(capsys, ["validate", "hwconfigs/isaac-2016.yaml", "--set", override])
    assert "isaac-2016.yaml" in err and path in err and expected in err


def test_a_row_larger_than_its_buffer_share_without_spill_path_is_refused(capsys, tmp_path):
    err = _one_line_error(capsys, ["run", "rpu-gokmen-vlasov-2016", "rapa-cnn3", "--no-accuracy", "-o",
                                   str(tmp_path / "out"), "--set", "tile.buffer.capacity_bytes=64",
                                   "--set", "tile.buffer.spill=stall"])
    assert "rpu-gokmen-vlasov-2016" in err and "tile.buffer.capacity_bytes" in err and "no spill path" in err
    assert "tile.buffer.spill: offchip" in err


def test_a_network_larger_than_the_chip_keeps_the_clear_mapping_error(capsys):
    err = _one_line_error(capsys, ["validate", "isaac-2016", "resnet50", "--set", "chip.n_tiles=16",
                                   "--set", "interconnect.dims=[2,2]"])
    assert "needs 12672 crossbars but the chip has 1536" in err and "mapping.overflow=reprogram" in err
