"""The batched linear simulator against the exact per-mode reference, and its guards."""
import numpy as np
import pytest
import torch

from gentoys.sim.linear import DivergedError, Hyperparameters, LinearSetting, train
from gentoys.sim.reference import reference_curves

SMALL = LinearSetting(dim=80, q=0.6, epochs=60, n_sets=3, dtype=torch.float64,
                      methods=("gd", "ridge", "momentum", "momentum_ridge"))


def test_every_method_follows_the_exact_reference_to_float_precision():
    """Batched float64 training equals the spectrum-based iterates of theory, set by set."""
    run = train(SMALL)
    h = run.hyper
    for i in range(SMALL.n_sets):
        for j, _ in enumerate(SMALL.methods):
            gen, tr = reference_curves(run.X[i], run.teacher, run.init, float(h.eta[i, j]), float(h.beta[i, j]),
                                       float(h.lam[i, j]), SMALL.epochs)
            np.testing.assert_allclose(run.gen_loss[:, i, j].numpy(), gen, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(run.train_loss[:, i, j].numpy(), tr, rtol=1e-10, atol=1e-12)


def test_reference_detects_a_wrong_step_size():
    """The comparison can fail: a 1 % different step size is visible in the curve."""
    run = train(SMALL)
    h = run.hyper
    gen, _ = reference_curves(run.X[0], run.teacher, run.init, 1.01 * float(h.eta[0, 0]), 0.0, 0.0, SMALL.epochs)
    assert np.abs(run.gen_loss[:, 0, 0].numpy() - gen).max() > 1e-6


def test_same_seed_same_numbers_bit_for_bit():
    a, b = train(SMALL), train(SMALL)
    assert torch.equal(a.gen_loss, b.gen_loss)
    c = train(SMALL.with_(seed=1))
    assert not torch.equal(a.gen_loss, c.gen_loss)


def test_divergence_names_method_step_and_epoch():
    run = train(SMALL)
    h = run.hyper
    bad = Hyperparameters(h.eta * 50, h.beta, h.lam, h.l1)
    with pytest.raises(DivergedError, match=r"method '\w+' diverged at epoch \d+ .*step size"):
        train(SMALL.with_(epochs=400), hyper=bad)


@pytest.mark.parametrize("field,value,name", [("dim", 0, "dim"), ("q", 1.2, "q"), ("q", float("nan"), "q"),
                                              ("methods", ("sgd",), "methods"), ("teacher", "dense", "teacher"),
                                              ("tuning", "best", "tuning"), ("sparse_dim", 5000, "sparse_dim")])
def test_bad_settings_name_the_parameter(field, value, name):
    kwargs = {field: value}
    if field == "sparse_dim":
        kwargs["teacher"] = "sparse"
    with pytest.raises(ValueError, match=name):
        LinearSetting(**kwargs)


def test_lasso_method_zeroes_coordinates_of_a_sparse_teacher():
    s = LinearSetting(dim=120, q=0.7, epochs=300, n_sets=2, methods=("gd", "lasso"), teacher="sparse",
                      sparse_dim=20, lasso_eta=0.4, lasso_lam=5e-3, dtype=torch.float64)
    run = train(s)
    lasso = run.student[:, 1]
    assert (lasso[:, 20:] == 0).float().mean() > 0.5
    assert (run.student[:, 0] == 0).sum() == 0


@pytest.mark.parametrize("n", [299, 300, 451])
def test_gram_equals_the_plain_product_whichever_way_it_is_formed(n):
    """Below SYMMETRIC_GRAM_MIN_N one bmm, from it on the block rows above the diagonal and their mirror: both
    are X^T X / N to float64 rounding, and every entry below the diagonal blocks is its transpose's."""
    from gentoys.sim import linear

    X = torch.randn(2, 40, n, dtype=torch.float64, generator=torch.Generator().manual_seed(n))
    G = linear.gram(X)
    assert torch.allclose(G, torch.einsum("rdi,rdj->rij", X, X) / n, rtol=0, atol=1e-13)
    first = round(n / linear.GRAM_BLOCKS)
    mirrored = torch.equal(G[:, first:, :first], G[:, :first, first:].transpose(1, 2))
    assert mirrored == (n >= linear.SYMMETRIC_GRAM_MIN_N)


def test_a_gram_that_mirrors_without_transposing_is_caught():
    from gentoys.sim import linear

    X = torch.randn(1, 30, 300, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    real = linear.gram(X)
    wrong = real.clone()
    wrong[:, 200:, :100] = real[:, :100, 200:]  # the block copied, not transposed
    assert not torch.allclose(wrong, torch.einsum("rdi,rdj->rij", X, X) / 320, rtol=0, atol=1e-13)
