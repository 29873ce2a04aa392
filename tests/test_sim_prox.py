"""The L1 proximal wrapper: each scaling rule reaches the lasso solution its theory predicts."""
import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from gentoys.sim.prox import L1Prox, prox_lasso
from strategies import sparse_regression


@pytest.fixture(scope="module")
def problem():
    return sparse_regression(seed=0, n=40, d=60, k=5)


def _lasso(X, y, alpha):
    return Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=200000).fit(X, y).coef_


def _run(X, y, make, alpha, scaling, steps=6000):
    n = len(y)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = L1Prox(make([w]), alpha, scaling, strict=False)
    for _ in range(steps):
        opt.zero_grad()
        (((Xt @ w - yt) ** 2).sum() / (2 * n)).backward()
        opt.step()
    return w.detach().numpy()


def test_prox_lasso_matches_soft_threshold():
    x = torch.tensor([-2.0, -0.1, 0.0, 0.3, 1.5])
    assert torch.equal(prox_lasso(x, 0.5, 2.0), torch.tensor([-1.0, 0.0, 0.0, 0.0, 0.5]))


def test_sgd_with_prox_solves_the_lasso(problem):
    X, y, L = problem
    w = _run(X, y, lambda p: torch.optim.SGD(p, lr=1 / L), 0.05, "lr")
    np.testing.assert_allclose(w, _lasso(X, y, 0.05), atol=1e-8)


def test_momentum_with_plain_prox_solves_a_weaker_lasso(problem):
    """Heavy ball's fixed point: the lasso with l1reg * (1 - beta), not l1reg."""
    X, y, L = problem
    beta = 0.5
    w = _run(X, y, lambda p: torch.optim.SGD(p, lr=0.5 / L, momentum=beta), 0.05, "lr")
    np.testing.assert_allclose(w, _lasso(X, y, 0.05 * (1 - beta)), atol=1e-8)
    assert np.abs(w - _lasso(X, y, 0.05)).max() > 1e-3


def test_momentum_scaling_recovers_the_intended_lasso(problem):
    X, y, L = problem
    w = _run(X, y, lambda p: torch.optim.SGD(p, lr=0.5 / L, momentum=0.5), 0.05, "momentum")
    np.testing.assert_allclose(w, _lasso(X, y, 0.05), atol=1e-8)


def test_adam_scaling_recovers_the_intended_lasso(problem):
    X, y, _ = problem
    w = _run(X, y, lambda p: torch.optim.Adam(p, lr=1e-3), 0.05, "adam", steps=20000)
    np.testing.assert_allclose(w, _lasso(X, y, 0.05), atol=1e-6)


def test_bad_arguments():
    w = torch.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="l1reg"):
        L1Prox(torch.optim.SGD([w], lr=0.1), -1.0)
    with pytest.raises(ValueError, match="scaling"):
        L1Prox(torch.optim.SGD([w], lr=0.1), 0.1, "newton")
    with pytest.raises(ValueError, match="Adam"):
        L1Prox(torch.optim.SGD([w], lr=0.1), 0.1, "adam")


@pytest.mark.parametrize("threshold", [0.0, 0.3, "tensor"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_prox_lasso_gives_the_derived_expression_exactly(threshold, dtype):
    """The fast forms (softshrink, x - clamp(x, -t, t)) equal theory's sign(x) max(|x| - t, 0) bit for bit,
    also at |x| = t, at zero and on denormals; a threshold off by one ulp does not."""
    from gentoys.sim.prox import soft_threshold_reference

    x = torch.randn(4000, dtype=dtype, generator=torch.Generator().manual_seed(5))
    x[:5] = torch.tensor([0.3, -0.3, 0.0, -0.0, 1e-320 if dtype == torch.float64 else 1e-40], dtype=dtype)
    t = torch.rand(4000, dtype=dtype) * 0.5 if threshold == "tensor" else threshold
    expected = soft_threshold_reference(x, t)
    assert torch.equal(prox_lasso(x, t), expected)
    out = torch.empty_like(x)
    prox_lasso(x, t, out=out)
    assert torch.equal(out, expected)
    if threshold == 0.3 and dtype == torch.float64:
        assert not torch.equal(prox_lasso(x, torch.nextafter(torch.tensor(0.3, dtype=torch.float64),
                                                             torch.tensor(1.0, dtype=torch.float64)).item()), expected)


@pytest.mark.parametrize("l1reg, scaling", [(-0.5, 1.0), (torch.tensor(-0.5), 1.0), (0.5, -1.0),
                                            (float("nan"), 1.0), (torch.tensor([0.5, -0.1, 0.2, 0.1, 0.3]), 1.0)])
def test_prox_lasso_refuses_a_negative_or_nan_threshold_by_name(l1reg, scaling):
    """A negative multiple of the norm has no prox (the objective is unbounded below), and a NaN threshold would
    give all-NaN weights: both are refused, for scalar and tensor thresholds alike, naming the parameter."""
    x = torch.tensor([-2.0, -0.1, 0.0, 0.3, 1.5], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"l1reg|scaling"):
        prox_lasso(x, l1reg, scaling)
    with pytest.raises(ValueError, match=r"l1reg|scaling"):
        prox_lasso(x, l1reg, scaling, out=torch.empty_like(x))


@pytest.mark.parametrize("make, scaling", [
    (lambda p: torch.optim.SGD(p, lr=0.05), "lr"),
    (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1), "momentum"),
    (lambda p: torch.optim.Adam(p, lr=0.01), "adam"),
    (lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True), "adam"),
])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_l1prox_step_thresholds_as_the_derived_expression(make, scaling, dtype, monkeypatch):
    """L1Prox thresholds through prox_lasso's fast forms (a scalar threshold for SGD, a tensor for Adam);
    a twin whose prox_lasso is the derived expression itself stays equal to it bit for bit, step after step."""
    from gentoys.sim import prox as prox_module

    g = torch.Generator().manual_seed(3)
    X, y = torch.randn(30, 12, generator=g, dtype=dtype), torch.randn(30, generator=g, dtype=dtype)
    w = torch.randn(12, generator=g, dtype=dtype).requires_grad_()
    twin_w = w.detach().clone().requires_grad_()
    opt, twin = L1Prox(make([w]), 0.3, scaling), L1Prox(make([twin_w]), 0.3, scaling)
    derived = lambda x, l1reg, scaling=1.0, **_: prox_module.soft_threshold_reference(x, l1reg * scaling)  # noqa: E731
    for _ in range(60):
        for p, o in ((w, opt), (twin_w, twin)):
            o.zero_grad()
            (((X @ p - y) ** 2).sum() / 60).backward()
        opt.step()
        with monkeypatch.context() as m:
            m.setattr(prox_module, "prox_lasso", derived)
            twin.step()
        assert torch.equal(w.detach(), twin_w.detach())
    assert (w.detach() == 0).any()  # the threshold did act
