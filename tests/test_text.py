"""checks.framework.text: mathematics a person reads, never SymPy repr."""
import sympy as sp

from gentoys.checks.framework.text import math_text, readable

q, lam, u, v = sp.symbols("q lambda u v", positive=True)
S_i = sp.Symbol("S_i", real=True)


def test_unicode_math_for_the_forms_that_reached_readers():
    assert math_text(sp.Eq(lam / (u * v), lam * u * v)) == "λ/(u·v) = λ·u·v"
    assert math_text(3 * sp.sqrt(2) / 8 - sp.Rational(1, 2)) == "3√2/8 − 1/2"
    assert math_text((1 - q) ** 2 / (4 * q ** sp.Rational(3, 2))) == "(1 − q)²/(4q^(3/2))"
    assert math_text(S_i**2 * lam) == "S_i²·λ"
    assert math_text(1 - q**3 / (2 * (q - 1) ** 3)) == "1 − q³/(2(q − 1)³)"


def test_readable_catches_sympy_repr():
    for bad in ["Eq(lambda/(u*v), lambda*u*v)", "S_i**2*lambda", "-1/2 + 3*sqrt(2)/8", "1 + -q**3"]:
        assert not readable(bad), bad
    assert readable(math_text(sp.Eq(lam / (u * v), lam * u * v)))
