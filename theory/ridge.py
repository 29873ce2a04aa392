"""The finite-lambda correction to the ridge plateau, and how large it gets.

Eq. 3 keeps only the flat directions: <lam^2/(lam + x)^2> ~ 1 - q. The exact
Marchenko-Pastur value is -lam^2 g'(lam) with g the resolvent; its relative
excess over 1 - q is the correction. At lam = lambda_R(q) the correction is
a function of q alone; we find its supremum over q in (0, 1).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import optimize

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import POSITIVE, RATIO, Domain
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.lambdified import lambdify
from gentoys.theory.core.symbols import lam, q, s


@derivation.derived
def derive():
    """The correction c(q, lambda), at lambda_R, and its limits (runs once, on first use)."""
    from gentoys.theory.gradient_flow import ridge_mean_shrink
    from gentoys.theory.mp_limits import lambda_R

    correction = derivation.new(
        "ridge_correction",
        "Finite-lambda correction to the ridge plateau",
        r"Relative correction $c(q,\lambda)=\langle\lambda^2/(\lambda+x)^2\rangle_{\rm MP}/(1-q)-1$ "
        r"to Eq. 3, and its size at $\lambda=\lambda_R(q)$.",
    )
    correction_expr = correction.step(r"$c(q,\lambda)$:", sp.simplify(ridge_mean_shrink / (1 - q) - 1))
    _at_R_s = sp.simplify(correction_expr.subs(lam, lambda_R.expr).subs(q, s**2))
    _at_R_s = sp.simplify(sp.powdenest(sp.factor(_at_R_s, deep=True), force=True).subs(sp.Abs(s - 1), 1 - s))
    correction_at_R_expr = correction.step(r"At $\lambda=\lambda_R$, in $s=\sqrt q$:", sp.factor(_at_R_s))
    limit_q1 = correction.step(r"Limit $q\to1^-$:", sp.nsimplify(sp.limit(_at_R_s, s, 1, "-")))
    limit_q0 = correction.step(r"Limit $q\to0^+$:", sp.limit(_at_R_s, s, 0, "+"))
    _d_ds = lambdify(s, sp.diff(_at_R_s, s), "numpy")
    _grid = np.linspace(1e-3, 1 - 1e-6, 20001)
    _interior_critical = int(np.count_nonzero(np.diff(np.sign(_d_ds(_grid)))))
    correction.step(
        r"Sign changes of $dc/ds$ on a grid of $2\times10^4$ points in $(0,1)$ (no interior extremum "
        r"when zero; then $c$ rises monotonically and its supremum is the $q\to1$ limit):",
        sp.Integer(_interior_critical),
    )
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


def correction_in_u(stable: bool = True) -> sp.Expr:
    """c(q, lam) without cancellation: 2 q (q lam / R) (q lam / (R + d)) / ((1 - q) u), d = q lam + 1 - q.

    From the plateau's (q lam + (1 - q) u) / R, u (R - u) = q lam and R - d = 4 q^2 lam / (R + d); every
    factor is positive and bounded, so neither lam -> 0 (c ~ lam^2) nor lam -> infinity (c -> q / (1 - q))
    loses digits (tests/test_stable.py proves the form equal to the derived c)."""
    from gentoys.theory.gradient_flow import resolvent_terms

    one_minus_q, root, u, u_stable = resolvent_terms(lam)
    d = q * lam + one_minus_q
    return 2 * q * (q * lam / root) * (q * lam / (root + d)) / (one_minus_q * (u_stable if stable else u))


_Q = Param(q, RATIO)
_correction = Formula("ridge_correction", lambda: derive().correction_expr, (_Q, Param(lam, POSITIVE, "lam")),
                      "relative finite-lambda correction to Eq. 3 (MP)", evaluation=lambda expr: correction_in_u())
correction_at_lambda_R = Formula("ridge_correction_at_lambda_R", lambda: sp.simplify(derive()._at_R_s.subs(s, sp.sqrt(q))),
                                 (_Q,), "relative correction to Eq. 3 at lam = lambda_R(q)")


class _RidgeCorrection:
    """Relative correction <lam^2/(lam+x)^2>_MP / (1 - q) - 1 to Eq. 3.

    ``lam`` defaults to lambda_R(q), the ridge strength with equal GD rates. ``.expr`` is c(q, lambda),
    ``.mp`` evaluates with mpmath at the working precision, same defaults.
    """

    def __call__(self, q: float | np.ndarray, lam: float | np.ndarray | None = None):
        return correction_at_lambda_R(q) if lam is None else _correction(q, lam)

    @property
    def expr(self) -> sp.Expr:
        return _correction.expr

    def mp(self, q: float, lam: float | None = None):
        return correction_at_lambda_R.mp(q) if lam is None else _correction.mp(q, lam)

    def _repr_latex_(self) -> str:
        return _correction._repr_latex_() + r" ($\lambda$ defaults to $\lambda_R(q)$)"

    def __repr__(self) -> str:
        return "<ridge_correction(q, lam=lambda_R(q))>"


ridge_correction = _RidgeCorrection()


def ridge_correction_sup() -> sp.Expr:
    """Exact supremum over q in (0, 1) of the correction at lam = lambda_R.

    Raises if the monotonicity check found an interior extremum, in which
    case the endpoint limits would not be the supremum.
    """
    d = derive()
    if d._interior_critical:
        raise ArithmeticError("the correction has an interior extremum; the supremum is not an endpoint limit")
    return sp.Max(d.limit_q0, d.limit_q1)


def ridge_correction_crossing(level: float = 0.03) -> float | None:
    """The q at which the correction at lambda_R reaches ``level`` in (0, 1) (None if never: ``level`` at or
    above the supremum). The correction rises monotonically from 0 (derivation), like q for small q."""
    return _crossing(Domain(0.0, 1.0).scalar("level", level))


@lru_cache(maxsize=None)
def _crossing(level: float) -> float | None:
    if level >= float(ridge_correction_sup()):
        return None
    gap = lambda v: correction_at_lambda_R(v) - level  # noqa: E731  increasing in q
    lo = level  # the correction is below q (it is q - 8 q^(3/2) + ... near 0), so gap(level) <= 0
    while gap(lo) > 0 and lo > 5e-324:
        lo /= 2
    hi = 1 - 1e-12
    if gap(hi) < 0:
        hi = 1 - 2**-53
        if gap(hi) < 0:
            raise ValueError(f"level={level!r} is within float resolution of the supremum "
                             f"{float(ridge_correction_sup()):.17g}: its crossing lies above q = 1 - 2**-53")
    if gap(lo) >= 0:
        return lo
    # in log q: the bracket spans many decades, and a relative tolerance in q is an absolute one in log q
    return math.exp(optimize.brentq(lambda t: gap(math.exp(t)), math.log(lo), math.log(hi), xtol=1e-15))
