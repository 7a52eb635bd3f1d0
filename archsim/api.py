"""The Python API of a run (what every ``archsim`` command uses): see :mod:`archsim.pipeline`.

    from archsim.api import RunOptions, run
    state = run(RunOptions(hw_path="isaac-2016", workload_path="resnet18", batch=16, accuracy="off"))
    print(state.timing.makespan_ns, state.energy.total_pj)

Its names are those of :data:`archsim.pipeline.__all__` plus two constants of the run options.
"""

from archsim import pipeline
from archsim.pipeline import *  # noqa: F403 (the names listed once, in archsim.pipeline.__all__)
from archsim.pipeline.options import ACCURACY_BUDGET_S, MODES

__all__ = ["ACCURACY_BUDGET_S", "MODES", *pipeline.__all__]
