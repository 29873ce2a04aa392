"""Gradient flow of the linear teacher-student, one eigenmode at a time.

In the eigenbasis of Sigma_tr the training loss separates into modes with
curvature h = lambda_i: l_i = h/2 (S_i - T_i)^2, plus (lam/2) S_i^2 for ridge.
We solve each mode's flow with ``dsolve``, take t -> infinity, and average
the plateau over data sets with isotropy and the Marchenko-Pastur law.
"""
from __future__ import annotations

import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import POSITIVE, RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import S0, T, below_one, h, lam, norm_delta0, norm_S0, norm_T, q, t

_S = sp.Function("S")


def _flow(loss: sp.Expr) -> tuple[sp.Eq, sp.Expr]:
    """The flow S' = -dl/dS of a one-mode loss and its solution from S(0) = S_0."""
    s = sp.Symbol("S_i", real=True)
    rhs = -sp.diff(loss, s).subs(s, _S(t))
    ode = sp.Eq(_S(t).diff(t), sp.expand(rhs))
    sol = sp.dsolve(ode, _S(t), ics={_S(0): S0}).rhs
    return ode, sp.collect(sp.expand(sol), sp.exp(sp.Wild("w")))


_s = sp.Symbol("S_i", real=True)
_h_pos = sp.Symbol("h", positive=True)  # the same curvature, known to be non-zero


def _limit_learned(expr: sp.Expr) -> sp.Expr:
    """t -> infinity for a mode with h > 0."""
    return sp.limit(expr.subs(h, _h_pos), t, sp.oo).subs(_h_pos, h)


@derivation.derived
def derive():
    """Flows, solutions and plateaus, with and without ridge (runs once, on first use)."""
    from gentoys.theory.marchenko_pastur import resolvent_expr

    # -- unregularized ---------------------------------------------------------
    unregularized = derivation.new(
        "gf_unregularized",
        "Gradient flow without regularization",
        r"Mode $i$ of $\ell_{\rm tr}=\frac12(S-T)^T\Sigma_{\rm tr}(S-T)$ has curvature $h=\lambda_i$: "
        r"$\ell_i=\frac h2(S_i-T_i)^2$; $\ell_{\rm gen}=\frac12\Vert S-T\Vert^2$.",
    )
    unreg_ode, _sol = _flow(h / 2 * (_s - T) ** 2)
    unregularized.step("Flow of one mode:", unreg_ode)
    unreg_solution = unregularized.step("Solution with $S(0)=S_0$:", sp.simplify(T + sp.factor(_sol - T)))
    unreg_gen_loss = unregularized.step(r"Its share of $\ell_{\rm gen}$:", sp.factor((unreg_solution - T) ** 2 / 2))
    unregularized.step(r"Limit $t\to\infty$ for $h>0$ (learned directions):", _limit_learned(unreg_gen_loss))
    unregularized.step(r"Limit for $h=0$ (flat directions; they never move):", unreg_gen_loss.subs(h, 0))
    _null = sp.Symbol("c_0", positive=True)
    unregularized.step(
        r"The null space of $\Sigma_{\rm tr}$ has dimension exactly $D-N_{\rm tr}$ (a.s.) and, the data being "
        r"isotropic, a Haar-distributed orientation, so $\langle P_0\rangle_X=c_0 I$ with "
        r"$c_0 D=\langle{\rm tr}\,P_0\rangle=D-N_{\rm tr}$:",
        sp.Eq(_null, 1 - q),
    )
    unreg_plateau_expr = unregularized.step(
        r"Plateau $\lim_{t\to\infty}\langle\ell_{\rm gen}\rangle_X=\frac12\langle\Vert P_0(S_0-T)\Vert^2\rangle$:",
        (1 - q) / 2 * norm_delta0,
    )
    unreg_plateau_random_init = unregularized.step(
        r"With $S_0$ drawn independently of $T$ with zero mean, $\langle\Vert S_0-T\Vert^2\rangle="
        r"\langle\Vert S_0\Vert^2\rangle+\Vert T\Vert^2$:",
        (1 - q) / 2 * (norm_S0 + norm_T),
    )

    # -- ridge -----------------------------------------------------------------
    ridge = derivation.new(
        "gf_ridge",
        "Gradient flow with ridge",
        r"Penalty $\frac\lambda2\Vert S\Vert^2$ (Hessian $\Sigma_{\rm tr}+\lambda I$), mode loss "
        r"$\ell_i=\frac h2(S_i-T_i)^2+\frac\lambda2S_i^2$.",
    )
    ridge_ode, _sol = _flow(h / 2 * (_s - T) ** 2 + lam / 2 * _s**2)
    ridge.step("Flow of one mode:", ridge_ode)
    ridge_fixed_point = h * T / (h + lam)
    ridge_solution = ridge.step(
        "Solution with $S(0)=S_0$:",
        ridge_fixed_point + sp.simplify((_sol - ridge_fixed_point) * sp.exp((h + lam) * t)) * sp.exp(-(h + lam) * t),
    )
    ridge_ode_full_penalty, _ = _flow(h / 2 * (_s - T) ** 2 + lam * _s**2)
    ridge.step(r"For comparison, the flow if the penalty is $\lambda\Vert S\Vert^2$ instead:", ridge_ode_full_penalty)
    ridge_mode_plateau = ridge.step(
        r"Limit $t\to\infty$ of the mode's share of $\ell_{\rm gen}$:",
        sp.factor(_limit_learned((ridge_solution - T) ** 2 / 2)),
    )
    ridge.step(
        r"The eigenvectors are Haar-distributed and independent of the eigenvalues, so "
        r"$\langle T_i^2\rangle=\Vert T\Vert^2/D$ and the plateau is "
        r"$\frac12\Vert T\Vert^2\langle\lambda^2/(\lambda+\lambda_i)^2\rangle$ (Eq. 2). "
        r"Under Marchenko-Pastur $\langle(\lambda+x)^{-2}\rangle=-g'(\lambda)$:",
    )
    ridge_mean_shrink = sp.simplify(-(lam**2) * sp.diff(resolvent_expr, lam))
    ridge_plateau_mp = ridge.step(
        r"$\lim_{t\to\infty}\langle\ell_{\rm gen}\rangle$ per unit $\Vert T\Vert^2$:", ridge_mean_shrink / 2
    )
    _series = sp.series(ridge_plateau_mp, lam, 0, 3).removeO()
    small_lambda_coefficient = sp.factor(below_one(_series.coeff(lam, 2)))
    small_lambda_constant = ridge.step(r"Small-$\lambda$ expansion, constant term (Eq. 3):", below_one(_series.coeff(lam, 0)))
    ridge.step(r"Linear term:", sp.simplify(_series.coeff(lam, 1)))
    ridge.step(r"Coefficient of $\lambda^2$ (for $q<1$):", small_lambda_coefficient)
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


def resolvent_terms(ridge: sp.Symbol = lam):
    """The pieces of the Marchenko-Pastur resolvent at -``ridge`` written for floating point.

    With b = ridge q - (1 - q) and R = sqrt(b^2 + 4 ridge q) (the square root in g), u = ridge g(ridge)
    = (R - b)/2 is evaluated as 2 q ridge / (R + b) where b > 0 (there R - b cancels), and as (R - b)/2
    elsewhere; 1 - q is kept as one term (exact for q >= 1/2). Returns (1 - q, R, u for proofs, u to evaluate).
    """
    one_minus_q = sp.UnevaluatedExpr(1 - q)
    b = ridge * q - one_minus_q
    root = sp.sqrt(b**2 + 4 * ridge * q)
    u = (root - b) / 2
    return one_minus_q, root, u, sp.Piecewise((2 * q * ridge / (root + b), ridge * q > 1 - q), (u, True))


def plateau_in_u(ridge: sp.Symbol = lam, stable: bool = True) -> sp.Expr:
    """The ridge plateau per unit ||T||^2 through u: (q ridge + (1 - q) u) / (2 R) (the identity
    u^2 + b u = q ridge turns lam^2 g (g + q) into q lam + (1 - q) u; tests/test_stable.py proves the two equal)."""
    one_minus_q, root, u, u_stable = resolvent_terms(ridge)
    return (q * ridge + one_minus_q * (u_stable if stable else u)) / (2 * root)


_Q = Param(q, RATIO)
_LAM = Param(lam, POSITIVE, "lam")
unregularized_plateau = Formula(
    "unregularized_plateau", lambda: derive().unreg_plateau_expr / norm_delta0, (_Q,),
    "t -> infinity mean l_gen without ridge, per unit ||S0 - T||^2")
ridge_plateau = Formula(
    "ridge_plateau", lambda: derive().ridge_plateau_mp, (_Q, _LAM),
    "t -> infinity mean l_gen with ridge lam, per unit ||T||^2 (MP)", evaluation=lambda expr: plateau_in_u(lam))
