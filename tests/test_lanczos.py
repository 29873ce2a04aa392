"""Lanczos extremes against the full eigensolve, and the linear trainer's two gradient routes."""
from __future__ import annotations

import pytest
import torch

from gentoys.sim.core.lanczos import NotConverged, gram_extremes, top_eigenvalue
from gentoys.sim.linear import LinearSetting, gradient_route, train


@pytest.mark.parametrize("q", [0.3, 0.7, 0.9])
def test_gram_extremes_match_the_full_eigensolve(q):
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(3, 200, round(q * 200), generator=gen, dtype=torch.float64)
    ev = torch.linalg.eigvalsh(X.transpose(1, 2) @ X / X.shape[2])
    ex = gram_extremes(X, rtol=1e-10)
    assert torch.allclose(ex[:, 0], ev[:, 0], rtol=1e-9, atol=0)
    assert torch.allclose(ex[:, 1], ev[:, -1], rtol=1e-9, atol=0)


def test_gram_extremes_see_a_wrong_matrix():
    """The extremes belong to X's own Gram matrix: scaling X by 1.001 moves both outside the tolerance."""
    X = torch.randn(2, 80, 40, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    ev = torch.linalg.eigvalsh(X.transpose(1, 2) @ X / 40)
    ex = gram_extremes(X * 1.001)
    assert not torch.allclose(ex[:, 0], ev[:, 0], rtol=1e-6, atol=0)
    assert not torch.allclose(ex[:, 1], ev[:, -1], rtol=1e-6, atol=0)


def test_gram_extremes_decline_a_singular_gram_matrix():
    X = torch.randn(1, 10, 20, dtype=torch.float64)  # N > D: G has rank 10 < 20
    assert gram_extremes(X) is None


def test_lanczos_reports_an_iteration_cap_it_cannot_meet():
    A = torch.diag(torch.linspace(1.0, 1.0001, 50, dtype=torch.float64))[None]
    with pytest.raises(NotConverged, match="max_iter=3"):
        top_eigenvalue(lambda v: torch.bmm(v[:, None, :], A)[:, 0, :], 1, 50, torch.float64, torch.device("cpu"),
                       rtol=1e-14, max_iter=3, check_every=1)


def test_lanczos_run_gives_the_same_hyperparameters_and_a_lazy_spectrum():
    s = LinearSetting(dim=80, q=0.6, epochs=20, n_sets=3, dtype=torch.float64)
    full, lanczos = train(s.with_(extremes="eigvalsh")), train(s.with_(extremes="lanczos"))
    assert lanczos.full_spectrum is None
    assert torch.allclose(lanczos.hyper.eta, full.hyper.eta, rtol=1e-9, atol=0)
    assert torch.allclose(lanczos.gen_loss, full.gen_loss, rtol=1e-8, atol=0)
    assert torch.equal(lanczos.spectrum, full.spectrum)


def test_both_gradient_routes_train_the_same_students():
    s = LinearSetting(dim=60, q=0.7, epochs=30, n_sets=2, dtype=torch.float64,
                      methods=("gd", "ridge", "momentum", "lasso"))
    a, b = train(s.with_(gradient="X")), train(s.with_(gradient="sigma"))
    assert torch.allclose(a.gen_loss, b.gen_loss, rtol=1e-10, atol=0)
    assert torch.allclose(a.train_loss, b.train_loss, rtol=1e-10, atol=1e-14)
    assert not torch.allclose(a.gen_loss, train(s.with_(gradient="X", q=0.6)).gen_loss, rtol=1e-3)


def test_gradient_route_counts_streamed_elements():
    """With a lasso method (no rowspace route): Sigma_tr or X by the cost model."""
    lasso = ("gd", "lasso")
    assert gradient_route(LinearSetting(methods=lasso)) == "sigma"  # N = 0.7 D: X streams 1.4 D^2 per epoch
    assert gradient_route(LinearSetting(q=0.3, methods=lasso)) == "X"  # N = 0.3 D: 0.6 D^2, no Sigma to form
    assert gradient_route(LinearSetting(epochs=3, methods=lasso)) == "X"  # too short for forming Sigma to pay
    assert gradient_route(LinearSetting()) == "tridiagonal"  # O(M N) per epoch, the reduction is made anyway
    assert gradient_route(LinearSetting(gradient="rowspace")) == "rowspace"  # N^2 per epoch
    assert gradient_route(LinearSetting(epochs=0)) == "X"  # one loss evaluation: 2 D N against N^2 + 2 D N


@pytest.mark.parametrize("key,value", [("gradient", "Y"), ("extremes", "qr")])
def test_new_setting_fields_are_validated(key, value):
    with pytest.raises(ValueError, match=key):
        LinearSetting(**{key: value})
