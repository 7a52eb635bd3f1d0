"""The fitting procedure reproduces the values written into hwconfigs/gpus/*.yaml."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.errors import ConfigError
from archsim.gpu.fit import (
    FITTED,
    fit_all,
    fit_gpu,
    fit_residuals,
    format_value,
    nelder_mead,
    round_sig,
    update_yaml_text,
)
from archsim.gpu.load import GPU_DIR, load_gpu
from archsim.gpu.published import figures_for


def test_gpu_nelder_mead_finds_a_quadratic_minimum():
    x = nelder_mead(lambda v: float((v[0] - 1.5) ** 2 + 3 * (v[1] + 0.25) ** 2), [0.0, 0.0], iters=2000, tol=1e-16)
    np.testing.assert_allclose(x, [1.5, -0.25], atol=1e-6)


def test_gpu_round_sig_and_format():
    assert round_sig(59.4812345) == 59.48 and round_sig(0.000123456) == 0.0001235 and round_sig(0.0) == 0.0
    assert format_value(0.5081) == "0.5081" and format_value(1.0) == "1"


@pytest.fixture(scope="module")
def fitted():
    return fit_all(load_gpu)


def test_gpu_fit_reproduces_the_yaml_files(fitted):
    values = fitted
    assert set(values) == {"v100", "a100", "h100", "h200"}
    for gpu, vals in values.items():
        text = (GPU_DIR / f"{gpu}.yaml").read_text(encoding="utf-8")
        assert update_yaml_text(text, vals) == text, f"{gpu}.yaml differs from the fit (benchmarks/fit_gpu_baselines.py --write)"
        g = load_gpu(gpu)
        for (section, key), value in vals.items():
            assert getattr(getattr(g, section), key) == value


def test_gpu_fit_is_independent_of_the_current_files(fitted):
    """The fit starts from fixed values, so perturbing the fitted fields of the files changes nothing."""
    perturbed = {
        name: load_gpu(name, ["efficiency.tensor=0.9", "efficiency.memory=0.3", "overheads.kernel_us=1",
                              "overheads.host_dispatch_us=5"])
        for name in ("v100", "a100", "h100", "h200")
    }
    assert fit_all(lambda name: perturbed[name]) == fitted


def test_gpu_fit_uses_only_the_fit_subset():
    fits = fit_residuals(load_gpu)
    for gpu, fit in fits.items():
        assert set(fit.residuals) == {f.id for f in figures_for(gpu, "fit")}
        assert set(fit.values) == set(FITTED[gpu])
        assert len(figures_for(gpu, "fit")) >= len(FITTED[gpu])
    # residuals of the fit itself (model / published - 1)
    assert max(abs(v) for v in fits["v100"].residuals.values()) < 1e-3  # 4 figures, 4 parameters
    assert max(abs(v) for v in fits["a100"].residuals.values()) == pytest.approx(0.057, abs=0.002)
    assert max(abs(v) for v in fits["h100"].residuals.values()) == pytest.approx(0.062, abs=0.002)


def test_gpu_fit_needs_enough_figures():
    with pytest.raises(ConfigError, match=r"fit h200: 1 fit figures for 2 parameters"):
        fit_gpu(load_gpu("h200"), figures_for("h200", "fit"), FITTED["h100"])


def test_gpu_update_yaml_text_keeps_comments_and_rejects_missing_keys():
    text = "version: 1\nefficiency:\n  tensor: 0.1   # [F] fitted\n  memory: 0.2\noverheads:\n  kernel_us: 3\n"
    out = update_yaml_text(text, {("efficiency", "tensor"): 0.5081, ("overheads", "kernel_us"): 7.243})
    assert out == "version: 1\nefficiency:\n  tensor: 0.5081   # [F] fitted\n  memory: 0.2\noverheads:\n  kernel_us: 7.243\n"
    with pytest.raises(ConfigError, match=r"key efficiency\.fp32 not found"):
        update_yaml_text(text, {("efficiency", "fp32"): 1.0})
    with pytest.raises(ConfigError, match=r"key overheads\.memory not found"):
        update_yaml_text(text, {("overheads", "memory"): 1.0})
