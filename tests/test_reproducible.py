"""Reproducibility on the CPU: a seed fixes every draw and every trained number bit for bit
(torch.equal, not allclose), and different seeds give different numbers - for sim.linear.train,
sim.factors and sim.spectra."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from strategies import examples, one_torch_thread, seeds  # noqa: F401

from gentoys.sim.factors import train_factors, train_two_pairs
from gentoys.sim.linear import LinearSetting, train
from gentoys.sim.spectra import sample_gram

SETTING = LinearSetting(dim=30, q=0.6, epochs=25, n_sets=3, methods=("gd", "ridge", "momentum", "momentum_ridge",
                                                                     "lasso"))


def _linear_tensors(run) -> dict[str, torch.Tensor]:
    return {"gen_loss": run.gen_loss, "train_loss": run.train_loss, "student": run.student, "teacher": run.teacher,
            "init": run.init, "X": run.X, "spectrum": run.spectrum, "eta": run.hyper.eta, "beta": run.hyper.beta,
            "lam": run.hyper.lam}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("teacher", ["random", "sparse"])
def test_linear_train_is_bitwise_reproducible(dtype, teacher):
    setting = SETTING.with_(dtype=dtype, teacher=teacher, sparse_dim=10, seed=3)
    a, b = _linear_tensors(train(setting)), _linear_tensors(train(setting))
    for name in a:
        assert torch.equal(a[name], b[name]), name
    c = _linear_tensors(train(setting.with_(seed=4)))
    for name in ("gen_loss", "student", "teacher", "init", "X"):
        assert not torch.equal(a[name], c[name]), name


def test_linear_train_mp_tuning_is_bitwise_reproducible():
    setting = SETTING.with_(tuning="mp", methods=("gd", "ridge"), seed=11)
    assert torch.equal(train(setting).gen_loss, train(setting).gen_loss)


@settings(max_examples=examples(10))
@given(seeds)
def test_sample_gram_is_bitwise_reproducible(seed):
    a, b = sample_gram(3, 12, 5, seed=seed), sample_gram(3, 12, 5, seed=seed)
    assert torch.equal(a.X, b.X)
    assert torch.equal(a.nonzero_eigenvalues, b.nonzero_eigenvalues)
    teacher = torch.linspace(-1, 1, 12, dtype=torch.float64)
    assert torch.equal(a.ridge_residual_norm2(teacher, 0.3), b.ridge_residual_norm2(teacher, 0.3))
    assert torch.equal(a.null_projection_norm2(teacher), b.null_projection_norm2(teacher))
    other = sample_gram(3, 12, 5, seed=(seed + 1) % 2**31)
    assert not torch.equal(a.X, other.X)


@pytest.mark.parametrize("method", ["gd", "adam"])
def test_train_factors_is_bitwise_reproducible(method):
    targets = torch.randn(2, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    run = lambda seed: train_factors(targets, dk=3, lam=0.2, method=method, lr=0.05, steps=150, seed=seed)  # noqa: E731
    a, b, c = run(5), run(5), run(6)
    assert torch.equal(a.product, b.product) and torch.equal(a.loss, b.loss)
    assert all(torch.equal(x, y) for x, y in zip(a.factors, b.factors))
    assert not torch.equal(a.product, c.product) and not torch.equal(a.loss, c.loss)


def test_train_two_pairs_is_bitwise_reproducible():
    V = torch.tensor([1.0, 0.5, -0.3], dtype=torch.float64)
    U = torch.tensor([0.2, 1.0, 0.4], dtype=torch.float64)
    run = lambda seed: train_two_pairs(V, U, n_seeds=4, lam=0.1, lr=0.02, steps=150, seed=seed)  # noqa: E731
    a, b, c = run(1), run(1), run(2)
    assert torch.equal(a.product, b.product) and torch.equal(a.loss, b.loss)
    assert not torch.equal(a.product, c.product)
