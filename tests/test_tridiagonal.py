"""The tridiagonal route to a Gram matrix's eigenvalues (``sim.core.tridiagonal``) against the full eigensolve,
and the linear trainer's use of it: the same extremes, a spectrum computed only when read, the zero fallback."""
from __future__ import annotations

import pytest
import torch

from gentoys.sim import linear
from gentoys.sim.core.tridiagonal import tridiagonalize
from gentoys.sim.linear import LinearSetting, extremes_of, gram, train


def _grams(q: float, dtype: torch.dtype, seed: int = 1) -> torch.Tensor:
    X = torch.randn(3, 150, round(q * 150), generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return gram(X)


@pytest.mark.parametrize("q", [0.3, 0.7, 0.9])
def test_eigenvalues_and_extremes_match_the_full_eigensolve_in_float64(q):
    G = _grams(q, torch.float64)
    ev = torch.linalg.eigvalsh(G)
    tri = tridiagonalize(G)
    assert torch.allclose(tri.eigenvalues(), ev, rtol=1e-12, atol=1e-13)
    assert torch.allclose(tri.extreme("min"), ev[:, 0], rtol=1e-12, atol=0)
    assert torch.allclose(tri.extreme("max"), ev[:, -1], rtol=1e-12, atol=0)
    assert not torch.allclose(tridiagonalize(G * 1.0001).extreme("max"), ev[:, -1], rtol=1e-5, atol=0)


def test_float32_extremes_are_as_close_to_the_exact_ones_as_float32_eigvalsh():
    """Only the float32 reduction rounds (bisection runs in float64): both ends are within a few float32 ulps of
    the matrix's norm of the exact eigenvalues, no further off than torch's own float32 eigensolve."""
    G = _grams(0.7, torch.float32)
    exact = torch.linalg.eigvalsh(G.double())
    tri = tridiagonalize(G)
    assert tri.extreme("min").dtype == torch.float32
    norm = exact[:, -1]
    ours = torch.stack([tri.extreme("min").double() - exact[:, 0], tri.extreme("max").double() - exact[:, -1]])
    theirs = torch.linalg.eigvalsh(G).double()
    torch_gap = torch.stack([theirs[:, 0] - exact[:, 0], theirs[:, -1] - exact[:, -1]])
    assert bool((ours.abs() <= 50 * torch.finfo(torch.float32).eps * norm).all())
    assert float(ours.abs().max()) <= max(float(torch_gap.abs().max()), 4 * torch.finfo(torch.float32).eps)
    assert torch.allclose(tri.eigenvalues().double(), exact, rtol=0, atol=50 * torch.finfo(torch.float32).eps * 5)


def test_the_input_is_left_alone_and_sizes_one_and_two_work():
    G = _grams(0.7, torch.float64)
    before = G.clone()
    tridiagonalize(G)
    assert torch.equal(G, before)
    one = torch.full((2, 1, 1), 3.0, dtype=torch.float64)
    assert torch.equal(tridiagonalize(one).eigenvalues(), one[:, 0])
    two = torch.tensor([[[2.0, 1.0], [1.0, 2.0]]], dtype=torch.float64)
    assert torch.allclose(tridiagonalize(two).eigenvalues(), torch.tensor([[1.0, 3.0]], dtype=torch.float64))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="float32 or float64"):
        tridiagonalize(torch.eye(3, dtype=torch.int64)[None])
    bad = torch.eye(4, dtype=torch.float64)[None].clone()
    bad[0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match="LAPACK"):
        tridiagonalize(bad).eigenvalues()


def test_the_trainer_tunes_from_the_same_extremes_and_reads_the_spectrum_lazily(monkeypatch):
    s = LinearSetting(dim=80, q=0.6, epochs=20, n_sets=3, dtype=torch.float64)
    full, tri = train(s.with_(extremes="eigvalsh")), train(s.with_(extremes="auto"))
    assert tri.full_spectrum is None and full.full_spectrum is not None
    assert torch.allclose(tri.extremes, full.extremes, rtol=1e-12, atol=0)
    assert torch.allclose(tri.gen_loss, full.gen_loss, rtol=1e-10, atol=0)
    calls = []
    real = linear.gram
    monkeypatch.setattr(linear, "gram", lambda X: calls.append(1) or real(X))
    assert torch.allclose(tri.spectrum, full.spectrum, rtol=1e-12, atol=1e-13)  # from the kept tridiagonal
    assert calls == []
    # what the run keeps for it is the O(N) forms, not the (R, N, N) basis the training used
    span = s.with_(extremes="auto", methods=("gd", "ridge"), gradient="tridiagonal")
    kept = train(span).spectrum_later.__self__
    assert kept.reflectors is None and kept.tau is None


def test_a_zero_eigenvalue_falls_back_to_the_full_spectrum():
    """A zero tolerance above the smallest eigenvalue: the smallest one above it is another eigenvalue, which
    only the full spectrum shows; the trainer then keeps the spectrum it computed."""
    s = LinearSetting(dim=80, q=0.6, epochs=5, n_sets=2, dtype=torch.float64)
    probe = train(s)
    tol = float(probe.extremes[:, 0].max()) * 1.01  # above every set's smallest eigenvalue
    run = train(s.with_(zero_tol=tol, extremes="tridiagonal"))
    assert run.full_spectrum is not None
    assert torch.equal(run.extremes, extremes_of(run.full_spectrum, tol))
    assert bool((run.extremes[:, 0] > probe.extremes[:, 0]).all())


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("vectors", [4, 12])  # the reflectors applied one at a time, and blocked
def test_the_kept_basis_carries_products_with_g_to_the_tridiagonal_matrix(dtype, tol, vectors):
    """G v = Q T Q^T v for rows v, Q Q^T v = v; the reduction overwrote G (it holds the reflectors now)."""
    G = _grams(0.7, dtype)
    before = G.clone()
    tri = tridiagonalize(G, keep_basis=True)
    assert not torch.equal(G, before)
    T = (torch.diag_embed(torch.as_tensor(tri.diagonal))
         + torch.diag_embed(torch.as_tensor(tri.off_diagonal), 1)
         + torch.diag_embed(torch.as_tensor(tri.off_diagonal), -1)).to(dtype)
    v = torch.randn(3, vectors, G.shape[-1], generator=torch.Generator().manual_seed(3), dtype=dtype)
    want = v @ before
    got = tri.from_basis(tri.to_basis(v) @ T)
    assert float((got - want).abs().max() / want.abs().max()) <= tol
    assert float((tri.from_basis(tri.to_basis(v)) - v).abs().max()) <= tol * float(v.abs().max())
    assert torch.equal(tri.part(slice(1, 3)).to_basis(v[1:]), tri.to_basis(v)[1:])
    wrong = tri.from_basis(tri.to_basis(v) @ (T * 1.001))  # the check can fail
    assert float((wrong - want).abs().max() / want.abs().max()) > 10 * tol


def test_a_reduction_without_its_basis_says_so():
    with pytest.raises(ValueError, match="keep_basis=True"):
        tridiagonalize(_grams(0.5, torch.float64)).to_basis(torch.zeros(3, 1, 75, dtype=torch.float64))


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("lower", [True, False])
def test_either_triangle_reduces_the_gram_triangle_to_the_same_products(monkeypatch, dtype, tol, lower):
    """Whichever triangle LAPACK reduces (the upper one comes back as the reversed matrix's lower reduction),
    ``gram_triangle`` fills that one and G v = Q T Q^T v; reading the forms without their reversal fails."""
    from dataclasses import replace

    from gentoys.sim.core import tridiagonal

    monkeypatch.setitem(tridiagonal.LAPACK_LOWER, dtype, lower)
    X = torch.randn(2, 150, 105, generator=torch.Generator().manual_seed(5), dtype=dtype)
    G = gram(X)
    tri = tridiagonalize(linear.gram_triangle(X), keep_basis=True)
    assert tri.reversed is (not lower)
    T = (torch.diag_embed(torch.as_tensor(tri.diagonal)) + torch.diag_embed(torch.as_tensor(tri.off_diagonal), 1)
         + torch.diag_embed(torch.as_tensor(tri.off_diagonal), -1)).to(dtype)
    v = torch.randn(2, 3, 105, generator=torch.Generator().manual_seed(6), dtype=dtype)
    want = v @ G
    assert float((tri.from_basis(tri.to_basis(v) @ T) - want).abs().max() / want.abs().max()) <= tol
    assert torch.allclose(tri.eigenvalues().double(), torch.linalg.eigvalsh(G.double()), rtol=0, atol=5 * tol)
    other = replace(tri, reversed=not tri.reversed)  # the same numbers read in the other order
    assert float((other.from_basis(other.to_basis(v) @ T) - want).abs().max() / want.abs().max()) > 1e-3
