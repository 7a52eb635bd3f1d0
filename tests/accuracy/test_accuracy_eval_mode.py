"""Evaluation mode of networks on tiles with a training and an evaluation mode (InferenceTile): every inference
pass (Network.logits, evaluate, deployment) runs the tiles in eval(), where hardware-aware-training weight modifiers
are off, and the next training pass turns them back on."""

from __future__ import annotations

import numpy as np
from conftest import mlp

from archsim.crossbar.inference_noise import InferenceTile
from archsim.hwconfig.algorithms import InferenceConfig, WeightModifierConfig
from archsim.hwconfig.rpu import RPUConfig
from archsim.nn.deploy import copy_weights, drift_network, program_network
from archsim.nn.network import build_network, fp_tile_factory, inference_tile_factory
from archsim.nn.train import evaluate

#: Ideal converters (no noise, no quantisation), so that outputs are exact products.
PERFECT = RPUConfig.from_dict({"device": {"kind": "ideal"}, "forward": {"is_perfect": True},
                               "backward": {"is_perfect": True}})
#: Drops every weight: a tile in training mode computes 0.
DROP_ALL = WeightModifierConfig(type="drop_connect", pdrop=1.0)


def _nets(modifier=DROP_ALL):
    wl = mlp(sizes=(6, 5, 3), act="tanh", bias=False)
    fp = build_network(wl, make_tile=fp_tile_factory, seed=3)
    hwa = build_network(wl, make_tile=inference_tile_factory(PERFECT, InferenceConfig(), modifier), seed=3)
    x = np.random.default_rng(0).random((12, 6)).astype(np.float32)
    return fp, hwa, x


def test_training_passes_apply_the_modifier_and_evaluation_passes_do_not():
    fp, hwa, x = _nets()
    tiles = hwa.tiles()
    assert tiles and all(isinstance(t, InferenceTile) for t in tiles)
    assert np.all(hwa.forward(x, train=True) == 0.0)  # every weight dropped in training mode
    assert all(t.training for t in tiles)
    np.testing.assert_allclose(hwa.logits(x), fp.logits(x), rtol=1e-5, atol=1e-6)
    assert not any(t.training for t in tiles)
    assert np.all(hwa.forward(x, train=True) == 0.0)  # back in training mode
    assert all(t.training for t in tiles)


def test_evaluate_runs_in_evaluation_mode():
    fp, hwa, _ = _nets()
    x = np.random.default_rng(1).normal(0.0, 3.0, (60, 6)).astype(np.float32)
    y = fp.logits(x).argmax(axis=1)  # labels the unmodified network gets right
    assert len(set(y.tolist())) == 3  # (a network computing 0 would get only the class-0 share right)
    assert evaluate(hwa, x, y)[1] == 1.0
    assert evaluate(fp, x, y)[1] == 1.0


def test_enable_during_test_keeps_the_modifier_in_evaluation():
    _, hwa, x = _nets(WeightModifierConfig(type="drop_connect", pdrop=1.0, enable_during_test=True))
    assert np.all(hwa.logits(x) == 0.0)


def test_deployed_inference_tiles_read_the_programmed_weights_in_evaluation():
    fp, hwa, x = _nets()
    copy_weights(fp, hwa)
    program_network(hwa)
    drift_network(hwa, 1.0)
    out = hwa.logits(x)  # PCM programming noise and drift: close to, not equal to, the floating-point network
    assert not any(t.training for t in hwa.tiles())
    assert np.all(np.isfinite(out)) and not np.all(out == 0.0)
    assert np.corrcoef(out.ravel(), fp.logits(x).ravel())[0, 1] > 0.9
