"""Device models of the crossbar cross-points, one module per model (the contract is in :mod:`.base`).

Importing this package registers the built-in models in :attr:`DeviceConfig.KINDS`: constant_step, exp_step,
ideal, linear_step, piecewise_step, pow_step, pow_step_reference, soft_bounds, soft_bounds_pmax,
soft_bounds_reference. A new model is one module with one registered class (see :mod:`.base`); nothing else in
archsim needs to change.
"""

from archsim.devices.base import (
    CommonDraws,
    DeviceConfig,
    ModelDraws,
    PulsedDeviceBase,
    PulseLaw,
    register_device,
)
from archsim.devices.constant_step import ConstantStepDevice
from archsim.devices.exp_step import ExpStepDevice
from archsim.devices.ideal import IdealDevice
from archsim.devices.linear_step import LinearStepDevice
from archsim.devices.piecewise_step import PiecewiseStepDevice
from archsim.devices.pow_step import PowStepDevice
from archsim.devices.pow_step_reference import PowStepReferenceDevice
from archsim.devices.soft_bounds import SoftBoundsDevice
from archsim.devices.soft_bounds_pmax import SoftBoundsPmaxDevice
from archsim.devices.soft_bounds_reference import SoftBoundsReferenceDevice

__all__ = [
    "CommonDraws",
    "ConstantStepDevice",
    "DeviceConfig",
    "ExpStepDevice",
    "IdealDevice",
    "LinearStepDevice",
    "ModelDraws",
    "PiecewiseStepDevice",
    "PowStepDevice",
    "PowStepReferenceDevice",
    "PulseLaw",
    "PulsedDeviceBase",
    "SoftBoundsDevice",
    "SoftBoundsPmaxDevice",
    "SoftBoundsReferenceDevice",
    "register_device",
]
