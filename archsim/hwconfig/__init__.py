"""Hardware descriptions: the schema (:mod:`.schema`), crossbar numerics (:mod:`.rpu`), the strict YAML
loader (:mod:`.load`) and whole-config checks (:mod:`.checks`)."""

from archsim.hwconfig.load import build_dataclass, load_hardware, load_hardware_text, load_yaml_as
from archsim.hwconfig.schema import HardwareConfig

__all__ = ["HardwareConfig", "build_dataclass", "load_hardware", "load_hardware_text", "load_yaml_as"]
