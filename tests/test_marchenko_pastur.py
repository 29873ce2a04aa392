"""theory.marchenko_pastur: the closed forms of the MP law against quadrature and sampled spectra.

Every closed form (mass, moments, resolvent, cdf) is checked against scipy
quadrature of the density, which only trusts the density; the density and
the moments are in turn checked against eigenvalues of sampled Gram matrices.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from strategies import examples, lams, mp_edges_direct, one_torch_thread, ratios  # noqa: F401

from gentoys.sim import sample_gram
from gentoys.theory import MarchenkoPastur, mp_edges

QUAD = dict(limit=200, epsabs=1e-13, epsrel=1e-11)


def _quad(law: MarchenkoPastur, f) -> float:
    """Integral of f(x) pdf(x) over the continuous part (split at the midpoint)."""
    a, b = law.support()
    mid = (a + b) / 2
    return sum(integrate.quad(lambda v: f(v) * law.pdf(v), lo, hi, **QUAD)[0] for lo, hi in ((a, mid), (mid, b)))


@settings(max_examples=examples(20))
@given(ratios)
def test_edges_are_the_textbook_ones(q):
    np.testing.assert_allclose(mp_edges(q), mp_edges_direct(q), rtol=1e-12)


@settings(max_examples=examples(20))
@given(ratios)
def test_pdf_mass_is_q_and_atom_is_one_minus_q(q):
    law = MarchenkoPastur(q)
    assert _quad(law, lambda v: 1.0) == pytest.approx(q, rel=1e-8)
    assert law.atom == pytest.approx(1 - q, abs=1e-14)
    assert law.pdf(law.lower / 2) == 0.0 and law.pdf(law.upper * 1.01) == 0.0 and law.pdf(-1.0) == 0.0


@settings(max_examples=examples(10))
@given(ratios)
def test_moments_equal_quadrature(q):
    """<x^k> = integral x^k pdf (the atom contributes nothing for k >= 1)."""
    law = MarchenkoPastur(q)
    assert law.moment(0) == pytest.approx(1.0, rel=1e-13)
    for k in range(1, 5):
        assert law.moment(k) == pytest.approx(_quad(law, lambda v: v**k), rel=1e-8), k
    assert law.mean() == pytest.approx(1.0, rel=1e-13)
    assert law.var() == pytest.approx(_quad(law, lambda v: v**2) - 1.0, rel=1e-8)
    assert law.std() == pytest.approx(math.sqrt(law.var()))


@settings(max_examples=examples(20))
@given(ratios, lams)
def test_stieltjes_on_negative_axis_equals_quadrature(q, lam):
    """m(-lam) = <1/(x + lam)> with the atom's (1 - q)/lam included."""
    law = MarchenkoPastur(q)
    want = (1 - q) / lam + _quad(law, lambda v: 1 / (v + lam))
    got = law.stieltjes(-lam)
    assert abs(got.imag) < 1e-12
    assert got.real == pytest.approx(want, rel=1e-9)


@settings(max_examples=examples(10))
@given(ratios, st.floats(-3, 8), st.floats(0.05, 3) | st.floats(-3, -0.05))
def test_stieltjes_off_axis_equals_quadrature(q, re, im):
    """Complex z: the branch with cut on the support only (not the principal sqrt)."""
    law = MarchenkoPastur(q)
    z = complex(re, im)
    want = -law.atom / z + _quad(law, lambda v: (1 / (v - z)).real) + 1j * _quad(law, lambda v: (1 / (v - z)).imag)
    assert abs(law.stieltjes(z) - want) < 1e-8 * max(1.0, abs(want))


def test_stieltjes_in_the_gap_and_above_the_support():
    law = MarchenkoPastur(0.4)
    for z in (law.lower / 2, law.upper + 1.0):
        want = -law.atom / z + _quad(law, lambda v: 1 / (v - z))
        assert law.stieltjes(z).real == pytest.approx(want, rel=1e-9)


@settings(max_examples=examples(15))
@given(ratios, st.floats(0.01, 0.99))
def test_cdf_equals_atom_plus_integrated_pdf(q, frac):
    law = MarchenkoPastur(q)
    a, b = law.support()
    xv = a + frac * (b - a)
    want = (1 - q) + integrate.quad(law.pdf, a, xv, **QUAD)[0]
    assert law.cdf(xv) == pytest.approx(want, abs=1e-9)


@settings(max_examples=examples(15))
@given(ratios)
def test_cdf_outside_the_support(q):
    law = MarchenkoPastur(q)
    np.testing.assert_allclose(law.cdf(np.array([-1.0, -1e-12, 0.0, law.lower / 2, law.upper, law.upper + 5])),
                               [0, 0, 1 - q, 1 - q, 1, 1], atol=1e-12)


@settings(max_examples=examples(15))
@given(ratios, st.floats(1e-3, 1 - 1e-3))
def test_ppf_inverts_cdf(q, p):
    law = MarchenkoPastur(q)
    xv = law.ppf(p)
    if p <= law.atom:
        assert xv == 0.0
    else:
        assert law.lower <= xv <= law.upper
        assert law.cdf(xv) == pytest.approx(p, abs=1e-10)


def test_ppf_ends_and_arrays():
    law = MarchenkoPastur(0.3)
    assert law.ppf(0.0) == 0.0 and law.ppf(1.0) == pytest.approx(law.upper)
    ps = np.array([[0.5, 0.8], [0.9, 0.99]])
    assert law.ppf(ps).shape == (2, 2)
    assert np.all(np.diff(law.ppf(np.linspace(0.71, 0.999, 20))) > 0)


def test_q_equal_one_has_no_atom():
    law = MarchenkoPastur(1.0)
    assert law.atom == 0.0 and law.lower == pytest.approx(0.0, abs=1e-15) and law.upper == pytest.approx(4.0)
    assert law.cdf(law.upper) == pytest.approx(1.0, abs=1e-12)
    assert law.moment(2) == pytest.approx(2.0)


@pytest.mark.parametrize("q", [0.25, 0.5, 0.75])
def test_moments_against_sampled_spectra(q):
    """Full D-dimensional spectra (N non-zero eigenvalues plus D - N zeros), R independent sets.

    Per set, (1/D) sum_i x_i^k fluctuates by O(1/D) (linear spectral statistics have O(1)
    fluctuations), so the mean over R sets is compared with tolerance 5 standard errors plus
    the finite-size bias of Wishart moments, O(k^2 m_{k-1} / N) (exactly 1/N for k = 2).
    """
    dim, R = 400, 8
    n = round(q * dim)
    law = MarchenkoPastur(n / dim)
    eig = sample_gram(R, dim, n, seed=11).nonzero_eigenvalues.numpy()
    full = np.concatenate([eig, np.zeros((R, dim - n))], axis=1)
    assert full.shape == (R, dim)
    assert np.mean(full < 1e-10) == pytest.approx(law.atom)  # the flat directions
    assert eig.min() > 0.5 * law.lower and eig.max() < 1.5 * law.upper
    for k in range(1, 5):
        per_set = (full**k).mean(axis=1)
        se = per_set.std(ddof=1) / math.sqrt(R)
        bias = k**2 * law.moment(k - 1) / n
        assert abs(per_set.mean() - law.moment(k)) <= 5 * se + bias, k


def test_cdf_against_sampled_spectrum():
    """Empirical cdf of pooled eigenvalues (zeros included) vs cdf: Kolmogorov distance O(1/D)."""
    dim, n, R = 400, 200, 4
    law = MarchenkoPastur(n / dim)
    eig = sample_gram(R, dim, n, seed=5).nonzero_eigenvalues.numpy().ravel()
    pooled = np.sort(np.concatenate([eig, np.zeros(R * (dim - n))]))
    grid = np.linspace(law.lower, law.upper, 60)
    empirical = np.searchsorted(pooled, grid, side="right") / pooled.size
    assert np.max(np.abs(empirical - law.cdf(grid))) < 0.02


def test_rvs_reproduces_mean_and_atom():
    law = MarchenkoPastur(0.5)
    draws = law.rvs(size=600, random_state=3)
    assert np.mean(draws == 0.0) == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 600))
    assert draws.mean() == pytest.approx(1.0, abs=5 * law.std() / math.sqrt(600))


@pytest.mark.parametrize("bad", [0, 0.0, 1.2, -0.5, float("nan"), float("inf")])
def test_bad_ratio_raises_naming_q(bad):
    with pytest.raises(ValueError, match="^q"):
        MarchenkoPastur(bad)


def test_bad_arguments_raise_naming_the_parameter():
    law = MarchenkoPastur(0.5)
    with pytest.raises(ValueError, match="^k"):
        law.moment(9)
    with pytest.raises(ValueError, match="^k"):
        law.moment(True)
    with pytest.raises(ValueError, match="^k"):
        law.moment(-1)
    with pytest.raises(ValueError, match="^p"):
        law.ppf(1.5)
    with pytest.raises(ValueError, match="^x"):
        law.cdf(float("nan"))
    with pytest.raises(ValueError, match="^z"):
        law.stieltjes(1.0)  # on the support
    with pytest.raises(ValueError, match="^z"):
        law.stieltjes(0.0)  # the atom
    with pytest.raises(ValueError, match="^z"):
        law.stieltjes(float("nan"))
