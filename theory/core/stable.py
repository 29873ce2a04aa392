"""Evaluation forms: the same function as a derived expression, written so that floating point keeps its digits.

A derived expression is the right thing to show and to reason with, but not always the right thing to
evaluate: ``(q**2 - 2*q + 1)/(4*q**(3/2))`` loses every digit as q -> 1 (the numerator cancels), and
``sqrt(q) - 1`` loses them too, although ``(q - 1)/(sqrt(q) + 1)`` keeps them. :func:`cancel_free` rewrites an
algebraic expression (sums, products, powers) by two SymPy steps that remove such cancellations:

1. factor it, with every positive symbol that appears under a square root replaced by the square of a new
   symbol (so ``sqrt(q)`` is a polynomial generator and ``1 + 1/q - 2/sqrt(q)`` factors to ``(sqrt(q) - 1)**2/q``);
2. replace every sum ``A + B*sqrt(C)`` whose two parts have opposite signs (known from the symbols'
   assumptions) by its conjugate form ``(A**2 - B**2*C)/(A - B*sqrt(C))`` with the numerator factored: the
   cancellation then happens exactly, in SymPy, and the denominator adds terms of one sign.

Expressions with other functions (erfc, Max, sign, Piecewise) are returned unchanged. The result is equal to
the input as a function on the symbols' domain (tests/test_stable.py proves it for every formula); the
derived expression stays what the derivation produced, and ``Formula`` evaluates this one.
"""
from __future__ import annotations

import sympy as sp

_ALGEBRAIC = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol)


def is_algebraic(expr: sp.Expr) -> bool:
    return all(isinstance(node, _ALGEBRAIC) for node in sp.preorder_traversal(expr))


def _sign(expr: sp.Expr) -> int:
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    return 0


def _conjugate(add: sp.Add) -> sp.Expr:
    """``A + B sqrt(C)`` with A, B of opposite signs as ``(A^2 - B^2 C) / (A - B sqrt(C))``; else ``add``."""
    radicals = [p for p in add.atoms(sp.Pow) if p.exp == sp.Rational(1, 2)]
    for r in radicals:
        parts = sp.collect(sp.expand(add), r, evaluate=False)
        if set(parts) != {r, sp.S.One}:
            continue
        a, b = parts[sp.S.One], parts[r]
        if a.has(r) or b.has(r) or _sign(a) * _sign(b) != -1:
            continue
        numerator = sp.factor(sp.expand(a**2 - b**2 * r.base))
        if numerator == 0:
            continue
        return numerator / (a - b * r)
    return add


def _power_of_root(expr: sp.Expr, base: sp.Expr, root: sp.Symbol) -> sp.Expr:
    """``expr`` with every power ``base**(k/2)`` written ``root**k``."""
    return expr.replace(lambda n: n.is_Pow and n.base == base, lambda n: root ** (2 * n.exp))


def _conjugate_all(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda n: isinstance(n, sp.Add), _conjugate)


def cancel_free(expr: sp.Expr) -> sp.Expr:
    """An expression equal to ``expr`` that floating point evaluates without cancellation (module docstring)."""
    expr = sp.sympify(expr)
    if not is_algebraic(expr) or expr.is_number:
        return expr
    roots = {p.base for p in expr.atoms(sp.Pow)
             if isinstance(p.base, sp.Symbol) and p.base.is_positive and p.exp.is_Rational and p.exp.q == 2}
    squares = {sym: sp.Dummy(f"sqrt_{sym}", positive=True) for sym in roots}
    work = expr.subs({sym: t**2 for sym, t in squares.items()})
    # radicals of sums stay as they are (factor would expand their radicands, which may cancel)
    radicands = {p.base: sp.Dummy("root", positive=True) for p in work.atoms(sp.Pow)
                 if p.exp.is_Rational and p.exp.q == 2 and not isinstance(p.base, (sp.Symbol, sp.Number))}
    for base, root in radicands.items():
        work = _power_of_root(work, base, root)
    work = sp.factor(work).subs({root: sp.sqrt(base) for base, root in radicands.items()})
    work = _conjugate_all(work)
    work = work.subs({t: sp.sqrt(sym) for sym, t in squares.items()})
    return _conjugate_all(work)
