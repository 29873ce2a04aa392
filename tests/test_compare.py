"""checks.compare: every comparison a check is built from must be able to say no."""
import math

import numpy as np
import pytest
import sympy as sp

from gentoys.checks.framework.compare import close, mean_se, relative_error, same_expression, within_errors

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


# --- mean_se and within_errors ------------------------------------------------

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


def test_within_errors_passes_correct_target():
    """A target 1 SE from the mean passes at n_se=4."""
    cmp = within_errors(_samples(1.0, 0.01), 1.01)
    assert cmp.ok and bool(cmp)
    assert cmp.z == pytest.approx(1.0, rel=1e-9)


def test_within_errors_fails_shifted_target():
    """A target 5 SE away fails at n_se=4 and reports z = 5."""
    cmp = within_errors(_samples(1.0, 0.01), 1.05)
    assert not cmp.ok and not bool(cmp)
    assert cmp.z == pytest.approx(5.0, rel=1e-9)
    assert within_errors(_samples(1.0, 0.01), 1.05, n_se=6).ok


def test_within_errors_allowance_is_spent_first():
    """An allowance of 0.03 leaves 2 SE of a 5 SE gap; the allowance does not apply beyond itself."""
    cmp = within_errors(_samples(1.0, 0.01), 0.95, allowance=0.03)
    assert cmp.ok and cmp.z == pytest.approx(2.0, rel=1e-9)
    assert not within_errors(_samples(1.0, 0.01), 0.90, allowance=0.03).ok  # 10 SE - 3 SE = 7 SE
    d = cmp.as_dict()
    assert set(d) == {"mean", "se", "n", "target", "allowance", "z", "signed_z", "n_se"}
    assert d["allowance"] == 0.03


def test_within_errors_zero_spread():
    """Identical samples: exact target passes, any excess over the allowance fails (z = inf)."""
    assert within_errors([2.0, 2.0, 2.0], 2.0).ok
    cmp = within_errors([2.0, 2.0, 2.0], 2.1)
    assert cmp.z == math.inf and not cmp.ok
    assert within_errors([2.0, 2.0, 2.0], 2.1, allowance=0.2).ok


def test_within_errors_nan_mean_never_ok():
    """A NaN among the samples makes the comparison fail instead of silently passing."""
    assert not within_errors([1.0, math.nan, 1.0], 1.0).ok


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_zero_standard_error_keeps_the_sign_of_the_difference(sign):
    """Identical paired differences (s.e. = 0) must not make a positive difference look like a win."""
    cmp = within_errors([sign * 0.2] * 5, 0.0)
    assert cmp.se == 0
    assert cmp.signed_z == sign * math.inf
    assert cmp.below is (sign < 0) and cmp.above is (sign > 0)
    assert not cmp.ok
    assert within_errors([0.0] * 5, 0.0).signed_z == 0 and within_errors([0.0] * 5, 0.0).ok


def test_one_sided_decisions_spend_the_allowance_first():
    cmp = within_errors([-1.0, -1.1, -0.9, -1.0], 0.0, allowance=0.5, n_se=4)
    assert cmp.below and not cmp.above
    assert not within_errors([-1.0, -1.1, -0.9, -1.0], 0.0, allowance=2.0).below
