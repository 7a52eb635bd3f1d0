"""Training and evaluation of whole networks on simulated analog tiles, with a floating-point baseline.

:func:`train_workload` is the accuracy step of archsim: it builds the workload's network on the
hardware's crossbar tiles (``hw.crossbar.rpu``, split as the Mapping says), trains it with SGD on a
dataset for some epochs, evaluates it after every epoch, optionally trains the same network in
floating point (same data order, initial weights and seed) and returns an
:class:`~archsim.results.accuracy.AccuracyResult` with the per-layer statistics the event engine needs.

SGD (:class:`SGD`): ``W ← W − η_e (∇L + λ W)`` per mini-batch, with the mean loss over the batch;
η_e follows an :class:`LRSchedule` (constant, step decay every ``step_epochs`` by ``gamma``, or
exponential ``gamma^epoch``) after an optional warm-up at ``warmup_factor·η`` (RAPA used 1–5 epochs at
η/20). Mini-batch 1 reproduces the papers' per-sample training.

Evaluation runs the analog forward pass with all its noise (aihwkit's CPU tiles are noisy in eval
mode too). With RAPA layers and ``voting_draws = k > 1`` the test set is also evaluated k times
with new random patch assignments and a majority vote (``extras["test_accuracy_voting"]``).

Determinism: one ``numpy.random.Generator`` per run seeded with ``seed`` draws the data order; the
network's weights, tile seeds and patch assignments come from generators seeded from ``seed`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from archsim.datasets import Dataset, load_dataset
from archsim.errors import ConfigError, DataError
from archsim.nn import fused as fused_training
from archsim.nn.loss import softmax, softmax_cross_entropy
from archsim.nn.network import Network, analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.progress import ProgressBar
from archsim.nn.threads import network_threads
from archsim.nn.tile_array import MappingOptions
from archsim.results.accuracy import AccuracyResult, EpochCurves
from archsim.results.stats import LayerStats

if TYPE_CHECKING:
    from archsim.hwconfig import HardwareConfig
    from archsim.mapping import Mapping
    from archsim.workload import Workload


@dataclass(frozen=True, kw_only=True)
class LRSchedule:
    """Learning-rate schedule over epochs (module docstring)."""

    kind: str = "constant"
    """``constant``, ``step`` or ``exponential``."""
    step_epochs: int = 1
    """Epochs between decays of the ``step`` schedule."""
    gamma: float = 0.1
    """Decay factor (per step, or per epoch for ``exponential``)."""
    warmup_epochs: int = 0
    """Epochs at ``warmup_factor × lr`` before the schedule starts."""
    warmup_factor: float = 0.05
    """Learning-rate factor during warm-up (RAPA: 1/20)."""

    def __post_init__(self) -> None:
        if self.kind not in ("constant", "step", "exponential"):
            raise ConfigError(
                f"lr schedule: unknown kind {self.kind!r}", hint="valid: constant, step, exponential"
            )
        if self.step_epochs < 1 or self.gamma <= 0 or self.warmup_epochs < 0 or self.warmup_factor <= 0:
            raise ConfigError(
                "lr schedule: expected step_epochs >= 1, gamma > 0, warmup_epochs >= 0, "
                f"warmup_factor > 0; got {self}"
            )

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """Learning rate of ``epoch`` (0-based)."""
        if epoch < self.warmup_epochs:
            return base_lr * self.warmup_factor
        e = epoch - self.warmup_epochs
        if self.kind == "step":
            return base_lr * self.gamma ** (e // self.step_epochs)
        if self.kind == "exponential":
            return base_lr * self.gamma**e
        return base_lr


@dataclass(frozen=True, kw_only=True)
class SGD:
    """Plain SGD with weight decay and a schedule."""

    lr: float = 0.01
    """Base learning rate η."""
    weight_decay: float = 0.0
    """L2 weight decay λ (gradient term λW)."""
    schedule: LRSchedule = LRSchedule()
    """Learning-rate schedule."""

    def __post_init__(self) -> None:
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"SGD: learning rate must be a positive number, got {self.lr}")
        if self.weight_decay < 0:
            raise ConfigError(f"SGD: weight decay must be >= 0, got {self.weight_decay}")


# ----------------------------------------------------------------------------------------------
# loops

#: progress callback: (model label, epoch, batch index, n batches, running loss, running accuracy)
Progress = Callable[[str, int, int, int, float, float], None]


def _n_labels(y: np.ndarray) -> int:
    return int(y.size)


def train_epoch(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    lr: float,
    weight_decay: float,
    rng: np.random.Generator,
    progress: Any = None,
    fused: bool = True,
) -> tuple[float, float]:
    """One epoch of SGD in a random order; returns (mean loss, accuracy) measured while training.

    BLAS runs single-threaded meanwhile (:mod:`archsim.nn.threads`: the cores go to Numba's kernels). With
    ``fused`` (default) a chain network that :func:`archsim.nn.fused.supports` trains in one compiled loop per
    chunk of mini-batches, with the same results (``progress`` is then called once per chunk).
    """
    with network_threads():
        if fused and fused_training.supports(net, batch_size=batch_size, weight_decay=weight_decay, x=x, y=y):
            return fused_training.train_epoch(net, x, y, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                              rng=rng, progress=progress)
        n = x.shape[0]
        order = rng.permutation(n)
        total_loss, correct, seen, labels = 0.0, 0, 0, 0
        n_batches = math.ceil(n / batch_size)
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            yb = y[idx]
            loss, ok = net.train_batch(x[idx], yb, lr, weight_decay)
            if not math.isfinite(loss):
                raise DataError(
                    f"training diverged: loss {loss} at batch {b}",
                    hint="lower the learning rate or check the hardware's weight range",
                )
            total_loss += loss * len(idx)
            seen += len(idx)
            correct += ok
            labels += _n_labels(yb)
            if progress is not None:
                progress(b + 1, n_batches, total_loss / seen, correct / labels)
        return total_loss / seen, correct / labels


def evaluate(net: Network, x: np.ndarray, y: np.ndarray, *, batch_size: int = 256) -> tuple[float, float]:
    """Mean loss and accuracy on (x, y) with inference forward passes."""
    with network_threads():
        logits = net.logits(x, batch_size)
    loss, _, pred = softmax_cross_entropy(logits, y)
    return loss, float((pred == y).sum()) / _n_labels(y)


def evaluate_voting(
    net: Network, x: np.ndarray, y: np.ndarray, *, draws: int, batch_size: int = 256
) -> float:
    """Accuracy of a majority vote over ``draws`` inference passes (new RAPA assignments each time)."""
    from archsim.nn.rapa import majority_vote

    all_logits = np.stack([net.logits(x, batch_size) for _ in range(draws)])
    preds = all_logits.argmax(axis=-1)
    k = all_logits.shape[-1]
    flat_preds = preds.reshape(draws, -1)
    scores = softmax(all_logits.astype(np.float64)).reshape(draws, -1, k)
    voted = majority_vote(flat_preds, k, scores)
    return float((voted == y.reshape(-1)).sum()) / _n_labels(y)


#: called after every epoch with (epoch, learning rate, the epoch's curve values so far)
AfterEpoch = Callable[[int, float], None]


def fit(
    net: Network,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    sgd: SGD,
    seed: int,
    progress: Progress | None = None,
    label: str = "analog",
    after_epoch: AfterEpoch | None = None,
) -> EpochCurves:
    """The epoch loop: train ``net`` for ``epochs`` epochs in a seeded random order, testing after each.

    ``after_epoch(epoch, lr)`` runs after each epoch's test (deployment evaluates the analog copy there). The
    data order depends only on ``seed``, so two networks fitted with the same seed see the same batches.
    """
    rng = np.random.default_rng(seed)
    curves: dict[str, list[float]] = {k: [] for k in EpochCurves.__dataclass_fields__}
    for epoch in range(epochs):
        lr = sgd.schedule.lr_at(sgd.lr, epoch)
        cb = None if progress is None else (lambda b, nb, l, a, e=epoch: progress(label, e, b, nb, l, a))
        tr_loss, tr_acc = train_epoch(
            net,
            data.x_train,
            data.y_train,
            batch_size=batch_size,
            lr=lr,
            weight_decay=sgd.weight_decay,
            rng=rng,
            progress=cb,
        )
        te_loss, te_acc = evaluate(net, data.x_test, data.y_test)
        for key, value in (
            ("train_loss", tr_loss),
            ("train_accuracy", tr_acc),
            ("test_loss", te_loss),
            ("test_accuracy", te_acc),
            ("lr", lr),
        ):
            curves[key].append(float(value))
        if after_epoch is not None:
            after_epoch(epoch, lr)
    return EpochCurves(**{k: tuple(v) for k, v in curves.items()})


# ----------------------------------------------------------------------------------------------
# statistics


def layer_statistics(net: Network) -> dict[str, LayerStats]:
    """Aggregate the :class:`~archsim.crossbar.TileStats` of every analog layer's tiles into LayerStats.

    BM passes are averaged per vector over all tiles of the layer (replicas and blocks), BL histograms
    summed over tiles, pulses per device per update averaged over all (device, update vector) pairs.
    Transfer reads/writes per training sample are the mean over the layer's tiles (tiles transfer in
    parallel), None when the algorithm made no transfers. "Per sample" is per input sample of the network
    (:attr:`Network.samples_trained`), the engine's meaning: a conv layer's reads per sample cover all its
    patches (:meth:`archsim.crossbar.tile.TileStats.to_layer_stats` takes the same sample count).
    """
    out: dict[str, LayerStats] = {}
    samples = net.samples_trained
    for module in net.analog_layers():
        tiles = [t.stats for t in module.tiles() if t.stats is not None]
        if not tiles:
            continue
        fv = sum(s.forward_vectors for s in tiles)
        bv = sum(s.backward_vectors for s in tiles)
        fp_ = sum(s.forward_bm_passes for s in tiles)
        bp = sum(s.backward_bm_passes for s in tiles)
        device_updates = sum(s.n_devices * s.update_vectors for s in tiles)
        pulses = sum(s.pulses for s in tiles)
        hist: dict[int, int] = {}
        for s in tiles:
            for bl, count in s.bl_histogram.items():
                hist[int(bl)] = hist.get(int(bl), 0) + int(count)
        n_hist = sum(hist.values())
        transfers = sum(s.transfers for s in tiles)
        reads = writes = None
        if transfers and samples:
            reads = sum(s.transfer_reads for s in tiles) / len(tiles) / samples
            writes = sum(s.transfer_writes for s in tiles) / len(tiles) / samples
        out[module.name] = LayerStats(
            layer=module.name,
            mean_bm_passes_forward=max(fp_ / fv, 1.0) if fv else 1.0,
            mean_bm_passes_backward=max(bp / bv, 1.0) if bv else 1.0,
            mean_bl=(sum(k * v for k, v in hist.items()) / n_hist) if n_hist else None,
            bl_histogram=dict(sorted(hist.items())),
            mean_pulses_per_device_per_update=pulses / device_updates if device_updates else 0.0,
            transfer_reads_per_sample=reads,
            transfer_writes_per_sample=writes,
        )
    return out


# ----------------------------------------------------------------------------------------------
# the accuracy step


def tile_geometry(hw: HardwareConfig | None) -> tuple[int, int]:
    """Crossbar rows and columns of ``hw`` (512 × 512, aihwkit's default tile, for a floating-point-only run)."""
    if hw is None:
        return 512, 512
    return int(hw.tile.n_rows), int(hw.tile.n_cols)


def prepare_dataset(
    workload: Workload,
    dataset: str | Dataset | None = None,
    *,
    seed: int = 0,
    limit_train: int | None = None,
    limit_test: int | None = None,
) -> Dataset:
    """The dataset of an accuracy run: ``dataset`` (a spec or a loaded :class:`Dataset`; None = the
    workload's ``dataset``) fitted to the workload's input shape, limited to the first N samples."""
    if isinstance(dataset, Dataset):
        data = dataset
    else:
        data = load_dataset(dataset or workload.dataset, input_shape=tuple(workload.input_shape),
                            n_classes=int(workload.n_classes), task=workload.task, seed=seed)
    return data.limited(limit_train, limit_test)


def default_mapping(hw: HardwareConfig, workload: Workload, replicas: Any = None, *,
                    analog_bias: bool = True) -> Mapping:
    """The Mapping ``archsim run`` makes for ``workload`` on ``hw`` (greedy placement; by default the bias on a
    crossbar row, as ``RunOptions.analog_bias``), so that ``train`` and ``run`` build the same network for the
    same chip."""
    from archsim.mapping import map_workload

    return map_workload(hw, workload, replicas=replicas, analog_bias=analog_bias)


def network_inputs(hw: HardwareConfig | None, workload: Workload, *, mapping: Mapping | None = None,
                   use_mapping: bool = True, replicas: Any = None, analog_bias: bool = True,
                   options: MappingOptions | None = None, seed: int = 0, rapa_scheme: str = "random",
                   identical_replicas: bool = False) -> dict[str, Any]:
    """The keyword arguments of :func:`~archsim.nn.network.build_network` for ``workload`` on ``hw`` (all but
    ``make_tile``): the given Mapping, else the one ``archsim run`` makes (:func:`default_mapping`) when
    ``use_mapping``, else splits by the crossbar size with the bias placement ``analog_bias``. Training and
    deployment build their networks from this, so ``train`` and ``run`` give the same network for one chip."""
    if mapping is None and use_mapping and hw is not None:
        mapping = default_mapping(hw, workload, replicas, analog_bias=analog_bias)
    rows, cols = tile_geometry(hw)
    return {"seed": seed, "tile_rows": rows, "tile_cols": cols, "mapping": mapping, "analog_bias": analog_bias,
            "options": options, "replicas": replicas if isinstance(replicas, dict) else None,
            "rapa_scheme": rapa_scheme, "identical_replicas": identical_replicas}


def accuracy_result(
    workload: str,
    hardware: str,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    analog: EpochCurves | None,
    fp: EpochCurves | None,
    layer_stats: dict[str, LayerStats],
    extras: dict[str, float],
    settings: dict[str, Any],
) -> AccuracyResult:
    """The ``accuracy`` section of a run of ``workload`` on ``hardware`` over ``data`` (its name, task and sample
    counts), trained (or deployed) with the given loop settings."""
    return AccuracyResult(workload=workload, hardware=hardware, dataset=data.name, task=data.task,
                          n_train=data.n_train, n_test=data.n_test, epochs=epochs, batch_size=batch_size, lr=lr,
                          seed=seed, analog=analog, fp=fp, layer_stats=layer_stats, extras=extras, settings=settings)


def run_settings(build: dict[str, Any], net: Network) -> dict[str, Any]:
    """What ``accuracy.settings`` records of how a network was built: whether a Mapping was used, the digital
    periphery options and, per analog layer with a bias, where the bias actually sits (``analog``/``digital``)."""
    options = build["options"] or MappingOptions()
    return {"mapping": build["mapping"] is not None, "options": asdict(options), "bias": net.bias_placement()}


def train_workload(
    hw: HardwareConfig | None,
    workload: Workload,
    *,
    dataset: str | Dataset | None = None,
    epochs: int | None = None,
    batch_size: int = 1,
    lr: float = 0.01,
    seed: int = 0,
    fp_baseline: bool = False,
    limit_train: int | None = None,
    limit_test: int | None = None,
    progress: bool = False,
    fp_only: bool = False,
    mapping: Mapping | None = None,
    use_mapping: bool = True,
    replicas: Any = None,
    analog_bias: bool = True,
    rapa_scheme: str = "random",
    voting_draws: int = 1,
    options: MappingOptions | None = None,
    rpu_config: Any = None,
    weight_decay: float = 0.0,
    schedule: LRSchedule | None = None,
    reduce_rapa: str | None = None,
    identical_replicas: bool = False,
) -> AccuracyResult:
    """Train a workload on the hardware's analog tiles (and optionally in floating point).

    Args:
        hw: a :class:`archsim.hwconfig.HardwareConfig` (``crossbar.rpu`` and ``tile.n_rows/n_cols`` are
            used), or None for a floating-point-only run.
        workload: a :class:`archsim.workload.Workload`.
        dataset: ``digits`` | ``synthetic`` | ``idx:PATH`` | ``text`` | ``text:PATH`` or a loaded
            :class:`Dataset`; None uses the workload's ``dataset``.
        epochs: epochs (None = the workload's ``default_epochs``).
        batch_size, lr, seed: SGD mini-batch size, base learning rate and the run seed.
        fp_baseline: also train the floating-point network (same data order, weights and seed).
        limit_train, limit_test: use only the first N training / test samples of the split.
        progress: show a tqdm bar on stderr.
        fp_only: train only the floating-point network (``analog`` is None in the result).
        mapping: a precomputed Mapping (its splits, bias placement and replicas are used); None computes the
            one ``archsim run`` makes (:func:`default_mapping`) when ``use_mapping``, else splits by the tile size
            with the bias placement ``analog_bias``.
        replicas: RAPA replicas (``"auto"``, or {conv layer: n_t}); passed to the mapping.
        rapa_scheme: tiling scheme of replicated conv layers; ``voting_draws`` > 1 adds a
            majority-vote evaluation; ``reduce_rapa`` (``norm``/``first``) also evaluates the
            network reduced to one kernel per layer.
        options: digital periphery (weight/output scaling); ``rpu_config`` overrides ``hw.crossbar.rpu``;
            ``weight_decay`` and ``schedule`` configure SGD.
        identical_replicas: start the replicas of a RAPA layer from the same weights.

    Returns:
        The :class:`AccuracyResult` (curves, ``layer_stats`` of the analog run, extras, settings).
    """
    if epochs is None:
        epochs = workload.default_epochs
    if epochs < 1 or batch_size < 1:
        raise ConfigError(f"train: epochs and batch size must be >= 1, got {epochs} and {batch_size}")
    sgd = SGD(lr=lr, weight_decay=weight_decay, schedule=schedule or LRSchedule())
    if voting_draws < 1:
        raise ConfigError(f"train: voting draws must be >= 1, got {voting_draws}")
    data = prepare_dataset(workload, dataset, seed=seed, limit_train=limit_train, limit_test=limit_test)
    if fp_only and not fp_baseline:
        fp_baseline = True
    if hw is None and not fp_only:
        raise ConfigError(
            "train: an analog run needs a hardware configuration", hint="pass hw or use fp_only"
        )
    build = network_inputs(hw, workload, mapping=mapping, use_mapping=use_mapping, replicas=replicas,
                           analog_bias=analog_bias, options=options, seed=seed, rapa_scheme=rapa_scheme,
                           identical_replicas=identical_replicas)
    rpu = rpu_config if rpu_config is not None else (hw.crossbar.rpu if hw is not None else None)

    runs: list[tuple[str, Any]] = []
    if not fp_only:
        runs.append(("analog", analog_tile_factory(rpu)))
    if fp_baseline:
        runs.append(("fp", fp_tile_factory))
    n_batches = math.ceil(data.n_train / batch_size)
    curves: dict[str, EpochCurves] = {}
    extras: dict[str, float] = {}
    stats: dict[str, LayerStats] = {}
    built: dict[str, Any] = {}
    for label, factory in runs:
        net = build_network(workload, make_tile=factory, **build)
        bar = ProgressBar(epochs * n_batches, label, epochs) if progress else None
        try:
            curves[label] = fit(
                net, data, epochs=epochs, batch_size=batch_size, sgd=sgd, seed=seed, progress=bar, label=label
            )
        finally:
            if bar is not None:
                bar.close()
        extras.update(
            {f"{label}_{k}": v for k, v in _rapa_extras(net, data, voting_draws, reduce_rapa).items()}
        )
        if label == "analog":
            stats = layer_statistics(net)
        built = run_settings(build, net)
    settings = {
        "rapa_scheme": rapa_scheme,
        "voting_draws": voting_draws,
        "weight_decay": weight_decay,
        "schedule": asdict(schedule or LRSchedule()),
        "replicas": replicas if not isinstance(replicas, dict) else dict(sorted(replicas.items())),
        **built,
    }
    return accuracy_result(workload.name, hw.name if hw is not None else "fp", data, epochs=epochs,
                           batch_size=batch_size, lr=lr, seed=seed, analog=curves.get("analog"), fp=curves.get("fp"),
                           layer_stats=stats, extras=extras, settings=settings)


def _rapa_extras(net: Network, data: Dataset, voting_draws: int, reduce: str | None) -> dict[str, float]:
    """Voting accuracy, filter similarity and reduced-network accuracy of RAPA layers."""
    from archsim.nn.rapa import RapaConv2d

    rapa = [m for m in net.modules() if isinstance(m, RapaConv2d)]
    if not rapa:
        return {}
    extras: dict[str, float] = {}
    if voting_draws > 1:
        extras["test_accuracy_voting"] = evaluate_voting(net, data.x_test, data.y_test, draws=voting_draws)
    for m in rapa:
        if len(m.units) > 1:
            extras[f"filter_similarity.{m.name}"] = m.similarity()
    if reduce:
        for m in rapa:
            m.reduce(reduce)
        extras[f"test_accuracy_reduced_{reduce}"] = evaluate(net, data.x_test, data.y_test)[1]
    return extras
