"""Ideal device (aihwkit ``IdealDevice``, aihwkit 1.1.0): floating-point update, only diffusion, decay and reset
noise; no pulses, no bounds. Weight granularity 0.001 (aihwkit's value for update management of compounds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archsim.devices.base import DeviceConfig, check_int, check_nonneg, register_device

__all__ = ["IdealDevice"]


@register_device
@dataclass(frozen=True, kw_only=True)
class IdealDevice(DeviceConfig):
    """Ideal device: floating-point update, only diffusion, decay and reset noise."""

    PULSED: ClassVar[bool] = False

    kind: str = "ideal"
    """Tag selecting this device in YAML."""
    diffusion: float = 0.0
    """Std of the per-mini-batch Gaussian diffusion."""
    lifetime: float = 0.0
    """Decay time constant in mini-batches (0 = no decay)."""
    reset_std: float = 0.01
    """c2c spread of a reset."""
    construction_seed: int = 0
    """Seed of the d2d draws; 0 = derive from the tile seed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_nonneg(self, "diffusion", "lifetime", "reset_std")
        check_int(self, "construction_seed")

    def weight_granularity(self) -> float:
        return 0.001
