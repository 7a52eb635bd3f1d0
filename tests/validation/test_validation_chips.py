"""Published chips against archsim's real pipeline (archsim.validation): each figure with its tolerance, and where
archsim disagrees, the measured ratio pinned (docs/validation.md, "Chips", explains each difference)."""

from __future__ import annotations

import pytest

from archsim.validation import isaac_checks, neurosim_checks, puma_checks, rpu_checks


@pytest.fixture(scope="module")
def isaac():
    return {c.figure: c for c in isaac_checks()}


@pytest.fixture(scope="module")
def neurosim():
    return {(c.chip, c.figure): c for c in neurosim_checks()}


def test_isaac_table_one_rollup_within_2_percent(isaac):
    for figure in ("tile power (mW)", "tile area (mm²)", "chip power (W)", "chip area (mm²)"):
        assert isaac[figure].ratio == pytest.approx(1.0, abs=0.02), figure


def test_isaac_peak_ce_and_pe_within_5_percent(isaac):
    assert isaac["peak CE (GOPS/s/mm²)"].ratio == pytest.approx(1.0, abs=0.05)
    assert isaac["peak PE (GOPS/W)"].ratio == pytest.approx(1.0, abs=0.05)
    assert isaac["peak CE (GOPS/s/mm²)"].measured == pytest.approx(483.3, rel=1e-3)
    assert isaac["peak PE (GOPS/W)"].measured == pytest.approx(627.5, rel=1e-3)


def test_isaac_chip_filling_conv_reaches_85_percent_of_peak(isaac):
    fill = isaac["achieved / peak CE (chip-filling conv)"]
    assert fill.ratio >= 0.85
    assert fill.ratio == pytest.approx(0.880, abs=0.01)  # the conv holds 14,472 of 16,128 crossbars: at most 0.897


def test_puma_peak_efficiency_pinned():
    checks = {c.figure: c for c in puma_checks()}
    # published 577 GOPS/s/mm² and 837 GOPS/W; the simulator's constants give less (docs/validation.md)
    assert checks["peak GOPS/s/mm²"].ratio == pytest.approx(0.682, abs=0.005)
    assert checks["peak GOPS/W"].ratio == pytest.approx(0.805, abs=0.005)


def test_neurosim_area_and_tops_within_2x(neurosim):
    for rows in (32, 64):
        chip = f"neurosim-vgg8-{rows}rows"
        assert 0.5 <= neurosim[(chip, "area (mm²)")].ratio <= 2.0
        assert 0.5 <= neurosim[(chip, "TOPS")].ratio <= 2.0
    assert neurosim[("neurosim-vgg8-32rows", "area (mm²)")].ratio == pytest.approx(1.014, abs=0.005)
    assert neurosim[("neurosim-vgg8-32rows", "TOPS")].ratio == pytest.approx(0.749, abs=0.01)


def test_neurosim_tops_per_watt_pinned(neurosim):
    # 57x below Table VII: archsim prices each cell read at NeuroSim V1.3's 0.5 V for 10 ns (docs/validation.md)
    assert neurosim[("neurosim-vgg8-32rows", "TOPS/W")].ratio == pytest.approx(0.0155, abs=0.001)


def test_neurosim_area_does_not_grow_with_more_parallel_rows(neurosim):
    a32 = neurosim[("neurosim-vgg8-32rows", "area (mm²)")].measured
    a64 = neurosim[("neurosim-vgg8-64rows", "area (mm²)")].measured
    assert a64 <= a32  # published: 1 % smaller; archsim: equal (rows per read changes no part's count)


@pytest.mark.xfail(strict=True, reason="needs the engine to time and count partial row activation "
                                       "(crossbar.rows_per_read, issue 13, engine branch)")
def test_neurosim_more_parallel_rows_raise_tops_and_tops_per_watt(neurosim):
    for figure in ("TOPS", "TOPS/W"):
        assert neurosim[("neurosim-vgg8-64rows", figure)].measured > neurosim[("neurosim-vgg8-32rows", figure)].measured


def test_rpu_headline_from_the_engine():
    checks = {c.figure: c for c in rpu_checks()}
    speedup, eff = checks["speed-up vs 2016 CPU"], checks["GOPS/W"]
    assert 0.5 <= eff.ratio <= 2.0 and eff.ratio == pytest.approx(0.876, abs=0.01)
    # the engine is NoC-bound: 8 KB of activations per layer and sample over 16 B/ns links (docs/validation.md)
    assert speedup.ratio == pytest.approx(0.1007, abs=0.005)
    assert "1.01e9 weights" in speedup.method
