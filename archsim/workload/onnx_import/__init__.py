"""ONNX import: an ONNX model (``torch.onnx.export``'s exchange format) as an ordinary archsim workload.

:func:`onnx_to_raw` reads the model (:mod:`.graph`: one input with a static shape, shapes from ONNX's shape
inference), converts every node (:mod:`.convert`, one converter per operator in :data:`.ops.OPS`) and returns the
raw workload mapping that :func:`archsim.workload.workload_from_dict` then checks exactly like a YAML file, with
the per-sample output shape ONNX infers for every layer (archsim's own inference must agree). :func:`to_yaml`
writes that mapping as a readable workload file that records the source model's file, graph name, producer and
opset. Weights are not imported (a workload describes structure and counts; the accuracy step trains its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archsim.workload.onnx_import.convert import Importer
from archsim.workload.onnx_import.graph import load_model
from archsim.workload.onnx_import.ops import OPS
from archsim.workload.onnx_import.writer import to_yaml

__all__ = ["OPS", "onnx_to_raw", "to_yaml"]


def onnx_to_raw(path: str | Path, *, name: str | None = None, fold_batchnorm: bool = True,
                dataset: str = "synthetic", description: str = "", task: str | None = None) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """The raw workload mapping of an ONNX model, and ONNX's per-sample output shape of every layer.

    Args:
        path: the ``.onnx`` file.
        name: workload name (default: the file's stem).
        fold_batchnorm: fold batch normalisation into the preceding conv/linear layer where possible (inference);
            False keeps every one as a digital ``batchnorm`` layer (training).
        dataset: the workload's default dataset spec.
        description: what the network is (put before the import note in ``description``).
        task: the workload's task; None = ``classification`` for a vector output (its size the classes), else
            ``features``.

    Raises:
        WorkloadError: an unreadable model, a dynamic input shape, or any operator or attribute archsim cannot
            import (all of them listed in one line).
    """
    view = load_model(path)
    layers, expected, out = Importer(view, fold_batchnorm=fold_batchnorm).run(OPS)
    sample = out.sample
    if task is None:
        task = "classification" if len(sample) == 1 else "features"
    stem = Path(path).stem
    source = {"format": "onnx", "file": Path(path).name, "graph": view.graph_name, "producer": view.producer,
              "opset": view.opset}
    folded = "batch normalisation folded into the preceding layers" if fold_batchnorm else \
        "batch normalisation kept as digital layers"
    raw: dict[str, Any] = {
        "version": 1,
        "name": name or stem,
        "description": (description.rstrip() + " " if description else "") + f"Imported from the ONNX model {Path(path).name} (graph {view.graph_name!r}, opset "
                       f"{view.opset}{', producer ' + view.producer if view.producer else ''}); {folded}.",
        "source": source,
        "input_shape": list(view.input_shape),
        "dataset": dataset,
        "task": task,
        "default_epochs": 1,
        "layers": _implicit_inputs(layers),
    }
    if task != "features":
        raw["n_classes"] = int(sample[-1])
    return raw, expected


def _implicit_inputs(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop ``inputs`` where it is the previous layer (the workload format's default) or empty for parameters."""
    out = []
    prev = "input"
    for layer in layers:
        layer = dict(layer)
        if layer["inputs"] == [prev] or (layer["kind"] == "parameter" and not layer["inputs"]):
            del layer["inputs"]
        out.append(layer)
        prev = layer["name"]
    return out
