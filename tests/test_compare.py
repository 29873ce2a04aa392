"""checks.compare: every comparison a check is built from must be able to say no."""
import math

import numpy as np
import pytest
import sympy as sp

from gentoys.checks.framework.compare import (close, exact_value, mean_se, relative_error, same_expression,
                                              within_tolerance)

x = sp.Symbol("x", positive=True)
q = sp.Symbol("q", positive=True)
POINTS = [{x: 0.3}, {x: 0.7}, {x: 1.9}]
Q_POINTS = [{q: v} for v in (0.1, 0.35, 0.6, 0.85)]


# --- same_expression ---------------------------------------------------------

def test_identity_missed_by_simplify_is_still_equal():
    """atan(x) + atan(1/x) = pi/2 for x > 0: simplify leaves a residue, the probes decide 'equal'."""
    a, b = sp.atan(x) + sp.atan(1 / x), sp.pi / 2
    assert sp.simplify(a - b) != 0  # the premise: simplify alone would miss it
    cmp = same_expression(a, b, POINTS)
    assert cmp.equal and bool(cmp)
    assert cmp.max_abs_difference < 1e-25


def test_differently_written_seed_formula_is_equal():
    """(1-q)^2/(4 q^(3/2)) and (1-sqrt q)^2 (1+sqrt q)^2/(4 q sqrt q) are the same function."""
    a = (1 - q) ** 2 / (4 * q ** sp.Rational(3, 2))
    b = (1 - sp.sqrt(q)) ** 2 * (1 + sp.sqrt(q)) ** 2 / (4 * q * sp.sqrt(q))
    assert same_expression(a, b, Q_POINTS).equal


@pytest.mark.parametrize(
    "wrong",
    [
        (1 + q) ** 2 / (4 * q ** sp.Rational(3, 2)),  # flipped sign
        (1 - q) ** 2 / (4 * q ** sp.Rational(1, 2)),  # exponent off by one
        (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2)),  # constant off by two
        (1 - q) ** 2 / (4 * q ** sp.Rational(3, 2)) * (1 + sp.Rational(1, 10**6)),  # off by 1e-6 relative
    ],
    ids=["sign", "exponent", "constant", "1e-6"],
)
def test_wrong_formula_is_not_equal(wrong):
    """A sign flip, an exponent off by one, a factor 2 and even a 1e-6 relative error are caught."""
    right = (1 - q) ** 2 / (4 * q ** sp.Rational(3, 2))
    cmp = same_expression(right, wrong, Q_POINTS)
    assert not cmp.equal and not bool(cmp)
    assert cmp.max_abs_difference > 1e-12


def test_wrong_only_away_from_one_probe_is_caught():
    """Two formulas that agree at one probe but not another are reported different."""
    a, b = x**2, x  # agree at x = 1 only
    assert same_expression(a, b, [{x: 1.0}]).equal
    assert not same_expression(a, b, [{x: 1.0}, {x: 0.5}]).equal


def test_probe_value_is_its_decimal_rational():
    """A float probe is the exact rational its decimal repr names: 0.1 is 1/10, not the binary double; other
    numbers pass through sympify; a non-finite probe is refused."""
    assert exact_value(0.1) == sp.Rational(1, 10) and exact_value(0.1) != sp.Rational(0.1)
    assert exact_value(np.float64(-2.375)) == sp.Rational(-19, 8)
    assert exact_value(3) == 3 and exact_value(sp.Rational(1, 3)) == sp.Rational(1, 3)
    with pytest.raises(ValueError, match="finite"):
        exact_value(float("nan"))


def test_decimal_probe_agrees_exactly_and_still_tells_apart():
    """x² and x/10 meet at x = 1/10 exactly (gap 0, which the binary double 0.1 would not give) and differ at
    every other probe: one more probe tells them apart."""
    a, b = x**2, x / 10
    at_tenth = same_expression(a, b, [{x: 0.1}])
    assert at_tenth.equal and at_tenth.max_abs_difference == 0.0
    assert not same_expression(a, b, [{x: 0.1}, {x: 0.3}]).equal
    assert not same_expression(x**2, x / 10 + sp.Rational(1, 10**9), [{x: 0.1}]).equal


def test_probe_leaving_a_symbol_free_raises():
    """A probe point that does not assign every symbol is an error, not a silent 'equal'."""
    y = sp.Symbol("y")
    with pytest.raises(ValueError, match="unassigned"):
        same_expression(x + y, y + x, [{x: 0.5}])


# --- close -------------------------------------------------------------------

def test_close_accepts_small_relative_error():
    """1e-4 relative error passes at rtol=1e-3."""
    assert close(1.0, 1.0001, 1e-3)


def test_close_rejects_one_percent_error():
    """A 1 % error fails at rtol=1e-3, in either order."""
    assert not close(1.0, 1.01, 1e-3)
    assert not close(1.01, 1.0, 1e-3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_close_rejects_non_finite(bad):
    """NaN and infinities never agree, not even with themselves."""
    assert not close(bad, 1.0, 1e-3)
    assert not close(1.0, bad, 1e-3)
    assert not close(bad, bad, 1.0)


def test_relative_error():
    """relative_error is symmetric and scaled by the larger magnitude."""
    assert relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert relative_error(1.1, 1.0) == relative_error(1.0, 1.1)
    assert relative_error(0.0, 0.0) == 0.0


# --- mean_se ---------------------------------------------------------------------

def _samples(mean: float, se: float, n: int = 50) -> np.ndarray:
    """n samples whose mean and standard error are exactly ``mean`` and ``se``."""
    z = np.random.default_rng(0).normal(size=n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + z * se * math.sqrt(n)


def test_mean_se_of_known_samples():
    """mean_se returns the sample mean and std(ddof=1)/sqrt(n)."""
    m, se = mean_se(_samples(2.0, 0.01))
    assert m == pytest.approx(2.0, abs=1e-12)
    assert se == pytest.approx(0.01, rel=1e-12)
    assert mean_se([1.0, 3.0]) == pytest.approx((2.0, math.sqrt(2) / math.sqrt(2)))


@pytest.mark.parametrize("samples", [[], [1.0], np.array([[2.0]])])
def test_mean_se_needs_two_samples(samples):
    """Fewer than 2 samples cannot give a standard error."""
    with pytest.raises(ValueError, match="at least 2"):
        mean_se(samples)


# --- within_tolerance: the three-way equivalence decision ----------------------

def test_a_precise_mean_inside_the_tolerance_is_inside():
    cmp = within_tolerance(_samples(1.0, 0.001), 1.01, tolerance=0.02)
    assert cmp.decision == "inside" and cmp.ok and bool(cmp)
    lo, hi = cmp.interval
    assert 0.99 < lo < 1.0 < hi < 1.03 and cmp.n_to_decide is None


def test_a_precise_mean_just_outside_the_tolerance_is_outside():
    """0.5 % beyond the tolerance, measured to 0.05 %: refuted, not excused by noise."""
    cmp = within_tolerance(_samples(1.025, 0.0005), 1.0, tolerance=0.02)
    assert cmp.decision == "outside" and cmp.above and not cmp.below and not cmp.ok
    low = within_tolerance(_samples(0.975, 0.0005), 1.0, tolerance=0.02)
    assert low.decision == "outside" and low.below and not low.above


@pytest.mark.parametrize("se", [0.05, 0.5, 50.0])
def test_a_huge_standard_error_is_never_inside(se):
    """A noisier measurement must never pass more easily: the mean sits on the target, the interval does not
    fit the tolerance, so the decision is undecided, with the data sets that would decide."""
    cmp = within_tolerance(_samples(1.0, se), 1.0, tolerance=0.02)
    assert cmp.decision == "undecided" and not cmp.ok and not cmp.above and not cmp.below
    assert cmp.n_to_decide > 50
    if cmp.n_to_decide < 10**5:  # and the advice is right: that many sets at the same spread decide
        more = within_tolerance(_samples(1.0, se * math.sqrt(50 / cmp.n_to_decide), cmp.n_to_decide), 1.0, 0.02)
        assert more.decision == "inside"


def test_more_noise_moves_a_decision_only_towards_undecided():
    decisions = [within_tolerance(_samples(1.0, se), 1.0, 0.02).decision for se in (0.001, 0.005, 0.01, 0.05)]
    assert decisions[0] == "inside" and decisions[-1] == "undecided"
    assert "outside" not in decisions


def test_the_decision_is_statsmodels_tost():
    from statsmodels.stats.weightstats import DescrStatsW

    x = _samples(1.0, 0.008)
    cmp = within_tolerance(x, 1.0, 0.02)
    assert cmp.p_inside == pytest.approx(DescrStatsW(x).ttost_mean(0.98, 1.02)[0])
    d = cmp.as_dict()
    assert {"mean", "se", "n", "target", "tolerance", "interval", "decision", "n_to_decide"} <= set(d)
    assert "90 % interval" in cmp.describe() and "±" in cmp.describe()


def test_zero_spread_is_decided_exactly():
    assert within_tolerance([2.0, 2.0, 2.0], 2.0, 0.01).decision == "inside"
    assert within_tolerance([2.0, 2.0, 2.0], 2.1, 0.01).decision == "outside"
    assert within_tolerance([2.0, 2.0, 2.0], 2.1, 0.2).decision == "inside"


def test_a_nan_mean_is_never_decided():
    cmp = within_tolerance([1.0, math.nan, 1.0], 1.0, 0.1)
    assert cmp.decision == "undecided" and not cmp.ok and not cmp.above


@pytest.mark.parametrize("tol", [-0.1, math.nan, math.inf])
def test_a_bad_tolerance_is_named(tol):
    with pytest.raises(ValueError, match="tolerance"):
        within_tolerance([1.0, 1.1], 1.0, tol)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_zero_standard_error_keeps_the_sign_of_the_difference(sign):
    """Identical paired differences (s.e. = 0) must not make a positive difference look like a win."""
    cmp = within_tolerance([sign * 0.2] * 5, 0.0, 0.05)
    assert cmp.se == 0
    assert cmp.signed_z == sign * math.inf
    assert cmp.below is (sign < 0) and cmp.above is (sign > 0)
    assert not cmp.ok


def test_a_mean_on_the_tolerance_edge_gives_no_advice_instead_of_crashing():
    cmp = within_tolerance(np.array([1e-10, -1e-10, 1e-10, -1e-10]) + 1e-18, 0.0, 0.0)
    assert cmp.decision == "undecided" and cmp.n_to_decide is None
