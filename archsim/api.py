"""The Python API of a run (what every ``archsim`` command uses): see :mod:`archsim.pipeline`.

    from archsim.api import RunOptions, run
    state = run(RunOptions(hw_path="isaac-2016", workload_path="resnet18", batch=16, accuracy="off"))
    print(state.timing.makespan_ns, state.energy.total_pj)
"""

from archsim.pipeline import (
    LOAD_STEPS,
    MAP_STEPS,
    POINT_STEPS,
    RUN_STEPS,
    TRAIN_STEPS,
    GpuOptions,
    RunOptions,
    RunState,
    TrainingOptions,
    default_steps,
    insert_step,
    run,
)
from archsim.pipeline.options import ACCURACY_BUDGET_S, MODES

__all__ = [
    "ACCURACY_BUDGET_S",
    "LOAD_STEPS",
    "MAP_STEPS",
    "MODES",
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
