"""Paper checks printed by ``archsim speedup``: analytic recomputations of published headline ratios.

1. **RPU headline** (Gokmen & Vlasov 2016, ``rpu-gokmen-vlasov-2016``): ≈30 000× faster than a
   state-of-the-art microprocessor and 84 000 GigaOps/s/W for a DNN with ~10⁹ weights. The paper's
   system numbers cannot be simulated; they are recomputed from the analytic model below, with every
   assumption a field of :class:`RPUHeadlineAssumptions` (printed with the result), read from
   ``hwconfigs/rpu-gokmen-vlasov-2016.yaml`` by :meth:`RPUHeadlineAssumptions.from_hardware`. A training
   sample costs each N×N array one forward and one backward integration and one stochastic update of
   ``bl`` pulses of ``t_pulse_ns``; each of the three cycles performs ``2·N²`` operations (a multiply
   and an add per cross-point). All arrays holding the network's weights work in parallel (a
   pipelined fully-connected network, one sample per array cycle). Energy per sample and array: the
   array's read energy and one DAC + one ADC conversion per line in both integrations; in the update,
   every row and column line driven for ``bl`` slots plus the device coincidences.
2. **RAPA n_t-fold acceleration** (Rasch et al. 2019, ``rapa-cnn3``): with ``n_t`` kernel replicas a
   convolution needs ``ceil(n_p / n_t)`` sequential MVMs per array instead of ``n_p``. With layer
   pipelining the network is paced by its slowest layer (the paper's n_t-fold figure); without it
   the layers' sequential MVMs add up (research/seed-papers.md §7.2 caveat). Both are reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class RPUHeadlineAssumptions:
    """Every input of the RPU-headline recomputation (defaults: hwconfigs/rpu-gokmen-vlasov-2016.yaml)."""

    source: str = "defaults of archsim.gpu.paper (= hwconfigs/rpu-gokmen-vlasov-2016.yaml)"
    """Where the numbers below come from."""
    n_weights: float = 1e9
    """Network size the headline refers to (~10⁹ weights)."""
    array_size: int = 4096
    """RPU array side N (4096×4096, the paper's design point)."""
    t_mvm_ns: float = 80.0
    """Forward integration time per MVM, independent of N."""
    t_mvm_backward_ns: float = 80.0
    """Backward integration time per MVM."""
    bl: int = 10
    """Stochastic pulse-train length per update."""
    t_pulse_ns: float = 1.0
    """Duration of one update pulse."""
    cpu_gflops: float = 1548.8
    """Baseline microprocessor: 2016 Xeon E5-2699 v4, 22 cores × 2.2 GHz × 32 FP32 FLOP/cycle (peak)."""
    array_read_pj: float = 27962.0
    """Analog energy of one full-array integration: N²·V²/R·t at 1 V, 24 MΩ, 80 ns, mean input 0.5."""
    dac_pj: float = 0.0998
    """One 7-bit DAC conversion (one per row per integration)."""
    adc_pj: float = 3.125
    """One 9-bit ADC conversion (one per column per integration)."""
    update_pj_per_line_pulse: float = 0.5
    """Driving one row or column line for one update pulse slot."""
    update_pj_per_coincidence: float = 4.2e-5
    """One pulse coincidence on one device (1 V² / 24 MΩ × 1 ns)."""
    coincidence_fraction: float = 0.1
    """Mean fraction of the BL slots in which a device sees a coincidence (assumption)."""
    paper_speedup: float = 30000.0
    """The paper's acceleration factor vs a microprocessor."""
    paper_gops_per_w: float = 84000.0
    """The paper's power efficiency, GigaOps/s/W."""

    @classmethod
    def from_hardware(cls, hw: Any, source: str = "") -> RPUHeadlineAssumptions:
        """Take the array, timing and energy figures from a hardware description."""
        xb, tile = hw.crossbar, hw.tile
        return cls(
            source=source or f"hwconfig {hw.name}",
            array_size=int(tile.n_rows),
            t_mvm_ns=float(xb.integration_ns),
            t_mvm_backward_ns=float(xb.backward_integration_ns or xb.integration_ns),
            bl=int(xb.rpu.update.desired_bl),
            t_pulse_ns=float(xb.pulse_ns),
            array_read_pj=float(xb.read_energy_pj),
            dac_pj=float(tile.dac.energy_pj),
            adc_pj=float(tile.adc.energy_pj),
            update_pj_per_line_pulse=float(xb.update_line_energy_pj),
            update_pj_per_coincidence=float(xb.update_energy_pj),
        )


@dataclass(frozen=True, kw_only=True)
class RPUHeadline:
    """Result of the RPU-headline recomputation."""

    assumptions: RPUHeadlineAssumptions
    """The inputs."""
    n_arrays: int
    """Arrays holding the weights."""
    cycle_ns: float
    """Forward + backward + update time per sample per array."""
    ops_per_s: float
    """Network throughput (all arrays)."""
    speedup_vs_cpu: float
    """Throughput / CPU peak."""
    energy_pj_per_sample_per_array: float
    """Energy of one training sample on one array."""
    gops_per_w: float
    """Power efficiency, GigaOps/s/W."""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        out = {k: v for k, v in asdict(self).items() if k != "assumptions"}
        out["assumptions"] = asdict(self.assumptions)
        return out

    def lines(self) -> list[str]:
        """Human-readable lines for the speedup output."""
        a = self.assumptions
        return [
            (
                f"RPU headline (Gokmen & Vlasov 2016): recomputed speed-up vs CPU {self.speedup_vs_cpu:,.0f}x "
                f"(paper {a.paper_speedup:,.0f}x, ratio {self.speedup_vs_cpu / a.paper_speedup:.2f}); "
                f"efficiency {self.gops_per_w:,.0f} GigaOps/s/W (paper {a.paper_gops_per_w:,.0f}, "
                f"ratio {self.gops_per_w / a.paper_gops_per_w:.2f})"
            ),
            (
                f"  assumptions ({a.source}): {a.n_weights:.0e} weights on {self.n_arrays} arrays of "
                f"{a.array_size}x{a.array_size}, all busy (pipelined FC network, batch 1); per sample and array: "
                f"forward {a.t_mvm_ns:g} ns + backward {a.t_mvm_backward_ns:g} ns + update {a.bl} pulses x "
                f"{a.t_pulse_ns:g} ns = {self.cycle_ns:g} ns, 3 x 2N^2 ops; CPU = {a.cpu_gflops:,.0f} GFLOP/s peak "
                f"(Xeon E5-2699 v4, 2016)"
            ),
            (
                f"  energy per sample and array: 2 integrations x ({a.array_read_pj:g} pJ array + N x "
                f"({a.dac_pj:g} pJ DAC + {a.adc_pj:g} pJ ADC)) + update 2N lines x BL x {a.update_pj_per_line_pulse:g} pJ "
                f"+ N^2 x BL x {a.coincidence_fraction:g} coincidences x {a.update_pj_per_coincidence:g} pJ = "
                f"{self.energy_pj_per_sample_per_array / 1e3:,.0f} nJ; digital, memory and I/O energy excluded "
                f"(the paper's system budget includes them)"
            ),
        ]


def rpu_headline(assumptions: RPUHeadlineAssumptions | None = None) -> RPUHeadline:
    """Recompute the RPU paper's headline numbers (see the module docstring)."""
    a = assumptions or RPUHeadlineAssumptions()
    n = a.array_size
    n_arrays = math.ceil(a.n_weights / (n * n))
    cycle_ns = a.t_mvm_ns + a.t_mvm_backward_ns + a.bl * a.t_pulse_ns
    ops_per_sample_array = 3 * 2 * n * n
    ops_per_s = n_arrays * ops_per_sample_array / (cycle_ns * 1e-9)
    e_read_pj = 2 * (a.array_read_pj + n * (a.dac_pj + a.adc_pj))
    e_update_pj = (
        2 * n * a.bl * a.update_pj_per_line_pulse
        + n * n * a.bl * a.coincidence_fraction * a.update_pj_per_coincidence
    )
    e_pj = e_read_pj + e_update_pj
    gops_per_w = ops_per_sample_array / e_pj * 1e12 / 1e9  # ops per J → GOps/s/W
    return RPUHeadline(
        assumptions=a,
        n_arrays=n_arrays,
        cycle_ns=cycle_ns,
        ops_per_s=ops_per_s,
        speedup_vs_cpu=ops_per_s / (a.cpu_gflops * 1e9),
        energy_pj_per_sample_per_array=e_pj,
        gops_per_w=gops_per_w,
    )


@dataclass(frozen=True, kw_only=True)
class RapaCheck:
    """RAPA acceleration from replicas: sequential MVMs per sample per array, with and without."""

    vectors: dict[str, int]
    """Patches n_p per analog layer."""
    replicas: dict[str, int]
    """Kernel replicas n_t per analog layer."""
    pipelined_speedup: float
    """max_l n_p / max_l ceil(n_p/n_t): the paper's n_t-fold figure (layer pipelining)."""
    sequential_speedup: float
    """sum_l n_p / sum_l ceil(n_p/n_t): without layer pipelining."""
    simulated_speedup: float | None = None
    """The event engine's makespan ratio (no replicas / replicas), when it was run."""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines for the speedup output."""
        nts = [self.replicas.get(k, 1) for k in self.vectors]
        nps = list(self.vectors.values())
        if len(nps) <= 8:
            what = f"n_p = ({', '.join(map(str, nps))}), n_t = ({', '.join(map(str, nts))})"
        else:
            what = (
                f"{len(nps)} layers, n_p {min(nps)}..{max(nps)}, n_t {min(nts)}..{max(nts)} "
                f"(bottleneck {max(nps)} -> {max(math.ceil(p / t) for p, t in zip(nps, nts))} MVMs)"
            )
        line = (
            f"RAPA n_t-fold (Rasch et al. 2019): {what} -> pipelined (bottleneck) "
            f"speed-up {self.pipelined_speedup:.1f}x, unpipelined (sum of layers) {self.sequential_speedup:.1f}x"
        )
        if self.simulated_speedup is not None:
            line += f"; event engine (throughput ratio, incl. digital and transfers) {self.simulated_speedup:.1f}x"
        return [line]


def rapa_check(
    vectors: Mapping[str, int], replicas: Mapping[str, int], simulated_speedup: float | None = None
) -> RapaCheck:
    """Analytic RAPA speed-up for layers with ``vectors[layer]`` patches and ``replicas[layer]`` copies."""
    seq_base = {k: int(v) for k, v in vectors.items()}
    seq_rep = {k: math.ceil(v / max(1, int(replicas.get(k, 1)))) for k, v in seq_base.items()}
    if not seq_base:
        return RapaCheck(vectors={}, replicas={}, pipelined_speedup=1.0, sequential_speedup=1.0)
    return RapaCheck(
        vectors=seq_base,
        replicas={k: int(replicas.get(k, 1)) for k in seq_base},
        pipelined_speedup=max(seq_base.values()) / max(seq_rep.values()),
        sequential_speedup=sum(seq_base.values()) / sum(seq_rep.values()),
        simulated_speedup=simulated_speedup,
    )
