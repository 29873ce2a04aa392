"""The over-parametrized linear student S = M V (M in R^{D x h}, V in R^h).

Its training loss 1/2 (S - T)^T Sigma_tr (S - T) is the linear teacher-student's,
so the question is which interpolant, or which regularized fit, training on
the factors picks. Three results tie it to the linear model:

* without regularization the flat directions of Sigma_tr keep the part of S
  that the initial M0 puts there (P0 M_t = P0 M0 for GD and heavy ball);
* weight decay on both factors is the penalty lam ||S|| (the scalar reduction
  of the factorization module), whose minimizer is ridge with the
  self-consistent strength mu = lam / ||S||: the linear ridge plateau at mu;
* the L1 step plus shrink after heavy ball has the fixed points of an elastic
  net on the factors with strengths scaled by (1 - beta), and its cost along a
  direction is concave in the column's size: one column per direction wins.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import T, beta, h, lam, q
from gentoys.theory.factorization import lam as _lam_f
from gentoys.theory.factorization import r as _r_f
from gentoys.theory.gradient_flow import plateau_in_u

mu = sp.Symbol("mu", positive=True)  # the effective ridge strength lam / ||S||
_s = sp.Symbol("s", real=True)  # a mode of S


@derivation.derived
def derive():
    """The flat part, weight decay as ridge at a self-consistent mu, and the L1 column cost (runs once, on first use)."""
    from gentoys.theory.factorization import scalar_min
    from gentoys.theory.gradient_flow import ridge_fixed_point, ridge_plateau_mp
    from gentoys.theory.marchenko_pastur import resolvent_expr

    # -- unregularized ---------------------------------------------------------
    flat = derivation.new(
        "two_layer_flat",
        "Two-layer linear student: the flat directions keep the initial factor",
        r"$S=MV$, $\ell_{\rm tr}=\frac12(S-T)^T\Sigma_{\rm tr}(S-T)$, $g=\Sigma_{\rm tr}(S-T)$; $P_0$ projects on "
        r"the null space of $\Sigma_{\rm tr}$.",
    )
    flat.step(r"$\partial\ell_{\rm tr}/\partial M=gV^T$ and $\partial\ell_{\rm tr}/\partial V=M^Tg$. Every column of "
             r"$gV^T$ lies in the range of $\Sigma_{\rm tr}$, so $P_0\,\partial\ell_{\rm tr}/\partial M=0$.")
    flat.step(r"GD and heavy ball move $M$ by linear combinations of past gradients, hence $P_0M_t=P_0M_0$ at every "
             r"step, while $S_t=M_tV_t$ keeps $P_0S_t=P_0M_0V_t$: unlike the linear student, the flat part of "
             r"$S$ moves, through $V$.")
    flat.step(r"An interpolating limit has $(1-P_0)S_\infty=(1-P_0)T$, so $\ell_{\rm gen}=\frac12\Vert P_0(T-M_0V_\infty)"
             r"\Vert^2$; as the initialization shrinks it tends to $\frac12\Vert P_0T\Vert^2$, whose mean is the "
             r"linear plateau with $S_0=0$:", sp.Eq(sp.Symbol(r"\langle\ell_{\rm gen}\rangle"),
                                                (1 - q) / 2 * sp.Symbol(r"\Vert T\Vert^2")))

    # -- weight decay on both factors --------------------------------------------
    weight_decay = derivation.new(
        "two_layer_ridge",
        "Two-layer linear student with weight decay: ridge with a self-consistent strength",
        r"$\min_{M,V}\frac12(MV-T)^T\Sigma_{\rm tr}(MV-T)+\frac\lambda2(\Vert M\Vert_F^2+\Vert V\Vert^2)$.",
    )
    weight_decay.step(r"At fixed $S=MV$: $\Vert M\Vert_F\ge\Vert S\Vert/\Vert V\Vert$, so the penalty is at least the scalar "
             r"reduction with $r=\Vert S\Vert$, $k=\Vert V\Vert$, whose minimum over $k$ is",
             scalar_min.subs({_lam_f: lam, _r_f: sp.Symbol(r"\Vert S\Vert", positive=True)}))
    weight_decay.step(r"(reached by $M=SV^T/\Vert V\Vert^2$, $\Vert V\Vert^2=\Vert S\Vert$), so the fit is "
             r"$\min_S\frac12(S-T)^T\Sigma_{\rm tr}(S-T)+\lambda\Vert S\Vert$: convex, with $P_0S=0$ at the minimum. "
             r"Its gradient $\Sigma_{\rm tr}(S-T)+\lambda S/\Vert S\Vert$ is a ridge gradient with strength "
             r"$\mu=\lambda/\Vert S\Vert$. Mode $i$ (curvature $h$):")
    mode_solution = weight_decay.step("Stationary mode:", sp.solve(sp.diff(h / 2 * (_s - T) ** 2 + mu / 2 * _s**2, _s), _s)[0])
    derivation.check(sp.simplify(mode_solution - ridge_fixed_point.subs(lam, mu)) == 0, "the linear ridge fixed point at mu")
    weight_decay.step(r"This is the linear ridge fixed point at $\lambda\to\mu$, so $\ell_{\rm gen}$ is the ridge plateau (Eq. 2) "
             r"at $\mu$, and $M=-gV^T/\lambda$ at the minimum: rank one, spread over every hidden unit.")
    weight_decay.step(r"Self-consistency $\mu\Vert S(\mu)\Vert=\lambda$, and $\mu\Vert S(\mu)\Vert$ increases from 0 to "
             r"$\Vert\Sigma_{\rm tr}T\Vert$, so $\mu$ is unique when $\lambda<\Vert\Sigma_{\rm tr}T\Vert$ (else $S=0$).")
    _mode_norm2 = sp.expand((h / (h + mu)) ** 2)
    _g = resolvent_expr.subs(lam, mu)  # <1/(x + mu)> under Marchenko-Pastur, atom included
    norm2_mp = weight_decay.step(
        r"Marchenko-Pastur limit of $\Vert S\Vert^2/\Vert T\Vert^2=\langle x^2/(x+\mu)^2\rangle=1-2\mu g(\mu)-\mu^2"
        r"g'(\mu)$:", sp.simplify(1 - 2 * mu * _g - mu**2 * sp.diff(_g, mu)))
    plateau_mp = weight_decay.step(r"and the plateau per unit $\Vert T\Vert^2$:", ridge_plateau_mp.subs(lam, mu))

    # -- L1 step and shrink after heavy ball ------------------------------------------
    l1_step = derivation.new(
        "two_layer_lasso",
        "L1 step and shrink on the factors: effective strengths and one column per direction",
        r"Heavy ball with momentum $\beta$, then $w\leftarrow S_{\eta\lambda_1}(w)/(1+\eta c)$ on every weight.",
    )
    _w, _v, _gr, _eta, _l1, _c = sp.symbols("w v g eta lambda_1 c", real=True)
    _fp = sp.Eq(_w, (_w - _eta * _v - _eta * _l1) / (1 + _eta * _c))  # a fixed point with w > 0
    l1_step.step(r"At a fixed point the velocity is $v=g/(1-\beta)$; for a weight $w>0$ the step reads", _fp)
    effective_gradient = l1_step.step("so the gradient there is",
                                 sp.solve(_fp.subs(_v, _gr / (1 - beta)), _gr)[0])
    l1_step.step(r"the stationarity condition of $\ell+(1-\beta)\left(\lambda_1\Vert w\Vert_1+\frac c2\Vert w\Vert^2\right)$: "
             r"momentum divides both strengths' effect by $1/(1-\beta)$ (the L1 part is the proximal finding of group C).")
    _t, _b, _kappa, _c_pos, _l1_pos = sp.symbols("t b kappa c lambda_1", positive=True)
    column_cost = l1_step.step(
        r"A column $m$ with output weight $v$ contributes $s=mv$; along a direction with $\Vert\hat s\Vert_1=\kappa$ "
        r"and size $t=\Vert s\Vert$, the choice $\Vert m\Vert=b\sqrt t$ costs",
        sp.sqrt(_t) * _l1_pos * (_b * _kappa + 1 / _b) + _t * _c_pos / 2 * (_b**2 + 1 / _b**2))
    column_curvature = l1_step.step(r"Its second derivative in $t$ at fixed $b$ is negative:",
                               sp.factor(sp.diff(column_cost, _t, 2)))
    l1_step.step(r"The cost of the best $b$ is a minimum of concave functions of $t$, hence concave, and zero at $t=0$: "
             r"subadditive. Splitting one direction over several parallel columns costs strictly more when "
             r"$\lambda_1>0$, so the minimum uses one column per direction; with weight decay alone ($\lambda_1=0$) "
             r"the cost $ct$ is linear and every split is equally good, which is why ridge spreads over all units.")
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


_Q = Param(q, RATIO)
def norm2_without_cancellation() -> sp.Expr:
    """<x^2/(x + mu)^2>_MP = 1 - 2u + (q mu + (1 - q) u)/R written with positive terms only:
    2 q ((1 - q)(R + 1 - q) + q mu (1 + 3q)) / (R (e + R)(R + d)), e = q mu + q + 1, d = q mu + 1 - q
    (1 - u = 2q/(e + R) and R - d = 4 q^2 mu/(R + d) remove the two differences; tests/test_stable.py proves
    the form equal to the derived one). It tends to q as mu -> 0 and to (1 + q)/(q mu^2) as mu -> infinity."""
    from gentoys.theory.gradient_flow import resolvent_terms

    one_minus_q, root, _, _ = resolvent_terms(mu)
    e, d = q * mu + q + 1, q * mu + one_minus_q
    return 2 * q * (one_minus_q * (root + one_minus_q) + q * mu * (1 + 3 * q)) / (root * (e + root) * (root + d))


two_layer_ridge_norm2 = Formula("two_layer_ridge_norm2", lambda: derive().norm2_mp, (_Q, Param(mu, POSITIVE, "mu")),
                                "||S||^2 / ||T||^2 of ridge at strength mu, Marchenko-Pastur limit",
                                evaluation=lambda expr: norm2_without_cancellation())
two_layer_ridge_plateau_at = Formula("two_layer_ridge_plateau_at", lambda: derive().plateau_mp, (_Q, Param(mu, POSITIVE, "mu")),
                                     "l_gen per unit ||T||^2 of ridge at strength mu, Marchenko-Pastur limit",
                                     evaluation=lambda expr: plateau_in_u(mu))


def two_layer_mu(q: float, lam: float, norm_T: float = 1.0) -> float:
    """The self-consistent mu = lam / ||S(mu)|| of weight decay lam on S = M V (Marchenko-Pastur limit)."""
    q, lam, norm_T = RATIO.scalar("q", q), POSITIVE.scalar("lam", lam), POSITIVE.scalar("norm_T", norm_T)
    # m ||S(m)|| rises from 0 to ||Sigma T|| = norm_T sqrt((1 + q) / q) (MP) as m -> infinity
    with np.errstate(over="ignore"):
        top = norm_T * math.sqrt((1 + q) / q) if (1 + q) / q < math.inf else math.inf
    if lam >= top:
        raise ValueError(f"lam={lam:g} is at least ||Sigma T|| = norm_T sqrt((1 + q)/q) = {top:g} at q={q:g}, "
                         f"norm_T={norm_T:g}: the minimum is S = 0")
    gap = lambda t: math.exp(t) * norm_T * math.sqrt(two_layer_ridge_norm2(q, math.exp(t))) - lam  # noqa: E731
    lo, hi = math.log(min(1e-15, lam / norm_T)), 0.0
    while gap(lo) > 0 and lo > -700:
        lo -= 10
    while gap(hi) < 0:
        hi += 5
        if hi > 700:
            raise ValueError(f"lam={lam:g} is within float resolution of ||Sigma T|| = {top:g} at q={q:g}: "
                             f"its mu overflows")
    # in log mu: the bracket spans many decades, and the answer is wanted to a relative tolerance
    return math.exp(brentq(gap, lo, hi, xtol=1e-15, rtol=1e-15))


def two_layer_ridge_plateau(q: float, lam: float, norm_T: float = 1.0) -> float:
    """Mean l_gen of the weight-decayed two-layer linear student at its minimum (Marchenko-Pastur limit)."""
    mu_value = two_layer_mu(q, lam, norm_T)
    with np.errstate(over="ignore"):
        out = float(two_layer_ridge_plateau_at(q, mu_value)) * np.float64(norm_T) ** 2
    if not math.isfinite(out):
        raise ValueError(f"norm_T={norm_T:g}: the plateau, proportional to norm_T^2, is beyond the float range")
    return float(out)


def group_ridge_solution(curvatures: np.ndarray, teacher_modes: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """The minimizer of 1/2 (S - T)^T Sigma (S - T) + lam ||S|| for one data set, in Sigma's eigenbasis.

    ``curvatures`` are Sigma's eigenvalues (zeros allowed), ``teacher_modes`` T's coordinates in that basis.
    Returns (mu, S's coordinates); mu = inf and S = 0 when lam >= ||Sigma T||.
    """
    h_, t_ = np.asarray(curvatures, float), np.asarray(teacher_modes, float)
    NON_NEGATIVE.validate("curvatures", h_)
    POSITIVE.validate("lam", lam)
    if lam >= np.linalg.norm(h_ * t_):
        return float("inf"), np.zeros_like(t_)
    shrunk = lambda m: h_ * t_ / (h_ + m)  # noqa: E731
    gap = lambda log_m: np.exp(log_m) * np.linalg.norm(shrunk(np.exp(log_m))) - lam  # noqa: E731
    lo, hi = np.log(lam) - 40.0, np.log(lam) + 40.0
    m = float(np.exp(brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14)))
    return m, shrunk(m)
