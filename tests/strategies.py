"""The parameter domain of the toy models, described once as Hypothesis strategies.

Every property test draws its parameters from here instead of writing
``st.floats(...)`` inline, so the ranges (and why they stop where they do)
live in one place:

* ``ratios`` q = N_tr / D in (0, 1), kept in [0.05, 0.95]: near 0 or 1 a closed
  form and its reference route (quadrature, minimization) both lose digits, so
  a failure there would mean rounding, not a wrong formula;
* ``lams`` ridge / L1 strength; ``lams_or_zero`` adds lambda = 0 (no penalty);
* ``etas`` a step size, relative to the largest curvature (eta * L in (0, 2)
  converges for GD); ``betas`` heavy-ball momentum in [0, 1);
* ``dims`` small dimensions for simulations; ``sparsities`` the fraction of
  non-zero teacher entries; ``seeds`` seeds of torch / numpy generators.

Each is a plain float (or int) strategy, so a counterexample shrinks to a
readable number. ``examples(n)`` gives a test's example count under the
default ``ci`` profile and the profile's own count under any larger one (see
tests/conftest.py and docs/testing.md).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

#: Sample ratio q = N_tr / D of the under-determined regime.
ratios = st.floats(0.05, 0.95)
#: Ridge (or L1) strength, strictly positive.
lams = st.floats(1e-3, 5.0)
#: Ridge / L1 strength where zero (no penalty) is allowed.
lams_or_zero = st.just(0.0) | lams
#: Smallest non-zero curvature of a quadratic.
lam_mins = st.floats(1e-2, 10.0)
#: Step size in units of 1 / L (L the largest curvature): eta L in (0, 2) is where GD converges.
etas = st.floats(0.05, 1.95)
#: Plain step sizes for problems whose curvatures are at most ~3 (tests/test_iterates.py).
small_etas = st.floats(0.05, 0.6)
#: Heavy-ball momentum in [0, 1): beta = 1 never contracts.
betas = st.floats(0.0, 0.95)
#: Momentum strictly inside (0, 1), where the Chebyshev form (which divides by sqrt(beta)) is defined.
positive_betas = st.floats(0.01, 0.95)
#: Dimension D of a simulated problem: small, so that one example costs milliseconds.
dims = st.integers(8, 48)
#: Fraction of the teacher's entries that are non-zero.
sparsities = st.floats(0.05, 1.0)
#: Seeds of torch and numpy generators.
seeds = st.integers(0, 2**31 - 1)
#: A real value (a weight, a coordinate) of moderate size.
reals = st.floats(-10.0, 10.0)

#: max_examples of the ``ci`` profile (tests/conftest.py registers it with this count); tests that ask for
#: their own count get it only under this profile.
CI_EXAMPLES = 25


def examples(n: int) -> int:
    """A test's example count: ``n`` under the ``ci`` profile, the profile's count under a larger one
    (``HYPOTHESIS_PROFILE=long`` runs every property ``long``'s 10 000 times, not ``n`` times)."""
    current = settings.default.max_examples
    return n if current <= CI_EXAMPLES else max(n, current)


@st.composite
def edges(draw, min_kappa: float = 1.05, max_kappa: float = 1e3):
    """(lam_min, lam_max) with condition number lam_max / lam_min in [min_kappa, max_kappa]
    (kept away from 1, where the heavy-ball band degenerates)."""
    lo = draw(lam_mins)
    kappa = draw(st.floats(min_kappa, max_kappa))
    return lo, lo * kappa


@st.composite
def ordered_ratios(draw, gap: float = 1e-2):
    """q1 < q2 in (0.05, 0.95), at least ``gap`` apart."""
    q1 = draw(st.floats(0.05, 0.95 - gap))
    q2 = draw(st.floats(q1 + gap, 0.95))
    return q1, q2


@st.composite
def problem_sizes(draw, min_samples: int = 2, max_ratio: float = 0.95):
    """(D, N_tr) with D from ``dims`` and N_tr = round(q D) for q from ``ratios``, N_tr in
    [min_samples, max_ratio D]: a finite-D draw of the regime N_tr < D."""
    dim = draw(dims)
    q = draw(ratios)
    n = min(max(min_samples, round(q * dim)), math.floor(max_ratio * dim))
    return dim, n


def mp_edges_direct(q: float) -> tuple[float, float]:
    """Marchenko-Pastur edges written from the textbook, (1 -/+ 1/sqrt(q))^2 (no SymPy)."""
    r = 1 / math.sqrt(q)
    return (1 - r) ** 2, (1 + r) ** 2


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small eigensolves (torch and numpy's OpenBLAS) run in one thread: on a shared 2-core
    runner the default thread pools oversubscribe and turn milliseconds into seconds.
    Restored afterwards. Import it into a test module to use it."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)


def sparse_regression(seed: int, n: int, d: int, k: int):
    """A small lasso problem: X (n, d) Gaussian, y from a k-sparse w plus noise 0.1, and the step bound L
    (the largest eigenvalue of X^T X / n)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = np.zeros(d)
    w[:k] = rng.normal(size=k)
    y = X @ w + 0.1 * rng.normal(size=n)
    return X, y, np.linalg.eigvalsh(X.T @ X / n).max()


# -- the whole domain, ends included (tests/test_stable.py, tests/test_robustness.py) ---------------------------
#: q anywhere in (0, 1): subnormal, tiny, 1 - 1e-16 and everything between (``ratios`` stays in [0.05, 0.95])
edge_ratios = (st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)
               | st.sampled_from([5e-324, 1e-300, 1e-12, 1e-8, 0.5, 1 - 1e-8, 1 - 1e-10, 1 - 1e-14, 1 - 2**-53]))
#: a positive strength anywhere in (0, inf): subnormal to the largest float
edge_lams = (st.floats(0.0, math.inf, exclude_min=True, allow_infinity=False)
             | st.sampled_from([5e-324, 1e-300, 1e-12, 1.0, 1e17, 1e154, 1e160, 1e300, 1.7976931348623157e308]))
#: any input a caller might pass where a real number belongs: every float (NaN, +-inf, negative, subnormal,
#: huge), big integers, bools, complex numbers, numeric and other strings, None, short lists, numpy complex
wild_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    edge_ratios,
    edge_lams,
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.complex_numbers(max_magnitude=10.0),
    st.sampled_from(["0.5", "1e-3", "abc", "", "nan"]),
    st.none(),
    st.lists(st.floats(-2.0, 2.0), min_size=0, max_size=3),
    st.builds(lambda re, im: np.complex128(complex(re, im)), st.floats(0.1, 0.9), st.floats(-1.0, 1.0)),
)
