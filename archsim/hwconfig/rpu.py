"""Numerics of one crossbar (RPU) tile: peripheral I/O, pulsed update, device model and algorithm.

These frozen dataclasses are archsim's equivalent of aihwkit's ``IOParameters``, ``UpdateParameters``, the
pulsed device configs and ``SingleRPUConfig`` (aihwkit 1.1.0: ``src/aihwkit/simulator/parameters/io.py``,
``training.py``, ``configs/configs.py``, ``presets/devices.py``; device models in :mod:`archsim.devices`). The
**defaults are aihwkit's Python defaults** (not the C++ struct defaults), so a user porting an aihwkit
configuration gets the same numerics. The functional core (``archsim.crossbar``) consumes an
:class:`RPUConfig`; the hardware loader builds one from the ``crossbar.rpu`` section of a hardware YAML.

Conventions shared with aihwkit:

* Converter resolutions (``inp_res``, ``out_res``): ``<= 0`` means off, a value ``> 1`` is a number of steps
  (replaced by ``1/value``), otherwise it is a fraction of the full range and the quantisation step in signal
  units is ``res * 2 * bound``. The update's probability resolutions (``res``, ``x_res_implicit``,
  ``d_res_implicit``) are used as given, as aihwkit's core does (``UpdateParameters.res``).
* Bounds ``<= 0`` mean unbounded.
* Modes are string enums with lowercase values (``noise_management: abs_max``).
* Device configs form a tagged union chosen by their ``kind`` field (``device: {kind: soft_bounds}``).

Aihwkit preset names (``ReRamSBPreset``, ``CapacitorPreset``, ...) are kept in :data:`PRESETS` as raw YAML-like
dicts; :meth:`RPUConfig.from_preset` builds one in Python, and the YAML loader accepts ``preset: NAME``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from archsim.devices import (
    ConstantStepDevice,
    DeviceConfig,
    ExpStepDevice,
    IdealDevice,
    LinearStepDevice,
    PiecewiseStepDevice,
    PowStepDevice,
    PowStepReferenceDevice,
    PulsedDeviceBase,
    SoftBoundsDevice,
    SoftBoundsPmaxDevice,
    SoftBoundsReferenceDevice,
)
from archsim.devices.base import fail
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    ALGORITHM_PRESETS,
    AlgorithmConfig,
    InferenceConfig,
    SGDConfig,
    compound_preset_raw,
)
from archsim.hwconfig.peripheral import (
    MAX_DESIRED_BL,
    PRESET_IO,
    PRESET_UPDATE,
    AnalogMVType,
    BoundManagementType,
    IOParameters,
    NoiseManagementType,
    PulseType,
    UpdateParameters,
    WeightNoiseType,
    resolution_fraction,
)
from archsim.loader import build_dataclass

__all__ = [
    "DEVICE_KINDS",
    "DEVICE_PRESETS",
    "PRESETS",
    "AnalogMVType",
    "BoundManagementType",
    "ConstantStepDevice",
    "DeviceConfig",
    "ExpStepDevice",
    "IOParameters",
    "IdealDevice",
    "MAX_DESIRED_BL",
    "LinearStepDevice",
    "NoiseManagementType",
    "PiecewiseStepDevice",
    "PowStepDevice",
    "PowStepReferenceDevice",
    "PulseType",
    "PulsedDeviceBase",
    "RPUConfig",
    "SoftBoundsDevice",
    "SoftBoundsPmaxDevice",
    "SoftBoundsReferenceDevice",
    "UpdateParameters",
    "WeightNoiseType",
    "resolution_fraction",
]


# --------------------------------------------------------------------------------------------- devices

#: The registered device models by ``kind`` (:attr:`archsim.devices.DeviceConfig.KINDS`).
DEVICE_KINDS = DeviceConfig.KINDS


# --------------------------------------------------------------------------------------------- presets

#: aihwkit's single-device presets (``src/aihwkit/simulator/presets/devices.py``, aihwkit 1.2.0, identical in 1.1.0)
#: as raw device dicts, by aihwkit's class name. Values are aihwkit's; fields not listed keep the model's defaults,
#: which are aihwkit's Python defaults too (e.g. EcRam's gamma_*_dtod 0.05).
DEVICE_PRESETS: dict[str, dict[str, Any]] = {
    "ReRamESPresetDevice": {
        "kind": "exp_step", "dw_min": 0.00135, "up_down": 0.259359, "w_max": 1.0, "w_min": -1.0,
        "a": -0.5, "b": -0.5, "gamma_up": 5.0, "gamma_down": 5.0, "A_up": -1.18445, "A_down": -0.081404,
        "dw_min_dtod": 0.2, "up_down_dtod": 0.05, "w_max_dtod": 0.3, "w_min_dtod": 0.3, "dw_min_std": 5.0,
        "write_noise_std": 75.0},
    "ReRamSBPresetDevice": {
        "kind": "soft_bounds_reference", "dw_min": 0.002, "up_down": 0.0, "w_max": 1.25, "w_min": -0.75,
        "mult_noise": False, "dw_min_dtod": 0.3, "up_down_dtod": 0.01, "w_max_dtod": 0.3 / 1.25,
        "w_min_dtod": 0.3 / 0.75, "dw_min_std": 3.75, "write_noise_std": 56.0},
    "CapacitorPresetDevice": {
        "kind": "linear_step", "dw_min": 0.005, "up_down": 0.0, "w_max": 1.0, "w_min": -1.0, "mult_noise": False,
        "gamma_up": 0.05, "gamma_down": 0.05, "dw_min_dtod": 0.1, "up_down_dtod": 0.06, "w_max_dtod": 0.07,
        "w_min_dtod": 0.07, "gamma_up_dtod": 0.01, "gamma_down_dtod": 0.01, "dw_min_std": 0.3,
        "write_noise_std": 0.0, "mean_bound_reference": True, "lifetime": 1e6, "lifetime_dtod": 0.3},
    "EcRamPresetDevice": {
        "kind": "linear_step", "dw_min": 0.002, "up_down": 0.0, "w_max": 1.1724, "w_min": -0.8276,
        "mult_noise": True, "gamma_up": 0.1153, "gamma_down": 0.5085, "dw_min_dtod": 0.1, "up_down_dtod": 0.01,
        "w_max_dtod": 0.05, "w_min_dtod": 0.05, "gamma_up_dtod": 0.05, "gamma_down_dtod": 0.05, "dw_min_std": 0.3,
        "write_noise_std": 0.0, "mean_bound_reference": True},
    "EcRamMOPresetDevice": {
        "kind": "linear_step", "dw_min": 0.00028214, "up_down": 0.0, "w_max": 1.1714, "w_min": -0.8286,
        "mult_noise": True, "gamma_up": 0.4152, "gamma_down": 0.7342, "dw_min_dtod": 0.1, "up_down_dtod": 0.01,
        "w_max_dtod": 0.05, "w_min_dtod": 0.05, "gamma_up_dtod": 0.05, "gamma_down_dtod": 0.05, "dw_min_std": 2.0,
        "write_noise_std": 0.0, "mean_bound_reference": True},
    "IdealizedPresetDevice": {
        "kind": "constant_step", "dw_min": 0.0002, "dw_min_dtod": 0.3, "dw_min_std": 0.3, "up_down": 0.0,
        "up_down_dtod": 0.0, "w_max": 1.0, "w_min": -1.0, "w_max_dtod": 0.3, "w_min_dtod": 0.3},
    "GokmenVlasovPresetDevice": {
        "kind": "constant_step", "dw_min": 0.0016, "dw_min_dtod": 0.3, "dw_min_std": 0.3, "up_down": 0.0,
        "up_down_dtod": 0.01, "w_max": 1.0, "w_min": -1.0, "w_max_dtod": 0.3, "w_min_dtod": 0.3},
    "PCMPresetDevice": {  # Nandakumar et al. 2020 (Front. Neurosci. 14:406), uni-directional: used in a pair
        "kind": "exp_step", "dw_min": 0.01, "up_down": 0.0, "w_max": 2.0, "w_min": 0.0, "a": -1.0, "b": 0.0,
        "gamma_up": 2.5, "gamma_down": 2.5, "A_up": -27.235, "A_down": -2.235, "dw_min_dtod": 0.2,
        "up_down_dtod": 0.05, "w_max_dtod": 0.1, "w_min_dtod": 0.0, "dw_min_std": 0.6, "dw_min_std_add": 0.042,
        "dw_min_std_slope": 0.108, "write_noise_std": 0.0, "reset": 0.01, "reset_dtod": 0.02},
}


def _preset(device: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An aihwkit preset with PresetIOParameters forward and backward and PresetUpdateParameters."""
    return {"device": copy.deepcopy(device), "forward": dict(PRESET_IO), "backward": dict(PRESET_IO),
            "update": dict(PRESET_UPDATE), **extra}


def _vector(device: dict[str, Any], n: int) -> dict[str, Any]:
    return _preset(device, algorithm={"kind": "vector", "n_devices": n, "update_policy": "single_random"})


_BASE = ("ReRamES", "ReRamSB", "Capacitor", "EcRam", "EcRamMO", "Idealized")

#: aihwkit preset names → raw YAML-like dicts of :class:`RPUConfig` fields (aihwkit 1.2.0
#: ``src/aihwkit/simulator/presets/configs.py`` and ``presets/inference.py``). "default" is plain ``RPUConfig()``.
#: The compound presets (TikiTaka*, TTv2*, ChoppedTTv2*, AGAD*, MixedPrecision*) are added below from
#: ``algorithms.ALGORITHM_PRESETS``. Parts of an aihwkit preset that belong to the network mapping rather than to
#: one tile's numerics (StandardHWATrainingPreset's weight scaling ω = 1 column-wise, learned output scales,
#: input-range learning, channel-wise remapping and weight clipping; FloatingPointPreset's unsplit layers) are not
#: part of an RPUConfig: set them on the network (``MappingOptions``) where archsim has them.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    **{f"{name}Preset": _preset(DEVICE_PRESETS[f"{name}PresetDevice"]) for name in (*_BASE, "GokmenVlasov")},
    **{f"{name}2Preset": _vector(DEVICE_PRESETS[f"{name}PresetDevice"], 2) for name in _BASE},
    **{f"{name}4Preset": _vector(DEVICE_PRESETS[f"{name}PresetDevice"], 4) for name in _BASE},
    # aihwkit PCMPreset: PCMPresetUnitCell, a OneSidedUnitCell of two PCMPresetDevice with refresh after every
    # mini-batch, refresh reads with PresetIOParameters and writes with PresetUpdateParameters(desired_bl=31)
    "PCMPreset": _preset(DEVICE_PRESETS["PCMPresetDevice"], algorithm={
        "kind": "one_sided", "refresh_every": 1, "units_in_mbatch": True, "refresh_forward": dict(PRESET_IO),
        "refresh_update": {**PRESET_UPDATE, "desired_bl": 31}}),
    # aihwkit FloatingPointPreset (a TorchInferenceRPUConfig): ideal forward (and backward, InferenceRPUConfig's
    # default), floating-point update, ideal device
    "FloatingPointPreset": {"device": {"kind": "ideal"}, "forward": {"is_perfect": True},
                            "backward": {"is_perfect": True}, "update": {"pulse_type": "none"}},
    # aihwkit StandardHWATrainingPreset (an InferenceRPUConfig, Rasch et al. 2023, Nat. Commun. 14:5282): 8-bit
    # converters (aihwkit writes 254 steps, i.e. a resolution of 1/254), no BM, constant NM at 1, PCM read noise 0.0175, IR drop 1, out_noise 0.04, out_bound
    # 10; ideal backward, floating-point update, ideal device; PCM-like inference noise, global drift compensation
    "StandardHWATrainingPreset": {
        "device": {"kind": "ideal"},
        "forward": {**PRESET_IO, "inp_res": 1.0 / 254, "out_res": 1.0 / 254, "bound_management": "none",
                    "noise_management": "constant", "nm_thres": 1.0, "w_noise": 0.0175, "w_noise_type": "pcm_read",
                    "ir_drop": 1.0, "out_noise": 0.04, "out_bound": 10.0},
        "backward": {"is_perfect": True}, "update": {"pulse_type": "none"},
        "inference": {"noise_model": {"kind": "pcm"}, "drift_compensation": "global"}},
}


# --------------------------------------------------------------------------------------------- RPUConfig


@dataclass(frozen=True, kw_only=True)
class RPUConfig:
    """Everything that sets the numerics of one crossbar tile (aihwkit ``SingleRPUConfig`` + ``algorithm``)."""

    device: DeviceConfig = field(default_factory=ConstantStepDevice)
    """Device model of the cross-points (tagged union by ``kind``)."""
    forward: IOParameters = field(default_factory=IOParameters)
    """Peripheral parameters of the forward MVM (y = W x)."""
    backward: IOParameters = field(default_factory=IOParameters)
    """Peripheral parameters of the backward MVM (z = Wᵀ d); bound management is forced off as in aihwkit."""
    update: UpdateParameters = field(default_factory=UpdateParameters)
    """Pulsed-update parameters."""
    algorithm: AlgorithmConfig = field(default_factory=SGDConfig)
    """Training algorithm (plain analog SGD or a compound, see hwconfig/algorithms.py)."""
    inference: InferenceConfig | None = None
    """Inference-time noise of the programmed weights (PCM-like programming/read noise, drift, drift
    compensation, evaluation times; :class:`~archsim.hwconfig.algorithms.InferenceConfig`). None: weights are
    programmed exactly (clipped to the device bounds) and do not change over time."""

    def __post_init__(self) -> None:
        if not isinstance(self.device, DeviceConfig):
            fail(self, "device", "a device config (" + ", ".join(DEVICE_KINDS) + ")", type(self.device).__name__)
        for name, cls in (("forward", IOParameters), ("backward", IOParameters), ("update", UpdateParameters)):
            if not isinstance(getattr(self, name), cls):
                fail(self, name, cls.__name__, type(getattr(self, name)).__name__)
        if self.inference is not None and not isinstance(self.inference, InferenceConfig):
            fail(self, "inference", "an InferenceConfig or null", type(self.inference).__name__)

    @staticmethod
    def preset_names() -> list[str]:
        """The names accepted by :meth:`from_preset` (and by ``preset:`` in YAML)."""
        return sorted(PRESETS)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> RPUConfig:
        """Build a preset, with field overrides deep-merged over it.

        Overrides are raw values (dicts, strings for enums) or config instances, e.g.
        ``RPUConfig.from_preset("ReRamSBPreset", forward={"out_noise": 0.0})``.
        """
        if name not in PRESETS:
            import difflib

            close = difflib.get_close_matches(name, list(PRESETS), n=1)
            raise ConfigError(f"rpu preset: unknown name {name!r}",
                              hint=(f"did you mean {close[0]!r}? " if close else "") + "valid: " + ", ".join(sorted(PRESETS)))
        raw = copy.deepcopy(PRESETS[name])
        for key, value in overrides.items():
            if dataclasses.is_dataclass(value):
                raw[key] = value
            elif isinstance(value, dict) and isinstance(raw.get(key), dict):
                merged = dict(raw[key])
                if "kind" in value and value["kind"] != merged.get("kind"):
                    merged = {}
                merged.update(value)
                raw[key] = merged
            else:
                raw[key] = value
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RPUConfig:
        """Build from a raw YAML-like dict (nested dicts, enum strings, ``kind`` tags), through the project's one
        strict loader (:func:`archsim.loader.build_dataclass`): the same checks and messages as a hardware file."""
        return build_dataclass(raw, cls, "RPUConfig")


PRESETS.update({
    name: compound_preset_raw(name, PRESETS)
    for name, entry in ALGORITHM_PRESETS.items()
    if entry["device_preset"] in PRESETS
})
