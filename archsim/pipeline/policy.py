"""When a default run includes its accuracy step: a fixed, deterministic estimate of the step's wall time.

``archsim run`` trains (or evaluates) the network on the simulated tiles only when the estimate is within the
budget (:data:`~archsim.pipeline.options.ACCURACY_BUDGET_S`), so a default run never silently spends an hour.
Seconds per sample = overhead + MACs × time per MAC for each kind of pass, with constants measured on the
project's 2-core machine with the bundled workloads (analog training about 3·10⁸ MAC/s, floating-point training
about 10⁹ MAC/s); it is a rough guide (within about 2× for the bundled workloads), not a promise. The decision
depends only on the workload, the dataset sizes and the options, so the same run always decides the same way.
"""

from __future__ import annotations

from archsim.datasets import Dataset, known_sizes
from archsim.hwconfig.algorithms import InferenceConfig
from archsim.nn.train import prepare_dataset
from archsim.workload.model import Workload

COST_ANALOG_TRAIN = (3e-4, 1 / 3e8)
"""Seconds per sample (fixed overhead, seconds per analog MAC) of analog training."""
COST_ANALOG_EVAL = (1e-4, 1 / 1e9)
"""Seconds per sample of an analog forward pass (test)."""
COST_FP_TRAIN = (1e-4, 1 / 1e9)
"""Seconds per sample of floating-point training."""
COST_FP_EVAL = (3e-5, 1 / 3e9)
"""Seconds per sample of a floating-point forward pass."""


def dataset_sizes(workload: Workload, dataset: str | None = None, *, seed: int = 0,
                  limit_train: int | None = None, limit_test: int | None = None) -> tuple[int, int, Dataset | None]:
    """``(training samples, test samples, the loaded Dataset or None)`` of an accuracy run.

    Data whose size the source knows without loading (``synthetic``: a 224×224 set is large) is not generated
    (:func:`archsim.datasets.known_sizes`); every other dataset is loaded and returned, so the run does not load
    it twice.
    """
    spec = dataset or workload.dataset
    sizes = known_sizes(spec, task=workload.task)
    if sizes is not None:
        n_train, n_test = sizes
        if limit_train is not None:
            n_train = min(n_train, limit_train)
        if limit_test is not None:
            n_test = min(n_test, limit_test)
        return n_train, n_test, None
    data = prepare_dataset(workload, spec, seed=seed, limit_train=limit_train, limit_test=limit_test)
    return data.n_train, data.n_test, data


def _seconds(cost: tuple[float, float], macs: float) -> float:
    return cost[0] + cost[1] * macs


def estimate_accuracy_seconds(workload: Workload, *, mode: str, epochs: int, n_train: int, n_test: int,
                              inference: InferenceConfig | None = None) -> float:
    """Estimated wall time (s) of the accuracy step.

    ``mode`` ``training``: analog training plus the floating-point twin, both tested every epoch; ``inference``:
    floating-point training, then the deployed network evaluated on the training and test sets every epoch; with
    an ``inference`` config (``rpu.inference``) the test set is evaluated ``n_repeats`` times per epoch and
    ``n_repeats`` times per further drift time after the last epoch.
    """
    macs = float(sum(layer.macs_per_sample for layer in workload.analog_layers))
    if mode == "training":
        per_epoch = (n_train * (_seconds(COST_ANALOG_TRAIN, macs) + _seconds(COST_FP_TRAIN, macs))
                     + n_test * (_seconds(COST_ANALOG_EVAL, macs) + _seconds(COST_FP_EVAL, macs)))
    else:
        per_epoch = (n_train * _seconds(COST_FP_TRAIN, macs) + n_test * _seconds(COST_FP_EVAL, macs)
                     + (n_train + n_test) * _seconds(COST_ANALOG_EVAL, macs))
    extra_tests = 0
    if mode != "training" and inference is not None:
        extra_tests = (epochs * (inference.n_repeats - 1)
                       + (len(inference.t_inference_s) - 1) * inference.n_repeats)
    return epochs * per_epoch + extra_tests * n_test * _seconds(COST_ANALOG_EVAL, macs)
