"""theory.ridge and the ridge plateau of theory.gradient_flow, against MP quadrature.

The reference is checks.numerics.mp_average (mpmath quadrature of the MP
density, atom included); lambda_R for the q-only correction comes from the
textbook edges, so nothing here re-evaluates the closed form under test.
"""
from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples, lams, mp_edges_direct, ordered_ratios, ratios

from gentoys.checks.evidence.numerics import mp_average
from gentoys.theory import ridge_correction, ridge_correction_crossing, ridge_correction_sup, ridge_plateau
from gentoys.theory.gradient_flow import unregularized_plateau

SUP = 3 * math.sqrt(2) / 8 - 0.5


def _lambda_R_direct(q: float) -> float:
    mu, big = mp_edges_direct(q)
    return mu * big / (big - mu)


def _shrink(q: float, lam: float) -> float:
    """<lam^2 / (lam + x)^2> under MP, by quadrature."""
    return float(mp_average(q, lambda v: lam**2 / (lam + v) ** 2, dps=25))


@settings(max_examples=examples(20))
@given(ratios, lams)
def test_correction_equals_quadrature(q, lam):
    """c(q, lam) = <lam^2/(lam+x)^2>/(1-q) - 1. The closed form subtracts 1 from a ratio near 1
    at small lam, so allow an absolute 1e-12 for that cancellation."""
    want = _shrink(q, lam) / (1 - q) - 1
    assert ridge_correction(q, lam) == pytest.approx(want, rel=1e-9, abs=1e-12)


@settings(max_examples=examples(20))
@given(ratios)
def test_correction_at_lambda_R_equals_quadrature(q):
    lam = _lambda_R_direct(q)
    assert ridge_correction(q) == pytest.approx(_shrink(q, lam) / (1 - q) - 1, rel=1e-9, abs=1e-13)


@settings(max_examples=examples(20))
@given(ratios, lams)
def test_ridge_plateau_equals_half_the_mean_shrinkage(q, lam):
    assert ridge_plateau(q, lam) == pytest.approx(0.5 * _shrink(q, lam), rel=1e-10)


@settings(max_examples=examples(25))
@given(ratios, lams, st.floats(0.05, 0.95))
def test_ridge_plateau_decreases_as_lam_decreases(q, lam, shrink_by):
    assert ridge_plateau(q, lam * shrink_by) < ridge_plateau(q, lam)


@settings(max_examples=examples(20))
@given(ratios)
def test_ridge_plateau_tends_to_the_flat_fraction_as_lam_goes_to_zero(q):
    """Eq. 3: only the 1 - q flat directions keep their error when lam -> 0."""
    assert ridge_plateau(q, 1e-6) == pytest.approx((1 - q) / 2, rel=1e-4)
    assert unregularized_plateau(q) == pytest.approx((1 - q) / 2, rel=1e-14)


@settings(max_examples=examples(30))
@given(ordered_ratios(gap=1e-3))
def test_correction_at_lambda_R_increases_with_q(qq):
    q1, q2 = qq
    assert ridge_correction(q1) < ridge_correction(q2)


def test_correction_increases_with_q_by_quadrature():
    """The same monotonicity, read off quadrature on a coarse grid."""
    values = [_shrink(q, _lambda_R_direct(q)) / (1 - q) - 1 for q in (0.05, 0.2, 0.4, 0.6, 0.8, 0.95)]
    assert all(a < b for a, b in zip(values, values[1:]))


def test_sup_is_exactly_three_sqrt2_over_8_minus_half():
    sup = ridge_correction_sup()
    assert sp.simplify(sup - (3 * sp.sqrt(2) / 8 - sp.Rational(1, 2))) == 0


def test_sup_is_approached_as_q_goes_to_one_by_quadrature():
    q = 0.99
    near = _shrink(q, _lambda_R_direct(q)) / (1 - q) - 1
    assert near < SUP and SUP - near < 1e-6


@settings(max_examples=examples(30))
@given(st.floats(1e-3, 0.999))
def test_correction_stays_below_sup(q):
    assert 0 < ridge_correction(q) < SUP


def test_crossing_is_where_the_correction_reaches_the_level():
    q_star = ridge_correction_crossing(0.03)
    assert 0 < q_star < 1
    assert ridge_correction(q_star) == pytest.approx(0.03, abs=1e-12)
    # and by quadrature just below / above the crossing
    below, above = q_star - 1e-3, q_star + 1e-3
    assert _shrink(below, _lambda_R_direct(below)) / (1 - below) - 1 < 0.03
    assert _shrink(above, _lambda_R_direct(above)) / (1 - above) - 1 > 0.03


def test_crossing_default_and_unreachable_levels():
    assert ridge_correction_crossing() == ridge_correction_crossing(0.03)
    assert ridge_correction_crossing(0.031) is None  # above the supremum
    assert ridge_correction_crossing(0.01) < ridge_correction_crossing(0.03)


@pytest.mark.parametrize("args, name", [((0.5, -1.0), "lam"), ((0.5, 0.0), "lam"), ((1.5,), "q"),
                                        ((float("nan"),), "q"), ((0.0, 1.0), "q")])
def test_bad_inputs_name_the_parameter(args, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        ridge_correction(*args)


@pytest.mark.parametrize("level", [0.0, -0.1, 1.0, float("nan")])
def test_crossing_rejects_bad_levels(level):
    with pytest.raises(ValueError, match="^level"):
        ridge_correction_crossing(level)


def test_ridge_plateau_rejects_bad_inputs():
    with pytest.raises(ValueError, match="^lam"):
        ridge_plateau(0.5, -1.0)
    with pytest.raises(ValueError, match="^q"):
        ridge_plateau(1.0, 1.0)
