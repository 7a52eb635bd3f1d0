"""Hardware descriptions: the schema (:mod:`.schema`), crossbar numerics (:mod:`.rpu`), loading (:mod:`.load`)
and whole-config checks (:mod:`.checks`)."""

from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.hwconfig.schema import HardwareConfig

__all__ = ["HardwareConfig", "load_hardware", "load_hardware_text"]
