"""Layer kinds: one module per kind (or small family), each the one definition of its spec and checks, shape
inference and exact counts, functional module (forward and backward), digital work for the engine and GPU work.

The interface is :class:`~archsim.layers.base.LayerSpec` (see :mod:`archsim.layers.base`); kinds register
themselves in ``LayerSpec.KINDS`` when their module is imported, which this package does for the bundled ones
below. A new kind is one module that registers a subclass (a test module may do it too); nothing else changes.
"""

# Importing a kind module registers its kinds; this order is the order users see them listed.
# isort: off
import archsim.layers.linear
import archsim.layers.conv2d
import archsim.layers.lstm
import archsim.layers.pooling
import archsim.layers.activations
import archsim.layers.normalization
import archsim.layers.shape
import archsim.layers.elementwise
import archsim.layers.matmul
import archsim.layers.embedding  # noqa: F401
# isort: on

from archsim.layers.base import CYCLES, GpuWork, Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.im2col import col2im, conv_output_size, im2col
from archsim.layers.module import FLOAT, AnalogModule, BuildContext, Identity, MatrixFactory, MatrixUnit, Module
from archsim.layers.placeholder import InputSpec, gpu_kernel_of

KINDS = LayerSpec.KINDS

__all__ = ["CYCLES", "FLOAT", "KINDS", "AnalogModule", "BuildContext", "GpuWork", "Identity", "Inferred",
           "InputSpec", "LayerError", "LayerSpec", "LayerView", "MatrixFactory", "MatrixUnit", "Module", "Shape",
           "col2im", "conv_output_size", "gpu_kernel_of", "im2col", "numel"]
