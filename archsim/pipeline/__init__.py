"""The one run path of archsim: options -> steps -> state -> result.json.

Every command builds a :class:`RunOptions` and calls :func:`run` with its own list of steps
(:mod:`archsim.pipeline.run`); the steps themselves are in :mod:`archsim.pipeline.steps`, the speed-up study's
extra steps in :mod:`archsim.pipeline.speedup`.
"""

from archsim.pipeline.options import GpuOptions, RunOptions, TrainingOptions
from archsim.pipeline.run import (
    LOAD_STEPS,
    MAP_STEPS,
    POINT_STEPS,
    RUN_STEPS,
    TRAIN_STEPS,
    default_steps,
    insert_step,
    run,
)
from archsim.pipeline.state import RunState

__all__ = [
    "LOAD_STEPS",
    "MAP_STEPS",
    "POINT_STEPS",
    "RUN_STEPS",
    "TRAIN_STEPS",
    "GpuOptions",
    "RunOptions",
    "RunState",
    "TrainingOptions",
    "default_steps",
    "insert_step",
    "run",
]
