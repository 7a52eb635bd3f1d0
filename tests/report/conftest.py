"""A hand-written result dict following docs/architecture.md (mapping/timing formats of the real
producers), so the report can be tested without running the simulator."""

from __future__ import annotations

import copy

import pytest

from archsim.gpu.compare import compare
from archsim.gpu.load import load_gpu
from archsim.gpu.model import LayerWork, predict
from archsim.validation import Check, rapa_check

LAYERS = (("fc1", 785, 256), ("fc2", 257, 128), ("fc3", 129, 10))


def synthetic_result(name: str = "mlp-784-256-128-10") -> dict:
    """A complete training result for a 3-layer MLP on 4 tiles of 256×256 crossbars."""
    map_layers = []
    for i, (layer, rows, cols) in enumerate(LAYERS):
        map_layers.append(
            {
                "layer": layer,
                "kind": "linear",
                "matrix_in": rows - 1,
                "matrix_rows": rows,
                "matrix_cols": cols,
                "n_replicas": 1,
                "row_splits": [256] * (rows // 256) + ([rows % 256] if rows % 256 else []),
                "col_splits": [cols],
                "n_crossbars": -(-rows // 256),
                "n_blocks": -(-rows // 256),
                "tiles": [i],
                "n_tiles": 1,
                "sequential_mvms_per_sample": 1,
                "utilisation": rows * cols / (256 * 256 * -(-rows // 256)),
                "n_weights": rows * cols,
                "macs_per_sample": (rows - 1) * cols,
                "vectors_per_sample": 1,
            }
        )
    floorplan = [
        {
            "tile": i,
            "n_crossbars_used": 1 if i < 3 else 0,
            "layers": [LAYERS[i][0]] if i < 3 else [],
            "blocks": [{"layer": LAYERS[i][0], "replica": 0, "n_crossbars": 4 if i == 0 else 1}]
            if i < 3
            else [],
        }
        for i in range(4)
    ]
    timing_layers = [
        {
            "layer": layer,
            "forward_ns_per_sample": 80.0 * (3 - i),
            "backward_ns_per_sample": 80.0 * (3 - i),
            "update_ns_per_sample": 31.0,
            "digital_ns_per_sample": 5.0,
            "latency_ns": 200.0,
            "first_start_ns": 0.0,
            "last_end_ns": 1000.0,
            "sequential_mvms_per_sample": 1.0,
        }
        for i, (layer, _, _) in enumerate(LAYERS)
    ]
    timeline = []
    t = 0.0
    for sample in range(3):
        for phase in ("forward", "backward", "update"):
            order = LAYERS if phase == "forward" else tuple(reversed(LAYERS))
            for layer, _, _ in order:
                dur = 31.0 if phase == "update" else 80.0
                timeline.append(
                    {"layer": layer, "phase": phase, "sample": sample, "start_ns": t, "end_ns": t + dur}
                )
                t += dur
    timing = {
        "mode": "training",
        "batch": 3,
        "pipeline": False,
        "makespan_ns": t,
        "tick_ps": 1000,
        "latency_ns_per_sample": t / 3,
        "throughput_samples_per_s": 3 / (t * 1e-9),
        "layers": timing_layers,
        "busy_ns": {"chip.tile0.adc": 700.0, "chip.tile1.adc": 500.0, "chip.tile0.crossbar": 900.0},
        "utilisation": {
            "chip.tile0.adc": 0.5,
            "chip.tile1.adc": 0.3,
            "chip.tile0.crossbar": 0.62,
            "chip.noc": 0.05,
        },
        "n_events": 1234,
        "timeline": timeline,
        "timeline_truncated": False,
    }
    energy = {  # the EnergyBreakdown.to_dict(batch=3) format (archsim/results/energy.py)
        "total_pj": 3.0e6,
        "dynamic_pj": 2.5e6,
        "leakage_pj": 0.5e6,
        "per_sample_pj": 1.0e6,
        "by_part_pj": {"adc": 1.5e6, "dac": 0.4e6, "crossbar": 0.6e6, "digital": 0.3e6, "buffer": 0.2e6},
        "by_part_action_pj": {
            "adc": {"convert": 1.5e6},
            "dac": {"drive": 0.4e6},
            "crossbar": {"mvm": 0.4e6, "pulse": 0.2e6},
        },
        "by_scope_pj": {"chip.tile0.adc": {"convert": 1.5e6}},
        "leakage_by_part_pj": {"adc": 0.5e6},
    }
    area = {  # the AreaBreakdown.to_dict() format
        "items": [
            {
                "scope": "tile",
                "name": "crossbar",
                "count": 4,
                "area_um2": 1.0e6,
                "power_mw": 10.0,
                "leakage_mw": 0.1,
            },
            {
                "scope": "tile",
                "name": "adc",
                "count": 256,
                "area_um2": 1.25e6,
                "power_mw": 50.0,
                "leakage_mw": 1.0,
            },
            {
                "scope": "tile",
                "name": "dac",
                "count": 256,
                "area_um2": 0.25e6,
                "power_mw": 5.0,
                "leakage_mw": 0.1,
            },
            {
                "scope": "chip",
                "name": "buffer",
                "count": 1,
                "area_um2": 2.0e6,
                "power_mw": 20.0,
                "leakage_mw": 2.0,
            },
            {
                "scope": "chip",
                "name": "noc",
                "count": 1,
                "area_um2": 0.5e6,
                "power_mw": 8.0,
                "leakage_mw": 0.5,
            },
        ],
        "n_tiles": 4,
        "tile_area_um2": 2.5e6,
        "tile_area_mm2": 2.5,
        "chip_area_um2": 12.5e6,
        "chip_area_mm2": 12.5,
        "tile_power_mw": 65.0,
        "chip_power_w": 0.288,
        "chip_power_mw": 288.0,
    }
    accuracy = {  # the AccuracyResult.to_dict() format (archsim/results/accuracy.py)
        "workload": name,
        "hardware": "rpu-baseline",
        "dataset": "digits",
        "task": "classification",
        "n_train": 1000,
        "n_test": 300,
        "epochs": 3,
        "batch_size": 1,
        "lr": 0.01,
        "seed": 0,
        "analog": {
            "train_loss": [1.0, 0.5, 0.33],
            "train_accuracy": [0.8, 0.88, 0.91],
            "test_loss": [0.9, 0.6, 0.4],
            "test_accuracy": [0.84, 0.88, 0.92],
            "lr": [0.01] * 3,
            "wall_s": [1.0] * 3,
        },
        "fp": {
            "train_loss": [0.8, 0.4, 0.27],
            "train_accuracy": [0.85, 0.9, 0.94],
            "test_loss": [0.7, 0.5, 0.3],
            "test_accuracy": [0.885, 0.92, 0.955],
            "lr": [0.01] * 3,
            "wall_s": [0.5] * 3,
        },
        "layer_stats": {
            layer: {
                "layer": layer,
                "mean_bm_passes_forward": 1.0,
                "mean_bm_passes_backward": 1.2,
                "mean_bl": 9.5,
                "mean_pulses_per_device_per_update": 0.25,
            }
            for layer, _, _ in LAYERS
        },
        "extras": {},
        "settings": {},
        "wall_s": 4.5,
    }
    works = [
        LayerWork(
            name=layer,
            kind="linear",
            macs_per_sample=(rows - 1) * cols,
            n_weights=rows * cols,
            in_elems_per_sample=rows - 1,
            out_elems_per_sample=cols,
            needs_input_grad=i > 0,
        )
        for i, (layer, rows, cols) in enumerate(LAYERS)
    ]
    gpu = predict(load_gpu("a100"), works, mode="training", precision="amp", batch_size=256)
    macs = sum(w.macs_per_sample for w in works)
    gpu_section = compare(
        gpu,
        timing=timing,
        energy=energy,
        macs_per_sample=macs,
        paper_checks=[Check(chip="rpu-gokmen-vlasov-2016", figure="GOPS/W", published=84000.0, measured=73574.0,
                            source="Gokmen & Vlasov 2016", method="engine"), rapa_check({"fc1": 1}, {"fc1": 1})],
    )
    return {
        "meta": {  # the api.meta_section() format, with the schema version RunResult.to_dict() adds
            "schema_version": 1,
            "versions": {"archsim": "0.1.0", "python": "3.11.2", "numpy": "1.26.4"},
            "seed": 0,
            "command": "archsim run hw.yaml mlp.yaml --gpu a100",
            "mode": "training",
            "batch": 3,
            "pipeline": False,
            "inputs": {
                "hwconfig": {
                    "name": "rpu-baseline",
                    "path": "/tmp/x/hw.yaml",
                    "sha256": "ab" * 32,
                    "overrides": [],
                },
                "workload": {"name": name, "path": "/tmp/x/mlp.yaml", "sha256": "cd" * 32},
            },
            "stats_source": "accuracy",
            "wall_time_s": 1.25,
            "step_seconds": {"load": 0.1},
            "exception": None,
        },
        "hardware": {
            "resolved": {"name": "rpu-baseline", "description": "4 tiles of 256x256"},
            "non_default": {"tile.n_rows": 256, "tile.adc.bits": 9, "crossbar.rpu.forward.out_noise": 0.06},
        },
        "workload": {"name": name, "input_shape": [784], "layers": [], "totals": {"n_weights": macs}},
        "mapping": {
            "hw_name": "rpu-baseline",
            "workload_name": name,
            "n_rows": 256,
            "n_cols": 256,
            "n_tiles_chip": 4,
            "layers": map_layers,
            "floorplan": floorplan,
            "totals": {
                "n_tiles_used": 3,
                "n_tiles_chip": 4,
                "n_crossbars_used": 6,
                "n_crossbars_chip": 16,
                "utilisation": 0.4,
                "bottleneck_mvms_per_sample": 1,
            },
        },
        "timing": timing,
        "counts": {"chip.tile0.adc": {"convert": 1000}},
        "energy": energy,
        "area": area,
        "accuracy": accuracy,
        "gpu": gpu_section,
    }


@pytest.fixture
def result() -> dict:
    """A fresh deep copy of the synthetic result."""
    return copy.deepcopy(synthetic_result())
