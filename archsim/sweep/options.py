"""The run options a sweep file can set (in ``options:`` or as an axis ``option:``), by the names of the flags.

Each :class:`RunOption` turns a YAML value into a field of :class:`~archsim.pipeline.RunOptions` (or of its
``training`` / ``gpu`` parts), so a sweep point is the :class:`RunOptions` that ``archsim run`` builds from the
same flags: ``batch: 16`` is ``--batch 16``, ``replicas: auto`` is ``--replicas auto``, ``accuracy: off`` is
``--no-accuracy``, ``gpu: none`` is ``--no-gpu``. :data:`RUN_OPTIONS` is the registry; a new option is one entry.
Values are checked by :meth:`RunOptions.check` with the flag's own message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from archsim.errors import ArchsimError, ConfigError
from archsim.mapping import parse_replicas
from archsim.pipeline.options import GpuOptions, RunOptions
from archsim.registry import Registry


@dataclass(frozen=True, kw_only=True)
class RunOption:
    """One option a sweep can set."""

    name: str
    """Name in the sweep file (the flag without dashes, ``-`` as ``_``)."""
    flag: str
    """The ``archsim run`` flag it corresponds to (for messages and docs)."""
    apply: Callable[[RunOptions, Any], RunOptions]
    """Returns the options with this one set to the (raw YAML) value."""
    read: Callable[[RunOptions], Any]
    """The current value, as it would be written in a sweep file."""


RUN_OPTIONS: Registry[RunOption] = Registry("run option")
"""Every option a sweep file can set."""


def _top(field: str, parse: Callable[[Any], Any] = lambda v: v) -> Callable[[RunOptions, Any], RunOptions]:
    return lambda o, v: dataclasses.replace(o, **{field: parse(v)})


def _training(field: str) -> Callable[[RunOptions, Any], RunOptions]:
    return lambda o, v: dataclasses.replace(o, training=dataclasses.replace(o.training, **{field: v}))


def _gpu_field(field: str) -> Callable[[RunOptions, Any], RunOptions]:
    def apply(o: RunOptions, v: Any) -> RunOptions:
        if o.gpu is None:
            raise ConfigError(f"{field}: there is no GPU baseline (gpu: none)", hint="drop gpu: none or this option")
        return dataclasses.replace(o, gpu=dataclasses.replace(o.gpu, **{field: v}))
    return apply


def _replicas(value: Any) -> Any:
    if value is None or isinstance(value, str):
        try:
            return parse_replicas(value)
        except ArchsimError as exc:
            raise ConfigError(exc.message.replace("--replicas: ", ""), hint=exc.hint) from None
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigError(f"expected none, auto or {{layer: n}}, got {value!r}")


def _accuracy(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return value  # checked by RunOptions.check (on, off, auto)


def _gpu(o: RunOptions, value: Any) -> RunOptions:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off")) or value is False:
        return dataclasses.replace(o, gpu=None)
    if not isinstance(value, str):
        raise ConfigError(f"expected a GPU name or none, got {value!r}")
    base = o.gpu if o.gpu is not None else GpuOptions()
    return dataclasses.replace(o, gpu=dataclasses.replace(base, name=value))


def _register(name: str, flag: str, apply: Callable[[RunOptions, Any], RunOptions],
              read: Callable[[RunOptions], Any]) -> None:
    RUN_OPTIONS.register(name, RunOption(name=name, flag=flag, apply=apply, read=read))


_register("mode", "--mode", _top("mode"), lambda o: o.mode)
_register("batch", "--batch", _top("batch"), lambda o: o.batch)
_register("pipeline", "--pipeline", _top("pipeline", lambda v: {"on": True, "off": False}.get(v, v)),
          lambda o: o.pipeline)
_register("update", "--update", _top("update"), lambda o: o.update)
_register("replicas", "--replicas", _top("replicas", _replicas), lambda o: o.replicas)
_register("placement", "--placement", _top("placement"), lambda o: o.placement)
_register("tile_budget", "--tile-budget", _top("tile_budget"), lambda o: o.tile_budget)
_register("bias", "--bias", _top("bias"), lambda o: o.bias)
_register("seed", "--seed", _top("seed"), lambda o: o.seed)
_register("accuracy", "--accuracy/--no-accuracy", _top("accuracy", _accuracy), lambda o: o.accuracy)
_register("stats", "--stats", _top("stats_path"), lambda o: None if o.stats_path is None else str(o.stats_path))
_register("epochs", "--epochs", _training("epochs"), lambda o: o.training.epochs)
_register("lr", "--lr", _training("lr"), lambda o: o.training.lr)
_register("train_batch", "--train-batch", _training("batch"), lambda o: o.training.batch)
_register("limit_train", "--limit-train", _training("limit_train"), lambda o: o.training.limit_train)
_register("limit_test", "--limit-test", _training("limit_test"), lambda o: o.training.limit_test)
_register("dataset", "--dataset", _training("dataset"), lambda o: o.training.dataset)
_register("weight_decay", "--weight-decay", _training("weight_decay"), lambda o: o.training.weight_decay)
_register("fp_baseline", "--no-fp", _training("fp_baseline"), lambda o: o.training.fp_baseline)
_register("rapa_scheme", "--rapa-scheme", _training("rapa_scheme"), lambda o: o.training.rapa_scheme)
_register("votes", "--votes", _training("votes"), lambda o: o.training.votes)
_register("gpu", "--gpu/--no-gpu", _gpu, lambda o: None if o.gpu is None else o.gpu.name)
_register("precision", "--precision", _gpu_field("precision"), lambda o: None if o.gpu is None else o.gpu.precision)
_register("gpu_batch", "--gpu-batch", _gpu_field("batch"), lambda o: None if o.gpu is None else o.gpu.batch)


def apply_options(options: RunOptions, values: Mapping[str, Any]) -> RunOptions:
    """``options`` with every ``name: value`` of ``values`` set (``gpu`` first, so ``precision`` applies to it).

    Raises:
        ConfigError: for an unknown option name or a value the option cannot take (message without location; the
            caller adds the sweep file and key).
    """
    ordered = sorted(values.items(), key=lambda kv: kv[0] != "gpu")
    for name, value in ordered:
        options = RUN_OPTIONS[name].apply(options, value)
    return options


__all__ = ["RUN_OPTIONS", "RunOption", "apply_options"]
