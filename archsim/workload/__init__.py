"""Workloads: networks as DAGs of layers with shapes and exact weight/MAC counts (:mod:`.model`), loaded from
``workloads/*.yaml`` (:mod:`.load`)."""

from archsim.workload.load import (
    load_onnx_workload,
    load_workload,
    load_workload_text,
    workload_from_dict,
    workload_text,
)
from archsim.workload.model import Layer, ModelSource, Workload

__all__ = ["Layer", "ModelSource", "Workload", "load_onnx_workload", "load_workload", "load_workload_text",
           "workload_from_dict", "workload_text"]
