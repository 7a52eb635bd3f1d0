"""Inference accuracy of a deployed network.

**Deployment** (:func:`evaluate_inference_workload`) is what an inference chip does with a network:
train it in floating point (``FloatingPointTile``), then program the trained weights onto the
hardware's analog tiles and run the test set through them. After every floating-point epoch the
current weights (and biases, digital or on the analog bias row, and any learned output scale) are
copied with ``set_weights`` onto an analog copy of the same network — same mapping splits, same
structure — and evaluated with the analog forward pass of ``hw.crossbar.rpu``: DAC/ADC quantisation,
output noise, bound and noise management, and the devices' weight bounds (``set_weights`` clips each
weight to its device's bounds, device-to-device variation included). The per-epoch ``analog`` curves are therefore "accuracy if deployed after epoch k": the test
figures on the test set and the "train" figures on the training set, both in inference. The ``fp``
curves are exactly those of :func:`archsim.nn.train.train_workload` with ``fp_only`` for the
same seed (same data order and initial weights).

**Inference noise.** When the crossbar's ``rpu.inference``
(:class:`~archsim.hwconfig.algorithms.InferenceConfig`) is set, the analog copy is built from
:class:`~archsim.crossbar.inference_noise.InferenceTile` and every deployment is: copy the weights, ``program()`` every tile (PCM programming noise, drift exponents, drift-
compensation baseline), then ``drift(t)`` and evaluate for each t in ``t_inference_s``; this is repeated
``n_repeats`` times (independent programmings drawn from the tiles' seeded generators) and averaged. The
per-epoch ``analog`` curves use the first time only (test figures averaged over the repeats, train figures
from the first repeat); after the last epoch every time is evaluated, and the test accuracy per time
(mean and std over repeats) goes to ``extras`` (``drift_t<t>s_test_accuracy_mean``/``_std``) and to
``settings["drift"]`` (a table of rows ``{t_s, test_accuracy_mean, test_accuracy_std, test_loss_mean}``).

Every evaluation is an inference pass (:meth:`Network.logits <archsim.nn.network.Network.logits>`), which runs the
tiles in evaluation mode (``InferenceTile.eval()``): a hardware-aware-training weight modifier of the tiles is off
there unless its ``enable_during_test`` is set, as in aihwkit.

Assumptions: without ``rpu.inference`` programming is exact up to the device bounds and the weights do not
change over time. ``layer_stats`` hold the forward bound-management passes of the last deployment's
evaluations (train and test sets, all repeats and times); there is no backward pass and no update, so BL and
pulse figures are left at their defaults.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from archsim.datasets import Dataset
from archsim.errors import ConfigError
from archsim.nn.network import (
    Network,
    analog_tile_factory,
    build_network,
    fp_tile_factory,
    inference_tile_factory,
)
from archsim.nn.progress import ProgressBar
from archsim.nn.tile_array import MappingOptions
from archsim.nn.train import (
    SGD,
    LRSchedule,
    accuracy_result,
    evaluate,
    fit,
    layer_statistics,
    network_inputs,
    prepare_dataset,
    run_settings,
)
from archsim.results.accuracy import AccuracyResult, EpochCurves

if TYPE_CHECKING:
    from archsim.hwconfig import HardwareConfig
    from archsim.mapping import Mapping
    from archsim.workload import Workload



# ----------------------------------------------------------------------------------------------
# deployment


def copy_weights(source: Network, target: Network) -> None:
    """Program every analog layer of ``target`` with the weights, biases and output scales of ``source``.

    Both networks must come from :func:`build_network` with the same workload and layout (only the
    tile factory differs).
    """
    src, dst = source.analog_layers(), target.analog_layers()
    if [m.name for m in src] != [m.name for m in dst]:
        raise ConfigError("copy_weights: the two networks have different analog layers")
    for s_mod, d_mod in zip(src, dst):
        if len(s_mod.units) != len(d_mod.units):
            raise ConfigError(f"copy_weights: layer {s_mod.name} has {len(s_mod.units)} vs {len(d_mod.units)} units")
        for s_unit, d_unit in zip(s_mod.units, d_mod.units):
            w, b = s_unit.get_weights()
            d_unit.set_weights(w, b)
            if s_unit.out_scale is not None and d_unit.out_scale is not None:
                d_unit.out_scale[...] = s_unit.out_scale


def program_network(net: Network) -> None:
    """``program()`` every :class:`InferenceTile` of ``net`` (after :func:`copy_weights`)."""
    for module in net.analog_layers():
        for tile in module.tiles():
            tile.program()


def drift_network(net: Network, t_seconds: float) -> None:
    """``drift(t_seconds)`` every :class:`InferenceTile` of a programmed ``net``."""
    for module in net.analog_layers():
        for tile in module.tiles():
            tile.drift(t_seconds)


def _drift_key(t_s: float) -> str:
    return f"drift_t{t_s:g}s".replace("+", "")


def _reset_stats(net: Network) -> None:
    for module in net.analog_layers():
        for tile in module.tiles():
            if tile.stats is not None:
                tile.stats.reset()


def evaluate_inference_workload(
    hw: HardwareConfig,
    workload: Workload,
    *,
    dataset: str | Dataset | None = None,
    epochs: int | None = None,
    batch_size: int = 1,
    lr: float = 0.01,
    seed: int = 0,
    limit_train: int | None = None,
    limit_test: int | None = None,
    progress: bool = False,
    mapping: Mapping | None = None,
    use_mapping: bool = True,
    analog_bias: bool = True,
    options: MappingOptions | None = None,
    rpu_config: Any = None,
    weight_decay: float = 0.0,
    schedule: LRSchedule | None = None,
) -> AccuracyResult:
    """Train a workload in floating point, deploy it on the hardware's analog tiles after every epoch
    and evaluate it there (module docstring).

    Arguments are those of :func:`archsim.nn.train.train_workload` (``hw`` is required).

    Returns:
        An :class:`AccuracyResult` with ``fp`` (training curves) and ``analog`` (deployed inference
        curves), ``layer_stats`` of the last deployment and ``settings["kind"] == "inference"``.
    """
    if hw is None:
        raise ConfigError("deploy: an inference evaluation needs a hardware configuration")
    if epochs is None:
        epochs = workload.default_epochs
    if epochs < 1 or batch_size < 1:
        raise ConfigError(f"deploy: epochs and batch size must be >= 1, got {epochs} and {batch_size}")
    sgd = SGD(lr=lr, weight_decay=weight_decay, schedule=schedule or LRSchedule())
    data = prepare_dataset(workload, dataset, seed=seed, limit_train=limit_train, limit_test=limit_test)
    build = network_inputs(hw, workload, mapping=mapping, use_mapping=use_mapping, analog_bias=analog_bias,
                           options=options, seed=seed)
    rpu = rpu_config if rpu_config is not None else hw.crossbar.rpu
    inference = rpu.inference
    fp_net = build_network(workload, make_tile=fp_tile_factory, **build)
    make_tile = analog_tile_factory(rpu) if inference is None else inference_tile_factory(rpu, inference)
    analog_net = build_network(workload, make_tile=make_tile, **build)
    drift_rows: list[dict[str, float]] = []
    an_curves: dict[str, list[float]] = {k: [] for k in EpochCurves.__dataclass_fields__}
    n_batches = math.ceil(data.n_train / batch_size)
    bar = ProgressBar(epochs * n_batches, "fp", epochs) if progress else None

    def deploy(epoch: int, lr_e: float) -> None:
        """Program the epoch's floating-point weights onto the analog copy and evaluate it there."""
        nonlocal drift_rows
        if inference is None:
            copy_weights(fp_net, analog_net)
            _reset_stats(analog_net)
            a_tr_loss, a_tr_acc = evaluate(analog_net, data.x_train, data.y_train)
            a_te_loss, a_te_acc = evaluate(analog_net, data.x_test, data.y_test)
        else:
            times = inference.t_inference_s if epoch == epochs - 1 else inference.t_inference_s[:1]
            (a_tr_loss, a_tr_acc), table = _deploy_with_noise(fp_net, analog_net, data, times, inference.n_repeats)
            a_te_loss, a_te_acc = float(np.mean(table[0][1])), float(np.mean(table[0][0]))
            if epoch == epochs - 1:
                drift_rows = [{"t_s": t, "test_accuracy_mean": float(np.mean(accs)),
                               "test_accuracy_std": float(np.std(accs)),
                               "test_loss_mean": float(np.mean(losses))}
                              for t, (accs, losses) in zip(times, table)]
        for key, value in (("train_loss", a_tr_loss), ("train_accuracy", a_tr_acc),
                           ("test_loss", a_te_loss), ("test_accuracy", a_te_acc), ("lr", lr_e)):
            an_curves[key].append(float(value))
        if bar is not None:
            bar.note(analog_test=f"{a_te_acc:.3f}")

    try:
        fp_curves = fit(fp_net, data, epochs=epochs, batch_size=batch_size, sgd=sgd, seed=seed, progress=bar,
                        label="fp", after_epoch=deploy)
    finally:
        if bar is not None:
            bar.close()
    if inference is None:
        deployment = ("floating-point training, weights programmed exactly (clipped to the device bounds) "
                      "onto the analog tiles after every epoch; no programming noise or drift")
    else:
        deployment = ("floating-point training, weights programmed onto PCM-like conductance pairs after "
                      "every epoch (programming noise, drift, read noise; drift compensation "
                      f"{inference.drift_compensation.value}); analog curves at "
                      f"t = {inference.t_inference_s[0]:g} s, mean of {inference.n_repeats} programming(s); "
                      "drift table after the last epoch")
    extras: dict[str, float] = {}
    for row in drift_rows:
        extras[_drift_key(row["t_s"]) + "_test_accuracy_mean"] = row["test_accuracy_mean"]
        extras[_drift_key(row["t_s"]) + "_test_accuracy_std"] = row["test_accuracy_std"]
    settings: dict[str, Any] = {
        "kind": "inference",
        "deployment": deployment,
        "weight_decay": weight_decay,
        "schedule": (schedule or LRSchedule()).__dict__.copy(),
        **run_settings(build, analog_net),
    }
    if inference is not None:
        settings["inference"] = {"drift_compensation": inference.drift_compensation.value,
                                 "t_inference_s": list(inference.t_inference_s),
                                 "n_repeats": inference.n_repeats}
        settings["drift"] = drift_rows
    return accuracy_result(workload.name, hw.name, data, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                           analog=EpochCurves(**{k: tuple(v) for k, v in an_curves.items()}), fp=fp_curves,
                           layer_stats=layer_statistics(analog_net), extras=extras, settings=settings)


def _deploy_with_noise(
    fp_net: Network, analog_net: Network, data: Dataset, times: tuple[float, ...], n_repeats: int,
) -> tuple[tuple[float, float], list[tuple[list[float], list[float]]]]:
    """Program ``n_repeats`` times and evaluate at every time (module docstring).

    Returns (train loss, train accuracy) of the first repeat at the first time, and per time the lists of
    test accuracies and test losses over the repeats.
    """
    _reset_stats(analog_net)
    table: list[tuple[list[float], list[float]]] = [([], []) for _ in times]
    train = (float("nan"), float("nan"))
    for r in range(n_repeats):
        copy_weights(fp_net, analog_net)
        program_network(analog_net)
        for k, t in enumerate(times):
            drift_network(analog_net, t)
            if r == 0 and k == 0:
                loss, acc = evaluate(analog_net, data.x_train, data.y_train)
                train = (float(loss), float(acc))
            loss, acc = evaluate(analog_net, data.x_test, data.y_test)
            table[k][0].append(float(acc))
            table[k][1].append(float(loss))
    return train, table


# ----------------------------------------------------------------------------------------------
# cost of an accuracy run
