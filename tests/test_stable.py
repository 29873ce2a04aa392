"""Evaluation forms: each formula's evaluated expression equals its derived one (SymPy proves it), and the
numbers are right across the whole domain, ends included, against mpmath at 50 digits or more.

The reference (tests/mp_reference.py) evaluates the *derived* expression (``.expr``, never the evaluation
form) in mpmath at a precision that outlasts its cancellations.
A value is right when it is within 1e-12 relative of the reference (or 1e-300 absolute: a subnormal result
cannot carry 12 digits); a value beyond float range must be refused with a ValueError naming the arguments.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mp_reference import reference
from strategies import edge_lams, edge_ratios, examples

from gentoys.theory import gradient_flow, marchenko_pastur, mp_limits, prox, ridge, tuning, two_layer
from gentoys.theory.core.formula import Formula
from gentoys.theory.core.stable import cancel_free

REL, ABS = 1e-12, 1e-300


def all_formulas() -> list[Formula]:
    found = {}
    for module in (mp_limits, ridge, gradient_flow, marchenko_pastur, tuning, two_layer, prox):
        for value in vars(module).values():
            if isinstance(value, Formula):
                found[value.name + str(value.params)] = value
    return list(found.values())


FORMULAS = all_formulas()


def _branches(expr: sp.Expr) -> list[sp.Expr]:
    """Every way of replacing each Piecewise by one of its branches (the forms use Piecewise only to choose
    between identically equal expressions, by which one keeps its digits)."""
    pieces = list(expr.atoms(sp.Piecewise))
    if not pieces:
        return [expr]
    first = pieces[0]
    return [b for arg in first.args for b in _branches(expr.xreplace({first: arg.expr}))]


@pytest.mark.parametrize("formula", FORMULAS, ids=[f.name for f in FORMULAS])
def test_evaluation_form_equals_the_derived_expression(formula):
    for branch in _branches(formula.numeric_expr):
        branch = sp.expand_func(branch.doit())  # log1p and friends as logs
        assert sp.simplify(branch - formula.expr) == 0 or _equal_at_50_digits(formula, branch), (formula.name, branch)


def _equal_at_50_digits(formula: Formula, branch: sp.Expr, points: int = 25) -> bool:
    """An identity simplify misses (a log of a rewritten argument) is still checked: at 50 digits, on random
    points of the domain, the two forms agree to 1e-40 relative (probes cannot fake an identity)."""
    rng = np.random.default_rng(0)
    lows = [max(p.domain.low, -10.0) for p in formula.params]
    highs = [min(p.domain.high, 10.0) for p in formula.params]
    with mpmath.workdps(50):
        for _ in range(points):
            subs = {p.symbol: sp.Float(rng.uniform(lo, hi), 50) for p, lo, hi in zip(formula.params, lows, highs)}
            a, b = sp.N(branch.subs(subs), 50), sp.N(formula.expr.subs(subs), 50)
            if abs(a - b) > 1e-40 * max(abs(a), abs(b)):
                return False
    return True


def test_cancel_free_rewrites_the_known_cancellations():
    q = sp.Symbol("q", positive=True)
    lam_r = cancel_free((q**2 - 2 * q + 1) / (4 * q ** sp.Rational(3, 2)))
    assert not any(isinstance(a, sp.Add) and a.has(q**2) for a in sp.preorder_traversal(lam_r))
    edge = cancel_free(1 + 1 / q - 2 / sp.sqrt(q))
    assert sp.simplify(edge - (1 - 1 / sp.sqrt(q)) ** 2) == 0
    assert not edge.has(sp.sqrt(q) - 1)  # sqrt(q) - 1 rounds away its digits near q = 1; q - 1 does not
    assert cancel_free(sp.erfc(q)) == sp.erfc(q)  # only algebraic expressions are rewritten


def assert_right(formula: Formula, *args: float) -> None:
    want = reference(formula, *args)
    if abs(want) > np.finfo(float).max:
        with pytest.raises(ValueError, match=formula.name):
            formula(*args)
        return
    got = formula(*args)
    assert math.isfinite(got), (formula.name, args, got)
    assert abs(got - want) <= max(REL * abs(want), ABS), (formula.name, args, got, float(want))


ONE_ARG = [f for f in FORMULAS if len(f.params) == 1]
RATIO_LAM = [f for f in FORMULAS if [p.label for p in f.params] in (["q", "lam"], ["q", "mu"])]


@pytest.mark.parametrize("formula", ONE_ARG, ids=[f.name for f in ONE_ARG])
@settings(max_examples=examples(40))
@given(edge_ratios)
@example(1 - 1e-8)
@example(1 - 1e-10)
@example(1 - 2**-53)
@example(1e-12)
@example(5e-324)
def test_formulas_of_q_are_right_across_the_domain(formula, qv):
    if formula.params[0].domain.contains(np.float64(qv)):
        assert_right(formula, qv)


@pytest.mark.parametrize("formula", RATIO_LAM, ids=[f.name for f in RATIO_LAM])
@settings(max_examples=examples(60))
@given(edge_ratios, edge_lams)
@example(0.3, 1e17)
@example(0.7, 1e17)
@example(0.3, 1e160)
@example(1 - 1e-10, 2.5e-21)
@example(1 - 1e-10, 1e-10)
@example(0.5, 1e308)
@example(0.5, 5e-324)
def test_formulas_of_q_and_lam_are_right_across_the_domain(formula, qv, lv):
    assert_right(formula, qv, lv)


TWO_SPECTRAL = [f for f in vars(tuning).values() if isinstance(f, Formula)]


@pytest.mark.parametrize("formula", TWO_SPECTRAL, ids=[f.name for f in TWO_SPECTRAL])
@settings(max_examples=examples(40))
@given(edge_lams, edge_lams)
@example(1e-300, 1e300)
@example(1.0, 1.0 + 2**-52)
def test_tuning_formulas_are_right_across_the_domain(formula, a, b):
    lo, hi = min(a, b), max(a, b)
    if lo == hi:
        return
    assert_right(formula, lo, hi)


def test_the_issue_numbers():
    """The values the issue reported wrong, right now (each against the reference above)."""
    from gentoys.theory import lambda_R, ridge_correction, ridge_plateau

    assert lambda_R(1 - 1e-10) == pytest.approx(float(reference(lambda_R, 1 - 1e-10)), rel=REL)
    assert lambda_R(1 - 1e-10) > 0
    with mpmath.workdps(15):
        assert lambda_R.mp(1 - 1e-10) > 0
    assert ridge_plateau(1 - 1e-10, lambda_R(1 - 1e-10)) > 0
    assert ridge_plateau(0.3, 1e17) == pytest.approx(0.5, rel=1e-12)
    assert ridge_plateau(0.7, 1e17) == pytest.approx(0.5, rel=1e-12)
    assert ridge_correction(0.3, 1e17) == pytest.approx(0.3 / 0.7, rel=1e-12)
    assert ridge_correction(0.3, 1e160) == pytest.approx(0.3 / 0.7, rel=1e-12)
    assert ridge_plateau(0.3, 1e160) == pytest.approx(0.5, rel=1e-12)
    assert ridge_correction(1e-12) == pytest.approx(float(reference(ridge.correction_at_lambda_R, 1e-12)), rel=REL)


def test_a_value_beyond_float_range_is_refused_by_name():
    from gentoys.theory import lambda_R

    with pytest.raises(ValueError, match=r"lambda_R\(q=1e-300\) = .*beyond the float range"):
        lambda_R(1e-300)
    assert lambda_R.mp(1e-300) > mpmath.mpf(10) ** 449
