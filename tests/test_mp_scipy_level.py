"""MarchenkoPastur's scipy.stats method set, with the sigma2 scale.

Each method is checked against a route that does not use it: mpmath quadrature of
the derived density (gentoys.checks.evidence.numerics.mp_average, atom included),
the relations between methods a distribution must satisfy, and eigenvalues of
sampled Wishart matrices.
"""
from __future__ import annotations

import math

import matplotlib
import mpmath
import numpy as np
import pytest

from gentoys.checks.evidence.numerics import _density_mp, _edges_mp, mp_average
from gentoys.theory import MarchenkoPastur
from gentoys.theory.marchenko_pastur import density_expr

CASES = [(0.25, 1.0), (0.5, 2.5), (0.8, 0.3), (1.0, 1.7)]


def _mp(q, s2, f):
    """<f(x)> under the sigma2-scaled law by mpmath: x = sigma2 * y, y ~ the unit-scale law."""
    return float(mp_average(q, lambda y: f(mpmath.mpf(s2) * y)))


def _mp_between(law, f, lo, hi):
    """integral of f pdf over [lo, hi] inside the support: mpmath tanh-sinh on mpmath's density (no atom)."""
    with mpmath.workdps(30):
        s2 = mpmath.mpf(law.sigma2)
        dens = lambda v: mpmath.re(_density_mp(mpmath.mpf(law.q), v / s2)) / s2  # noqa: E731
        return float(mpmath.quad(lambda v: f(v) * dens(v), [mpmath.mpf(lo), mpmath.mpf(hi)]))


@pytest.mark.parametrize("q,s2", CASES)
def test_scale_moments_and_expect_against_mpmath(q, s2):
    law = MarchenkoPastur(q, sigma2=s2)
    for k in range(0, 5):
        want = _mp(q, s2, lambda v: v**k)
        assert law.moment(k) == pytest.approx(want, rel=1e-11), k
        assert law.expect(lambda v: v**k) == pytest.approx(want, rel=1e-9), k
    assert law.mean() == pytest.approx(s2, rel=1e-13)
    assert law.var() == pytest.approx(_mp(q, s2, lambda v: (v - s2) ** 2), rel=1e-11)
    assert law.std() == pytest.approx(math.sqrt(law.var()))
    assert law.expect(lambda v: math.exp(-v)) == pytest.approx(_mp(q, s2, lambda v: mpmath.exp(-v)), rel=1e-9)


@pytest.mark.parametrize("q,s2", CASES)
def test_expect_treats_the_atom_as_a_point_mass(q, s2):
    """func(0) weighted by 1 - q exactly when 0 is in [lb, ub]; conditional divides by the mass."""
    law = MarchenkoPastur(q, sigma2=s2)
    assert law.expect(lambda v: 1.0) == pytest.approx(1.0, abs=1e-12)
    assert law.expect(lambda v: 1.0, lb=law.lower / 2) == pytest.approx(q, abs=1e-12)
    assert law.expect(lambda v: 1.0 if v == 0 else 0.0) == pytest.approx(1 - q, abs=1e-15)
    mid = law.ppf(0.9)
    assert law.expect(lambda v: 1.0, ub=mid) == pytest.approx(0.9, abs=1e-10)
    assert law.expect(lb=mid, conditional=True) == pytest.approx(
        _mp_between(law, lambda v: v, mid, law.upper) / 0.1, rel=1e-8)


@pytest.mark.parametrize("q,s2", CASES)
def test_pdf_cdf_sf_and_logs_are_consistent(q, s2):
    law = MarchenkoPastur(q, sigma2=s2)
    a, b = law.support()
    x = np.concatenate([[-np.inf, -1.0, 0.0], np.linspace(a, b, 23), [b * 2, np.inf]])
    cdf, sf = law.cdf(x), law.sf(x)
    np.testing.assert_allclose(cdf + sf, 1.0, atol=1e-14)
    assert cdf[0] == 0.0 and cdf[-1] == 1.0 and cdf[2] == pytest.approx(1 - q)
    inside = x[4:-4]
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(law.logpdf(inside), np.log(law.pdf(inside)), rtol=1e-14)
        np.testing.assert_allclose(law.logcdf(x), np.log(cdf), rtol=1e-14)
        np.testing.assert_allclose(law.logsf(x), np.log(sf), rtol=1e-14)
    assert law.pdf(0.0) == 0.0 and law.logpdf(0.0) == -np.inf  # the atom has no density
    # the density of the scaled law is the derived one, rescaled: check one point by SymPy itself
    y = (a + b) / 2 / s2
    from gentoys.theory.core.symbols import q as q_sym, x as x_sym
    assert law.pdf(y * s2) == pytest.approx(float(density_expr.subs({q_sym: q, x_sym: y})) / s2, rel=1e-13)
    # cdf against the mpmath quadrature of the density, atom included
    for v in (a + 0.3 * (b - a), a + 0.8 * (b - a)):
        assert law.cdf(v) == pytest.approx(1 - q + _mp_between(law, lambda t: 1.0, a, v), abs=1e-9)


@pytest.mark.parametrize("q,s2", CASES)
def test_ppf_isf_invert_cdf_sf_on_arrays(q, s2):
    law = MarchenkoPastur(q, sigma2=s2)
    p = np.linspace(0.0, 1.0, 1001).reshape(7, 11, 13)
    xs = law.ppf(p)
    assert xs.shape == p.shape
    cont = p > law.atom + 1e-12
    np.testing.assert_allclose(law.cdf(xs[cont]), p[cont], atol=1e-12)
    assert np.all(xs[(p <= law.atom) & (p > 0)] == 0.0)
    tail = p < q - 1e-12
    np.testing.assert_allclose(law.sf(law.isf(p[tail])), p[tail], atol=1e-12)
    assert np.all(law.isf(p[(p >= q) & (p < 1)]) == 0.0)
    np.testing.assert_allclose(law.isf(p), law.ppf(1 - p), atol=1e-10 * law.upper)
    assert np.all(np.diff(xs.ravel()) >= 0)
    assert law.median() == pytest.approx(float(law.ppf(0.5)))
    lo, hi = law.interval(0.9)
    assert law.cdf(hi) - (law.cdf(lo) if lo > 0 else 0.0) == pytest.approx(0.9 if lo > 0 else 0.95, abs=1e-10)


def test_ppf_has_no_python_loop_of_root_solves():
    """ppf of 10^5 probabilities is a few dozen vectorized cdf evaluations (counted, not timed)."""
    law = MarchenkoPastur(0.4)
    calls = []
    original = law._continuous_mass
    law._continuous_mass = lambda xs: calls.append(xs.size) or original(xs)
    law.ppf(np.random.default_rng(0).uniform(size=10**5))
    assert len(calls) <= 80 and all(n == 10**5 for n in calls)


@pytest.mark.parametrize("q,s2", CASES)
def test_stats_and_stieltjes_scale(q, s2):
    law, unit = MarchenkoPastur(q, sigma2=s2), MarchenkoPastur(q)
    m, v, s, k = law.stats("mvsk")
    c3 = _mp(q, s2, lambda t: (t - s2) ** 3)
    c4 = _mp(q, s2, lambda t: (t - s2) ** 4)
    assert (m, v) == pytest.approx((s2, law.var()))
    assert s == pytest.approx(c3 / v**1.5, rel=1e-10) and k == pytest.approx(c4 / v**2 - 3, rel=1e-10)
    assert law.stats("m") == pytest.approx(s2)
    lam = 0.7
    assert law.stieltjes(-lam).real == pytest.approx(_mp(q, s2, lambda t: 1 / (t + lam)), rel=1e-11)
    assert law.stieltjes(-lam) == pytest.approx(unit.stieltjes(-lam / s2) / s2)


@pytest.mark.parametrize("q,s2", CASES)
def test_entropy_against_mpmath(q, s2):
    """-(1-q) log(1-q) - integral pdf log pdf, with mpmath's own density (through mp_average)."""
    law = MarchenkoPastur(q, sigma2=s2)
    with mpmath.workdps(30):
        dens = lambda v: mpmath.re(_density_mp(mpmath.mpf(q), v / s2)) / s2  # noqa: E731
        a, b = (s2 * e for e in _edges_mp(mpmath.mpf(q)))
        # the radicand can round to zero at an edge: the limit of -d log d there is 0
        cont = mpmath.quad(lambda v: -dens(v) * mpmath.log(dens(v)) if dens(v) > 0 else 0, [a, (a + b) / 2, b])
        want = float(cont - (1 - q) * mpmath.log(1 - q)) if q < 1 else float(cont)
    assert law.entropy() == pytest.approx(want, rel=1e-7, abs=1e-8)
    assert law.entropy() == pytest.approx(MarchenkoPastur(q).entropy() + q * math.log(s2), rel=1e-9)


@pytest.mark.parametrize("q,s2", [(0.25, 1.0), (0.5, 2.5)])
def test_rvs_eigenvalues_are_the_law(q, s2):
    """Sampled Wishart spectra: atom fraction exact, moments within 5 s.e. + O(k^2 m_{k-1}/N) finite size."""
    law = MarchenkoPastur(q, sigma2=s2)
    dim, R = 200, 8
    eig = law.rvs_eigenvalues(dim, R, random_state=1)
    assert eig.shape == (R, dim)
    assert np.mean(eig == 0) == pytest.approx(law.atom)
    n = round(q * dim)
    for k in (1, 2, 3):
        per_set = (eig**k).mean(axis=1)
        se = per_set.std(ddof=1) / math.sqrt(R)
        assert abs(per_set.mean() - law.moment(k)) <= 5 * se + k**2 * law.moment(k - 1) * s2 / n, k
    draws = law.rvs(size=(40, 50), random_state=2)
    assert draws.shape == (40, 50) and np.mean(draws == 0) == pytest.approx(law.atom, abs=4 * math.sqrt(0.25 / 2000))


def test_rvs_eigenvalues_catch_a_wrong_scale():
    """The same statistics reject the law with sigma2 off by 10 %: the check can fail."""
    eig = MarchenkoPastur(0.5, sigma2=1.1).rvs_eigenvalues(200, 8, random_state=1)
    per_set = eig.mean(axis=1)
    se = per_set.std(ddof=1) / math.sqrt(8)
    assert abs(per_set.mean() - MarchenkoPastur(0.5).mean()) > 5 * se + 1 / 100


def test_plot_histogram_writes_a_png(tmp_path):
    matplotlib.use("Agg")
    path = tmp_path / "mp.png"
    fig = MarchenkoPastur(0.5, sigma2=2.0).plot_histogram(dim=100, size=2, bins=20, path=path, random_state=0)
    assert path.stat().st_size > 1000
    assert len(fig.axes[0].patches) == 20 and len(fig.axes[0].lines) == 1


@pytest.mark.parametrize("call,name", [
    (lambda: MarchenkoPastur(0.5, sigma2=0.0), "sigma2"),
    (lambda: MarchenkoPastur(0.5, sigma2=float("nan")), "sigma2"),
    (lambda: MarchenkoPastur(0.5, sigma2=float("inf")), "sigma2"),
    (lambda: MarchenkoPastur(0.5).isf(-0.1), "p"),
    (lambda: MarchenkoPastur(0.5).interval(1.5), "confidence"),
    (lambda: MarchenkoPastur(0.5).stats("mz"), "moments"),
    (lambda: MarchenkoPastur(0.5).expect(lb=2.0, ub=1.0), "lb"),
    (lambda: MarchenkoPastur(0.5).expect(lb=float("nan")), "lb"),
    (lambda: MarchenkoPastur(0.5).expect(lb=100.0, conditional=True), r"\[lb, ub\]"),
    (lambda: MarchenkoPastur(0.5).rvs_eigenvalues(0), "dim"),
    (lambda: MarchenkoPastur(0.1).rvs_eigenvalues(4), "dim"),
    (lambda: MarchenkoPastur(0.5).rvs_eigenvalues(10, size=0), "size"),
    (lambda: MarchenkoPastur(0.5).pdf(float("nan")), "x"),
])
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
