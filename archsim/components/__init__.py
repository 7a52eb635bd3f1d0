"""Component cost models: a registry of named, documented models for every hardware part.

Each part of the hardware schema (ADC, DAC, crossbar, digital unit, buffer, router, link, off-chip interface)
either states its energy, latency, area and leakage explicitly (with a source comment in the YAML) or names a model
here in ``model:`` that computes them from the part's own parameters (:mod:`.base`). The resolution
(:mod:`archsim.hwconfig.resolve`) runs the models and records, for every resolved field, whether the value was
explicit or which model produced it.

Models (``MODELS.names()``): ``adc.survey`` (Murmann survey via hwcomponents-adc), ``adc.from_power``,
``dac.from_power``, ``dac.scaled``, ``crossbar.ohmic``, ``crossbar.from_power``, ``digital.from_power``,
``digital.scaled``, ``buffer.from_power``, ``memory.horowitz``, ``router.from_power``, ``link.wire``,
``offchip.from_power``, ``offchip.hbm2``, ``offchip.gddr5``, ``offchip.lpddr4``. Technology scaling:
:mod:`.scaling` (Stillmaker & Baas 2017).
"""

from archsim.components.adc import ADC_FROM_POWER, ADC_SURVEY
from archsim.components.base import CostModel, ModelContext, ModelInput, ModelRangeError, Param
from archsim.components.converters import DAC_FROM_POWER, DAC_SCALED
from archsim.components.crossbar import CROSSBAR_FROM_POWER, CROSSBAR_OHMIC
from archsim.components.digital import DIGITAL_FROM_POWER, DIGITAL_SCALED
from archsim.components.memory import BUFFER_FROM_POWER, MEMORY_HOROWITZ
from archsim.components.network import LINK_WIRE, OFFCHIP_FROM_POWER, OFFCHIP_MEMORIES, ROUTER_FROM_POWER
from archsim.registry import Registry

__all__ = ["MODELS", "CostModel", "ModelContext", "ModelInput", "ModelRangeError", "Param", "models_for"]

MODELS: Registry[CostModel] = Registry("component model")
"""Every component model by name."""

for _model in (ADC_SURVEY, ADC_FROM_POWER, DAC_FROM_POWER, DAC_SCALED, CROSSBAR_OHMIC, CROSSBAR_FROM_POWER,
               DIGITAL_FROM_POWER, DIGITAL_SCALED, BUFFER_FROM_POWER, MEMORY_HOROWITZ, ROUTER_FROM_POWER, LINK_WIRE,
               OFFCHIP_FROM_POWER, *OFFCHIP_MEMORIES):
    MODELS.register(_model.name, _model)


def models_for(part: str) -> list[str]:
    """Names of the registered models that serve schema part ``part``."""
    return [name for name, m in MODELS.items() if m.part == part]
