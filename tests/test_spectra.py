"""sim.spectra: Woodbury (N x N) shortcuts against a dense eigendecomposition of the D x D Sigma_tr."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples, one_torch_thread, seeds  # noqa: F401

from gentoys.sim import GramSample, sample_gram

R, DIM, N_TR = 3, 12, 5


@pytest.fixture(scope="module")
def gram() -> GramSample:
    return sample_gram(R, DIM, N_TR, seed=4)


def _dense(gram: GramSample, r: int):
    """Eigenvalues and eigenvectors of Sigma_tr = X X^T / N for set r, in numpy."""
    X = gram.X[r].numpy()
    return np.linalg.eigh(X @ X.T / gram.n_samples)


def test_shapes_and_sizes(gram):
    assert (gram.n_sets, gram.dim, gram.n_samples) == (R, DIM, N_TR)
    assert gram.X.dtype == torch.float64
    assert gram.nonzero_eigenvalues.shape == (R, N_TR)
    assert gram.full_eigenvalues().shape == (R, DIM)


def test_seed_reproduces_draws():
    a, b, c = (sample_gram(2, 5, 3, seed=s).X for s in (9, 9, 10))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_nonzero_eigenvalues_are_the_top_of_the_dense_spectrum(gram):
    for r in range(R):
        ev, _ = _dense(gram, r)
        np.testing.assert_allclose(gram.nonzero_eigenvalues[r].numpy(), ev[-N_TR:], rtol=1e-10)
        np.testing.assert_allclose(ev[: DIM - N_TR], 0.0, atol=1e-12)
        np.testing.assert_allclose(gram.full_eigenvalues()[r].numpy(), ev, atol=1e-12)


@settings(max_examples=examples(10))
@given(seeds)
def test_null_projection_norm2_matches_dense_projector(seed):
    """||P_0 v||^2 with P_0 the eigenvectors of the D - N zero eigenvalues, for a shared v and per-set v."""
    gram = sample_gram(R, DIM, N_TR, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(DIM)
    per_set = rng.standard_normal((R, DIM))
    got_shared = gram.null_projection_norm2(torch.from_numpy(shared)).numpy()
    got_per_set = gram.null_projection_norm2(torch.from_numpy(per_set)).numpy()
    for r in range(R):
        _, vecs = _dense(gram, r)
        null = vecs[:, : DIM - N_TR]
        assert got_shared[r] == pytest.approx(np.sum((null.T @ shared) ** 2), rel=1e-9)
        assert got_per_set[r] == pytest.approx(np.sum((null.T @ per_set[r]) ** 2), rel=1e-9)


@settings(max_examples=examples(10))
@given(st.integers(0, 10**6), st.floats(1e-3, 5))
def test_ridge_residual_norm2_matches_dense_resolvent(seed, lam):
    """||lam (Sigma + lam)^-1 T||^2 = sum_i (lam / (lam + x_i))^2 (u_i . T)^2."""
    gram = sample_gram(R, DIM, N_TR, seed=seed % 1000)
    teacher = np.random.default_rng(seed).standard_normal(DIM)
    got = gram.ridge_residual_norm2(torch.from_numpy(teacher), lam).numpy()
    for r in range(R):
        ev, vecs = _dense(gram, r)
        want = np.sum((lam / (lam + np.clip(ev, 0, None))) ** 2 * (vecs.T @ teacher) ** 2)
        assert got[r] == pytest.approx(want, rel=1e-9)


def test_ridge_residual_with_one_lambda_per_set(gram):
    teacher = torch.linspace(-1, 1, DIM, dtype=torch.float64)
    lams = torch.tensor([0.01, 0.5, 3.0], dtype=torch.float64)
    got = gram.ridge_residual_norm2(teacher, lams).numpy()
    for r in range(R):
        single = gram.ridge_residual_norm2(teacher, float(lams[r])).numpy()[r]
        ev, vecs = _dense(gram, r)
        want = np.sum((lams[r].item() / (lams[r].item() + np.clip(ev, 0, None))) ** 2 * (vecs.T @ teacher.numpy()) ** 2)
        assert got[r] == pytest.approx(want, rel=1e-9) and single == pytest.approx(want, rel=1e-9)


def test_ridge_residual_tends_to_null_projection_as_lam_goes_to_zero(gram):
    v = torch.ones(DIM, dtype=torch.float64)
    np.testing.assert_allclose(gram.ridge_residual_norm2(v, 1e-9).numpy(), gram.null_projection_norm2(v).numpy(),
                               rtol=1e-6)


def test_float32_draws():
    g = sample_gram(2, 10, 4, seed=1, dtype=torch.float32)
    assert g.X.dtype == torch.float32
    assert g.null_projection_norm2(torch.ones(10, dtype=torch.float64)).dtype == torch.float32


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_sets=1, dim=0, n_samples=3), "D"),
        (dict(n_sets=0, dim=4, n_samples=3), "n_sets"),
        (dict(n_sets=1, dim=4, n_samples=0), "N_tr"),
        (dict(n_sets=True, dim=4, n_samples=3), "n_sets"),
        (dict(n_sets=1, dim=4.0, n_samples=3), "D"),
        (dict(n_sets=1, dim=4, n_samples=3, device="tpu"), "device"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        sample_gram(**kwargs)


@pytest.mark.parametrize("lam", [-1.0, float("nan")])
def test_ridge_residual_rejects_bad_lambda(gram, lam):
    with pytest.raises(ValueError, match="^lam"):
        gram.ridge_residual_norm2(torch.ones(DIM, dtype=torch.float64), lam)
