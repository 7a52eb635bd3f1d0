"""The archsim error tree.

Every error a user can cause (bad YAML, bad workload, a mapping that does not fit, bad data files, a
simulation that deadlocks) is an :class:`ArchsimError`. The CLI catches exactly this base class and prints
one line; anything else is a bug and propagates with its traceback.

Message template: *where* (file and YAML path, or scope and time), *what*,
*expected*, *got*, and an optional *hint*.
"""

from __future__ import annotations


class ArchsimError(Exception):
    """Base class of every error that archsim reports to users.

    Args:
        message: the one-line description: where, what, expected, got.
        hint: optional advice on how to fix the input.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class ConfigError(ArchsimError):
    """An invalid hardware configuration (YAML or Python)."""


class WorkloadError(ArchsimError):
    """An invalid workload description (unknown layer, shape mismatch, cycle, ...)."""


class MappingError(ArchsimError):
    """A workload that cannot be mapped onto the given hardware."""


class SimulationError(ArchsimError):
    """The event simulation failed (deadlock, inconsistent counts)."""


class DataError(ArchsimError):
    """An unreadable or invalid data file (dataset, result.json, statistics file)."""


class OutputError(ArchsimError):
    """An output (a run folder, a report file) that cannot be written: not a folder, no permission, a full disk."""


class ArchsimWarning(UserWarning):
    """Suspicious but legal input (for example ADC resolution below the crossbar's precision)."""
