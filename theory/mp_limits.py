"""Tuning formulas in the Marchenko-Pastur limit D -> infinity at fixed q.

The finite-spectrum formulas of ``tuning`` evaluated at the MP edges
lambda_-(q), lambda_+(q), with ridge at lambda_R(q). Simplification runs in
s = sqrt(q) to keep the radicals tidy.
"""
from __future__ import annotations

import sympy as sp

from gentoys.theory import tuning
from gentoys.theory.core import derivation
from gentoys.theory.core.domain import RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import lam, lam_max, lam_min, q, s

_Q = Param(q, RATIO)

#: name, how the derivation labels it, the finite-spectrum formula, whether ridge sits at lambda_R
LIMITS = (
    ("lambda_R", r"$\lambda_R$", tuning.lambda_R, False),
    ("eta_gd", r"GD step size $\eta_0$", tuning.eta_gd, False),
    ("eta_ridge", r"GD step size with ridge $\lambda_R$, $\eta_\lambda$", tuning.eta_gd_ridge, True),
    ("rate_gd", r"GD factor $R_0$", tuning.rate_gd, False),
    ("rate_gd_ridge", r"GD factor with ridge $\lambda_R$ (equal to $R_0$ by construction)", tuning.rate_gd_ridge, True),
    ("beta_momentum", r"Heavy-ball momentum $\beta_0$", tuning.beta_momentum, False),
    ("beta_momentum_ridge", r"Heavy-ball momentum with ridge $\lambda_R$", tuning.beta_momentum_ridge, True),
    ("eta_momentum", r"Heavy-ball step size $\eta_0$", tuning.eta_momentum, False),
    ("eta_momentum_ridge", r"Heavy-ball step size with ridge $\lambda_R$", tuning.eta_momentum_ridge, True),
    ("rate_momentum", r"Heavy-ball factor", tuning.rate_momentum, False),
    ("rate_momentum_ridge", r"Heavy-ball factor with ridge $\lambda_R$", tuning.rate_momentum_ridge, True),
)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Simplify for 0 < s < 1: |s - 1| = 1 - s, and sqrt of a perfect square."""
    expr = sp.factor(sp.simplify(expr), deep=True)
    expr = sp.powdenest(expr, force=True).subs(sp.Abs(s - 1), 1 - s)
    return sp.factor(sp.simplify(expr.subs(sp.Abs(s - 1), 1 - s)))


@derivation.derived
def derive():
    """Every tuning formula at the MP edges, in s = sqrt(q), then in q (runs once, on first use)."""
    from gentoys.theory.marchenko_pastur import lower_edge_expr, upper_edge_expr

    D = derivation.new(
        "mp_limits",
        "Tuning in the Marchenko-Pastur limit",
        r"Substitute $\lambda_{\min}=\lambda_-(q)$, $\lambda_{\max}=\lambda_+(q)$ (and $\lambda=\lambda_R(q)$ "
        r"with ridge) into the finite-spectrum formulas; work in $s=\sqrt q\in(0,1)$.",
    )
    edges_s = {lam_min: (1 - 1 / s) ** 2, lam_max: (1 + 1 / s) ** 2}
    D.step(
        r"Edges in terms of $s$ (same as the derived ones: difference $=0$):",
        sp.simplify(lower_edge_expr.subs(q, s**2) - edges_s[lam_min])
        + sp.simplify(upper_edge_expr.subs(q, s**2) - edges_s[lam_max]),
    )
    lambda_R_s = _tidy(tuning.lambda_R.expr.subs(edges_s))
    limits = {}
    for name, label, formula, ridge in LIMITS:
        table = {**edges_s, lam: lambda_R_s} if ridge else edges_s
        in_q = sp.simplify(_tidy(formula.expr.subs(table)).subs(s, sp.sqrt(q)))
        limits[name] = D.step(f"{label}, `{name}(q)`:", in_q, name=name)
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


def _limit(name: str, formula: Formula) -> Formula:
    return Formula(name, lambda: derive().limits[name], (_Q,), formula.doc + ", MP limit")


lambda_R, eta_gd, eta_ridge, rate_gd, rate_gd_ridge, beta_momentum, beta_momentum_ridge, eta_momentum, \
    eta_momentum_ridge, rate_momentum, rate_momentum_ridge = (_limit(name, f) for name, _, f, _ in LIMITS)
