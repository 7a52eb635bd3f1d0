"""SoftBoundsPmax device (aihwkit ``SoftBoundsPmaxDevice``, aihwkit 1.1.0): soft bounds parameterised by p_max.

Converted as in aihwkit's ``as_bindings``: B = (range_max − range_min)/(1 − exp(−p_max·α)), w_min = range_min,
w_max = range_min + B, dw_min = B·α, up_down = 1 + 2·range_min/B; the numerics are those of the equivalent
:class:`~archsim.devices.soft_bounds.SoftBoundsDevice` (:meth:`SoftBoundsPmaxDevice.effective`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from archsim.devices.base import PulsedDeviceBase, check_bool, check_finite, check_int, fail, register_device
from archsim.devices.soft_bounds import SoftBoundsDevice

__all__ = ["SoftBoundsPmaxDevice"]


@register_device
@dataclass(frozen=True, kw_only=True)
class SoftBoundsPmaxDevice(PulsedDeviceBase):
    """Soft bounds parameterised by the number of pulses p_max across [range_min, range_max].

    The inherited dw_min, w_min, w_max and up_down fields are ignored (see :meth:`effective`).
    """

    kind: str = "soft_bounds_pmax"
    """Tag selecting this device in YAML."""
    p_max: int = 1000
    """Number of up pulses from range_min to range_max."""
    alpha: float = 0.0005
    """Relative step at the lower bound."""
    range_min: float = -1.0
    """Lower end of the weight range."""
    range_max: float = 1.0
    """Upper end of the weight range."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(self, "alpha", "range_min", "range_max")
        check_bool(self, "mult_noise")
        check_int(self, "p_max", 1)
        if self.alpha <= 0:
            fail(self, "alpha", "> 0", self.alpha)
        if not self.range_min <= 0.0 < self.range_max:
            fail(self, "range_min/range_max", "range_min <= 0 < range_max", (self.range_min, self.range_max))

    def effective(self) -> SoftBoundsDevice:
        """The equivalent :class:`SoftBoundsDevice` (aihwkit's ``as_bindings`` conversion)."""
        span = (self.range_max - self.range_min) / (1.0 - math.exp(-self.p_max * self.alpha))
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(PulsedDeviceBase) if f.name != "kind"}
        values.update(w_min=self.range_min, w_max=self.range_min + span, dw_min=span * self.alpha,
                      up_down=1.0 + 2.0 * self.range_min / span, mult_noise=self.mult_noise)
        return SoftBoundsDevice(**values)

    def weight_granularity(self) -> float:
        return self.effective().weight_granularity()
