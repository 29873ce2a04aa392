"""MarchenkoPastur against scikit-rmt's MarchenkoPasturDistribution (version 2.1.1) on the same laws.

Mapping of conventions. Ours: X in R^{D x N} with iid entries of variance sigma2,
the law of the eigenvalues of X X^T / N, ratio q = N / D in (0, 1], an atom 1 - q at 0.
scikit-rmt: p x n data, ratio lambda = p / n, scale sigma = the entries' standard
deviation, beta = 1 for real Wishart. So lambda = 1 / q >= 1, sigma = sqrt(sigma2), beta = 1.
Its pdf is the continuous part only (mass 1 / lambda = q), like ours.

Where they agree (to rounding): the edges, the pdf, the cdf on [lambda_-, inf).
Where they differ: below lambda_- scikit-rmt's cdf is 0, so its law puts the atom's
1 - q at lambda_- instead of 0; its moments (scipy's generic ones, integrals of its
ppf) inherit that: <x^k> + (1 - q) lambda_-^k. mpmath quadrature of the density with
the atom at 0 (mp_average, an independent route) and eigenvalues of sampled Wishart
matrices both side with ours.
"""
from __future__ import annotations

import logging
import math

import mpmath
import numpy as np
import pytest

from gentoys.checks.evidence.numerics import mp_average
from gentoys.theory import MarchenkoPastur

def _removed_in_scipy(*args, **kwargs):
    raise NotImplementedError("scipy.misc.derivative was removed in SciPy 1.12; scikit-rmt's Tracy-Widom "
                              "approximator needs it, the Marchenko-Pastur law compared here does not")


# scikit-rmt 2.1.1 imports scipy.misc.derivative at import time (for its Tracy-Widom approximator only); on a
# SciPy without it, a stand-in that fails loudly if ever called lets the package import
import scipy.misc  # noqa: E402

if not hasattr(scipy.misc, "derivative"):
    scipy.misc.derivative = _removed_in_scipy

skrmt = pytest.importorskip("skrmt.ensemble.spectral_law")
logging.getLogger("skrmt").setLevel(logging.ERROR)  # it warns that lambda >= 1 "may be unstable"

CASES = [(0.25, 1.0), (0.5, 2.5), (0.8, 1.0), (1.0, 0.5)]


def _theirs(q: float, sigma2: float):
    return skrmt.MarchenkoPasturDistribution(ratio=1 / q, beta=1, sigma=math.sqrt(sigma2))


@pytest.mark.parametrize("q,s2", CASES)
def test_edges_pdf_and_cdf_on_the_support_agree(q, s2):
    ours, theirs = MarchenkoPastur(q, sigma2=s2), _theirs(q, s2)
    np.testing.assert_allclose(ours.support(), (theirs.lambda_minus, theirs.lambda_plus), rtol=1e-14, atol=1e-15)
    x = np.linspace(ours.lower, ours.upper, 401)[1:-1]
    assert np.max(np.abs(ours.pdf(x) - theirs.pdf(x))) < 1e-14 * ours.pdf(x).max() * 10
    above = np.concatenate([x, [ours.upper, ours.upper * 2]])
    assert np.max(np.abs(ours.cdf(above) - theirs.cdf(above))) < 1e-12


@pytest.mark.parametrize("q,s2", [c for c in CASES if c[0] < 1])
def test_below_the_support_scikit_rmt_misplaces_the_atom(q, s2):
    """In [0, lambda_-): ours is 1 - q, scikit-rmt's 0; quadrature and sampled spectra say 1 - q."""
    ours, theirs = MarchenkoPastur(q, sigma2=s2), _theirs(q, s2)
    gap = ours.lower / 2
    assert theirs.cdf(gap) == 0.0
    truth = float(mp_average(q, lambda t: 1.0 if s2 * t <= gap else 0.0))  # only the atom lies below
    assert truth == pytest.approx(1 - q, abs=1e-15)
    assert ours.cdf(gap) == pytest.approx(truth, abs=1e-15)
    eig = ours.rvs_eigenvalues(100, 4, random_state=0)
    assert np.mean(eig <= gap) == pytest.approx(1 - q, abs=1 / 100)


@pytest.mark.parametrize("q,s2", [(0.5, 2.5)])  # scipy's generic moments take seconds each (docs: more cases)
def test_moments_which_is_right(q, s2):
    """Moments against mpmath: ours agree; scikit-rmt's carry (1 - q) lambda_-^k from the misplaced atom."""
    ours, theirs = MarchenkoPastur(q, sigma2=s2), _theirs(q, s2)
    for k in (1, 2):
        truth = float(mp_average(q, lambda t: (mpmath.mpf(s2) * t) ** k))
        assert ours.moment(k) == pytest.approx(truth, rel=1e-12), k
        misplaced = truth + (1 - q) * ours.lower**k
        assert theirs.moment(k) == pytest.approx(misplaced, rel=1e-6), k
        assert abs(theirs.moment(k) - truth) > 1e-6 * truth, k  # far beyond rounding (ours: 1e-12)
