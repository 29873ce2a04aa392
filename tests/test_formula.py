"""theory.formula.Formula: numeric back ends of a SymPy expression, and their validation.

The machinery is checked on small hand-written expressions whose value is known
without SymPy, and one derived closed form (lambda_R) is checked at 50 digits
against the textbook Marchenko-Pastur edges computed directly in mpmath.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from strategies import examples, lams, ratios

from gentoys.theory.core.domain import POSITIVE, RATIO, REAL
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import lam, q

F_SQRT = Formula("f", sp.sqrt(q) * lam + sp.exp(-lam), (Param(q, RATIO), Param(lam, POSITIVE, "lam")), "test")
F_CONST = Formula("two", sp.Integer(2), (Param(q, RATIO),))


@settings(max_examples=examples(20))
@given(ratios, lams)
def test_numpy_backend_matches_python(qv, lv):
    assert F_SQRT(qv, lv) == pytest.approx(math.sqrt(qv) * lv + math.exp(-lv), rel=1e-14)
    assert isinstance(F_SQRT(qv, lv), float)


@settings(max_examples=examples(20))
@given(ratios, lams)
def test_scalar_path_matches_numpy(qv, lv):
    """Formula.scalar (Python's math) gives the numpy evaluation's value to rounding, as a float."""
    got = F_SQRT.scalar(qv, lv)
    assert isinstance(got, float)
    assert got == pytest.approx(float(F_SQRT._numpy(qv, lv)), rel=1e-14)


def test_scalar_path_falls_back_to_numpy_where_math_refuses():
    """math raises on sqrt(-1), exp overflow and 1/0; scalar then returns numpy's IEEE answer (nan, inf)."""
    x = sp.Symbol("x", real=True)
    f = Formula("g", sp.sqrt(x) + sp.exp(x) + 1 / (x - 1), (Param(x, REAL),), "test")
    with np.errstate(all="ignore"):
        assert math.isnan(f.scalar(-1.0))
        assert f.scalar(1000.0) == math.inf
        assert f.scalar(4.0) == pytest.approx(2 + math.exp(4) + 1 / 3, rel=1e-14)


def test_arrays_broadcast():
    qs, ls = np.array([0.1, 0.5, 0.9]), np.array([[1.0], [2.0]])
    out = F_SQRT(qs, ls)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, np.sqrt(qs) * ls + np.exp(-ls), rtol=1e-14)


def test_constant_expression_still_broadcasts():
    """lambdify returns a bare 2 for a constant; the call must still give one value per input."""
    out = F_CONST(np.array([0.2, 0.4, 0.6]))
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, 2.0)


def test_mpmath_backend_carries_working_precision():
    with mpmath.workdps(50):
        got = F_SQRT.mp(0.5, 3.0)
        want = mpmath.sqrt(mpmath.mpf(0.5)) * 3 + mpmath.exp(-3)
        assert abs(got - want) < mpmath.mpf(10) ** -48


@pytest.mark.parametrize("qv", [0.07, 0.5, 0.93])
def test_lambda_R_at_50_digits_against_direct_edges(qv):
    """lambda_R(q) = L mu / (L - mu) with mu, L = (1 -/+ 1/sqrt q)^2, all in mpmath."""
    from gentoys.theory import lambda_R

    with mpmath.workdps(50):
        r = 1 / mpmath.sqrt(mpmath.mpf(qv))
        mu, big = (1 - r) ** 2, (1 + r) ** 2
        assert abs(lambda_R.mp(qv) - mu * big / (big - mu)) < mpmath.mpf(10) ** -45


def test_wrong_arity_is_a_type_error_listing_the_parameters():
    with pytest.raises(TypeError, match=r"f\(q, lam\) takes 2 arguments, got 1"):
        F_SQRT(0.5)


@pytest.mark.parametrize("args, name", [((1.5, 1.0), "q"), ((0.5, -1.0), "lam"), ((float("nan"), 1.0), "q")])
def test_domain_errors_name_the_parameter(args, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        F_SQRT(*args)
    with pytest.raises(ValueError, match=f"^{name}"):
        F_SQRT.mp(*args)


def test_subs_latex_repr():
    assert F_SQRT.subs(q=0.25, lam=2) == 1 + sp.exp(-2)
    assert F_SQRT.subs(lam=1).free_symbols == {q}
    assert "sqrt{q}" in F_SQRT.latex
    assert repr(F_SQRT).startswith("<Formula f(q, lam) =")
    assert F_SQRT.symbols == (q, lam)


def test_torch_backend_elementwise_max_sign_abs():
    """The torch back end (when present) maps Max/sign/Abs element-wise, matching numpy written by hand."""
    torch = pytest.importorskip("torch")
    if not hasattr(Formula, "torch"):
        pytest.skip("Formula has no torch back end in this version")
    v = sp.Symbol("v", real=True)  # theory.symbols.x is positive: sign(x) would fold to 1
    f = Formula("st", sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0), (Param(v, REAL, "x"), Param(lam, POSITIVE, "lam")))
    xs = torch.linspace(-3, 3, 13, dtype=torch.float64)
    got = f.torch(xs, torch.tensor(1.0, dtype=torch.float64)).numpy()
    xv = xs.numpy()
    np.testing.assert_allclose(got, np.sign(xv) * np.maximum(np.abs(xv) - 1.0, 0.0), atol=0)
