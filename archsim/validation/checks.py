"""The chip checks (see :mod:`archsim.validation`).

* **ISAAC** (Shafiee et al., ISCA 2016): the Table I roll-up (tile 330 mW / 0.372 mm², chip 65.8 W / 85.4 mm²), the
  peak computational density CE = 479 GOPS/s/mm² and power efficiency PE = 644 GOPS/W of the configuration
  (:func:`archsim.cost.peak_figures`), and the share of the peak CE a chip-filling convolution achieves in the event
  engine (a 3x3 convolution of 128 -> 25,728 channels on 8x8 inputs plus its classifier, 16,080 of the 16,128
  crossbars, pipelined over a batch).
* **PUMA** (Ankit et al., ASPLOS 2019): 577 GOPS/s/mm² and 837 GOPS/W at 1 GHz (peak figures of the configuration).
* **NeuroSim V1.4** (user manual Table VII, VGG-8 on RRAM at 22 nm, 32 and 64 parallel rows): TOPS and TOPS/W of
  VGG-8 simulated by the engine (2 ops per MAC over the makespan and the energy of a pipelined batch), and the chip
  area; the 32 -> 64 row change should raise TOPS and TOPS/W and lower the area slightly.
* **RPU** (Gokmen & Vlasov, Front. Neurosci. 2016): training a fully connected network of ~1e9 weights on
  4096x4096 arrays (60 layers of 4095 -> 4095 plus their bias rows, one array each), simulated by the engine:
  throughput against the paper's 2016 microprocessor (Xeon E5-2699 v4, 22 cores x 2.2 GHz x 32 FLOP/cycle =
  1,548.8 GFLOP/s peak; 3 x 2 ops per weight and sample for forward, backward and update) and GOPS/W.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from archsim.cost import area_breakdown, peak_figures, price
from archsim.engine import simulate
from archsim.hwconfig.load import load_hardware
from archsim.mapping import map_workload
from archsim.workload import load_workload
from archsim.workload.load import load_workload_text

__all__ = ["Check", "chip_checks", "isaac_checks", "neurosim_checks", "puma_checks", "rpu_checks"]

#: Peak FP32 rate of the RPU paper's baseline microprocessor, a 2016 Xeon E5-2699 v4 (22 cores x 2.2 GHz x
#: 32 FLOP/cycle), GFLOP/s.
CPU_2016_GFLOPS = 1548.8

ISAAC_FILL = """\
version: 1
name: isaac-fill
description: a 3x3 convolution sized to fill ISAAC's 16,128 crossbars (with its classifier)
input_shape: [128, 8, 8]
dataset: synthetic
task: classification
n_classes: 10
layers:
  - {name: conv, kind: conv2d, out_channels: 25728, kernel_size: 3, padding: 1, bias: false}
  - {name: pool, kind: avgpool, kernel_size: 8}
  - {name: flat, kind: flatten}
  - {name: head, kind: linear, out_features: 10, bias: false}
"""


def rpu_network(n_layers: int = 60, width: int = 4095) -> str:
    """The RPU check's network: ``n_layers`` fully connected layers of ``width`` -> ``width`` (+ bias row), sigmoid."""
    layers = "\n".join(f"  - {{name: fc{i}, kind: linear, out_features: {width}}}\n"
                       f"  - {{name: act{i}, kind: sigmoid}}" for i in range(n_layers))
    return (f"version: 1\nname: rpu-fc{n_layers}\ndescription: {n_layers} x {width}^2 fully connected layers\n"
            f"input_shape: [{width}]\ndataset: synthetic\ntask: classification\nn_classes: {width}\n"
            f"layers:\n{layers}\n")


@dataclass(frozen=True, kw_only=True)
class Check:
    """One published figure against archsim's measurement."""

    chip: str
    """Bundled hardware file."""
    figure: str
    """What is compared (with its unit)."""
    published: float
    """The published value."""
    measured: float
    """archsim's value."""
    source: str
    """Where the published value comes from."""
    method: str
    """How archsim measured it."""

    @property
    def ratio(self) -> float:
        """measured / published."""
        return self.measured / self.published

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (with the ratio)."""
        return {**asdict(self), "ratio": self.ratio}

    def lines(self) -> list[str]:
        """One human-readable line (``archsim speedup`` prints the paper checks)."""
        return [f"{self.chip}, {self.figure}: archsim {self.measured:,.4g} vs published {self.published:,.4g} "
                f"(ratio {self.ratio:.3g}; {self.method}; {self.source})"]


def _run(hw: Any, wl: Any, mode: str, batch: int) -> tuple[float, float, float]:
    """(ops, makespan_ns, energy_pj) of ``batch`` samples of ``wl`` on ``hw`` (2 ops per MAC and pass kind)."""
    mapping = map_workload(hw, wl)
    timing, counts = simulate(mapping, hw, mode=mode, batch=batch, workload=wl)
    energy = price(counts, hw, timing.makespan_ns, n_tiles_used=mapping.n_tiles_used)
    passes = 3 if mode == "training" else 1
    return 2.0 * passes * wl.total_macs_per_sample * batch, timing.makespan_ns, energy.total_pj


def isaac_checks(*, fill_batch: int = 64) -> list[Check]:
    """ISAAC: Table I roll-up, peak CE and PE, and the achieved CE of a chip-filling convolution."""
    hw = load_hardware("isaac-2016")
    area = area_breakdown(hw)
    peak = peak_figures(hw)
    table = "Shafiee et al., ISCA 2016, Table I"
    out = [
        Check(chip="isaac-2016", figure="tile power (mW)", published=330.0, measured=area.tile_power_mw, source=table,
              method="roll-up: counts x per-instance power"),
        Check(chip="isaac-2016", figure="tile area (mm²)", published=0.372, measured=area.tile_area_um2 / 1e6,
              source=table, method="roll-up: counts x per-instance area"),
        Check(chip="isaac-2016", figure="chip power (W)", published=65.8, measured=area.chip_power_mw / 1e3,
              source=table, method="roll-up incl. HyperTransport"),
        Check(chip="isaac-2016", figure="chip area (mm²)", published=85.4, measured=area.chip_area_um2 / 1e6,
              source=table, method="roll-up incl. HyperTransport"),
        Check(chip="isaac-2016", figure="peak CE (GOPS/s/mm²)", published=479.0, measured=peak.gops_per_s_per_mm2,
              source="ISAAC-CE design point", method="peak_figures: 41.3 TOPS / chip area"),
        Check(chip="isaac-2016", figure="peak PE (GOPS/W)", published=644.0, measured=peak.gops_per_w,
              source="ISAAC-PE design point", method="peak_figures: 41.3 TOPS / peak power"),
    ]
    wl = load_workload_text(ISAAC_FILL, name="isaac-fill.yaml")
    ops, makespan, _ = _run(hw, wl, "inference", fill_batch)
    achieved = ops / (makespan * 1e-9) / 1e9 / peak.area_mm2
    out.append(Check(chip="isaac-2016", figure="achieved / peak CE (chip-filling conv)", published=1.0,
                     measured=achieved / peak.gops_per_s_per_mm2, source="ISAAC's balanced pipeline",
                     method=f"engine, {fill_batch} samples pipelined; 16,080 of 16,128 crossbars mapped"))
    return out


def puma_checks() -> list[Check]:
    """PUMA: peak GOPS/s/mm² and GOPS/W of the configuration at 1 GHz."""
    peak = peak_figures(load_hardware("puma"))
    src = "Ankit et al., ASPLOS 2019 (abstract)"
    return [Check(chip="puma", figure="peak GOPS/s/mm²", published=577.0, measured=peak.gops_per_s_per_mm2,
                  source=src, method="peak_figures incl. HyperTransport"),
            Check(chip="puma", figure="peak GOPS/W", published=837.0, measured=peak.gops_per_w, source=src,
                  method="peak_figures incl. HyperTransport")]


#: NeuroSim V1.4 user manual Table VII (RRAM, 22 nm, 4-bit ADC): rows -> (area mm², TOPS, TOPS/W).
NEUROSIM_TABLE_VII = {32: (381.90, 6.25, 11.25), 64: (378.06, 8.16, 19.88)}


def neurosim_checks(*, batch: int = 4) -> list[Check]:
    """NeuroSim V1.4 VGG-8 (32 and 64 parallel rows): engine TOPS and TOPS/W of VGG-8, chip area."""
    wl = load_workload("vgg8-cifar")
    out = []
    for rows, (area_mm2, tops, tops_w) in NEUROSIM_TABLE_VII.items():
        name = f"neurosim-vgg8-{rows}rows"
        hw = load_hardware(name)
        ops, makespan, energy = _run(hw, wl, "inference", batch)
        src = "DNN+NeuroSim V1.4 manual, Table VII"
        method = f"engine, VGG-8, {batch} images pipelined"
        out += [Check(chip=name, figure="area (mm²)", published=area_mm2, measured=hw.area_um2() / 1e6, source=src,
                      method="roll-up"),
                Check(chip=name, figure="TOPS", published=tops, measured=ops / makespan / 1e3, source=src,
                      method=method),
                Check(chip=name, figure="TOPS/W", published=tops_w, measured=ops / energy, source=src, method=method)]
    return out


def rpu_checks(*, batch: int = 128, n_layers: int = 60) -> list[Check]:
    """RPU: speed-up over the 2016 CPU and GOPS/W of training the ~1e9-weight network on the RPU chip."""
    hw = load_hardware("rpu-gokmen-vlasov-2016")
    wl = load_workload_text(rpu_network(n_layers), name="rpu-network.yaml")
    ops, makespan, energy = _run(hw, wl, "training", batch)
    src = "Gokmen & Vlasov, Front. Neurosci. 10:333 (2016), abstract"
    method = f"engine, training, {wl.total_weights / 1e9:.2f}e9 weights, {batch} samples pipelined"
    return [Check(chip="rpu-gokmen-vlasov-2016", figure="speed-up vs 2016 CPU", published=30000.0,
                  measured=ops / (makespan * 1e-9) / (CPU_2016_GFLOPS * 1e9), source=src, method=method),
            Check(chip="rpu-gokmen-vlasov-2016", figure="GOPS/W", published=84000.0,
                  measured=ops / (energy * 1e-12) / 1e9, source=src, method=method)]


def chip_checks() -> list[Check]:
    """Every check."""
    return isaac_checks() + puma_checks() + neurosim_checks() + rpu_checks()
