"""The lasso's generalization in the proportional limit: AMP state evolution.

The seed's lasso, min_S 1/(2N) ||X^T (S - T)||^2 + lam ||S||_1 with X in
R^{D x N} iid N(0, 1), is the lasso of Bayati & Montanari (2012) with
A = X^T / sqrt(N) (entries N(0, 1/N), delta = N/D = q) in the coordinates
x = sqrt(D) S, x0 = sqrt(D) T and with penalty lam_BM = lam sqrt(D). Holding
lam_BM fixed as D grows (lam ~ D^-1/2) gives a limit in which
l_gen = 1/2 ||S - T||^2 = 1/2 mean_i (x_i - x0_i)^2 is the state evolution's
mean squared error. SymPy derives the Gaussian integrals of the soft
threshold for the teacher's prior (1 - eps) delta_0 + eps N(0, 1/eps) in
closed form; the fixed point and the calibration lam <-> alpha are solved
numerically. In the noiseless lam -> 0 limit the fixed point tau = 0 is
stable exactly below the minimax soft-threshold risk: the Donoho-Tanner line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import optimize

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, REAL, Domain, validate_int
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import q

#: fraction eps of non-zero teacher coordinates (eps = 1: the dense random teacher)
SPARSITY = Domain(0.0, 1.0, high_open=False)

alpha = sp.Symbol("alpha", positive=True)  # threshold in units of tau
tau = sp.Symbol("tau", positive=True)  # effective noise of the AMP pseudo-data
eps = sp.Symbol("epsilon", positive=True)  # sparsity
sigma2 = sp.Symbol("sigma^2", nonnegative=True)  # effective noise variance (lasso units)
lam_bm = sp.Symbol("lambda_BM", nonnegative=True)
_y = sp.Symbol("y", real=True)
_sd = sp.Symbol("s", positive=True)  # standard deviation of the pseudo-datum Y
_th = sp.Symbol("theta", positive=True)  # threshold
_v = sp.Symbol("v", positive=True)  # variance of a non-zero teacher coordinate, 1/eps
x0 = sp.Symbol("x_0", real=True)  # one coordinate of sqrt(D) T


def stable(expr: sp.Expr) -> sp.Expr:
    """The same function written for floating point: erf as 1 - erfc and everything expanded, so that the tails
    cancel exactly in SymPy (no 1 - erf(x) for large x) and exp(a^2/2) exp(-a^2/2) never overflows."""
    return sp.powsimp(sp.expand(expr.rewrite(sp.erfc)), combine="exp")


def canonical(expr: sp.Expr) -> sp.Expr:
    """One printed form per function: SymPy's integrals and simplifications come out with erf or erfc, and
    factored or not, depending on the hash seed; rewritten, expanded (``stable``) and common factors pulled
    out, equal results print identically, so docs/derivations.md does not depend on PYTHONHASHSEED."""
    return sp.factor_terms(stable(expr))


@derivation.derived
def derive():
    """The soft threshold's Gaussian integrals, the state evolution and the Donoho-Tanner line (runs once, on
    first use)."""
    D = derivation.new(
        "lasso_state_evolution",
        "The lasso's generalization from AMP state evolution",
        r"$\min_S\frac1{2N}\Vert X^T(S-T)\Vert^2+\lambda\Vert S\Vert_1$, $X\in\mathbb R^{D\times N}$ iid $N(0,1)$, "
        r"$\Vert T\Vert=1$ with a fraction $\epsilon$ of Gaussian non-zero entries, $\ell_{\rm gen}=\frac12\Vert "
        r"S-T\Vert^2$; soft threshold $\eta(y;\theta)={\rm sign}(y)\max(|y|-\theta,0)$.",
    )
    D.step(
        r"With $A=X^T/\sqrt N$ (entries $N(0,1/N)$, $\delta=N/D=q$), $x=\sqrt D S$, $x_0=\sqrt D T$, $D$ times the "
        r"objective is $\frac12\Vert A(x-x_0)\Vert^2+\lambda\sqrt D\Vert x\Vert_1$: the Bayati-Montanari lasso with "
        r"penalty $\lambda_{\rm BM}=\lambda\sqrt D$, held fixed as $D\to\infty$ ($\lambda\propto D^{-1/2}$). Label "
        r"noise of variance $\sigma_0^2$ (signal variance $\Vert T\Vert^2=1$) becomes noise of variance "
        r"$\sigma^2=\sigma_0^2/q$ on $y=Ax_0+w$. The prior of $x_0$ is $(1-\epsilon)\delta_0+\epsilon N(0,1/\epsilon)$ "
        r"and $\ell_{\rm gen}=\frac12\,{\rm mean}_i(x_i-x_{0,i})^2$.",
    )
    _density = sp.exp(-_y**2 / (2 * _sd**2)) / (sp.sqrt(2 * sp.pi) * _sd)
    moment_eta2 = D.step(r"For $Y\sim N(0,s^2)$, by symmetry $E[\eta(Y;\theta)^2]=2\int_\theta^\infty(y-\theta)^2p(y)dy$:",
                         canonical(2 * sp.integrate((_y - _th) ** 2 * _density, (_y, _th, sp.oo))))
    moment_y_eta = D.step(r"$E[Y\eta(Y;\theta)]$:", canonical(2 * sp.integrate(_y * (_y - _th) * _density, (_y, _th, sp.oo))))
    moment_slope = D.step(r"$E[\eta'(Y;\theta)]=P(|Y|>\theta)$:", canonical(2 * sp.integrate(_density, (_y, _th, sp.oo))))
    mse_zero = D.step(r"Zero atom ($x_0=0$, $Y=\tau Z$, $\theta=\alpha\tau$): $E[\eta^2]$ is",
                      canonical(moment_eta2.subs({_sd: tau, _th: alpha * tau})))
    D.step(
        r"Non-zero coordinate $x_0\sim N(0,v)$, $Y=x_0+\tau Z\sim N(0,s^2)$ with $s^2=v+\tau^2$. Gaussian conditioning "
        r"gives $E[x_0|Y]=(v/s^2)Y$, so $E[(\eta-x_0)^2]=E[\eta^2]-2\frac v{s^2}E[Y\eta]+v$.",
    )
    _s_slab = sp.sqrt(_v + tau**2)
    mse_slab = D.step(r"Its mean squared error, $\theta=\alpha\tau$:",
                      (moment_eta2 - 2 * _v / _sd**2 * moment_y_eta + _v).subs({_sd: _s_slab, _th: alpha * tau}))
    mse_expr = D.step(r"Mixture with $v=1/\epsilon$: ${\rm MSE}(\alpha,\tau)=(1-\epsilon){\rm MSE}_0+\epsilon{\rm MSE}_1$:",
                      (1 - eps) * mse_zero + eps * mse_slab.subs(_v, 1 / eps))
    slope_expr = D.step(r"and $\langle\eta'\rangle$, the predicted share of non-zero coordinates of the solution:",
                        (1 - eps) * moment_slope.subs({_sd: tau, _th: alpha * tau})
                        + eps * moment_slope.subs({_sd: sp.sqrt(1 / eps + tau**2), _th: alpha * tau}))
    fixed_point_eq = D.step(r"State evolution fixed point (Bayati-Montanari), $\delta=q$:",
                            sp.Eq(tau**2, sigma2 + sp.Symbol("MSE") / q))
    calibration_eq = D.step(r"Calibration of the threshold to the penalty:",
                            sp.Eq(lam_bm, alpha * tau * (1 - sp.Symbol(r"\langle\eta'\rangle") / q)))
    _u = sp.Symbol("u", positive=True)
    small_tau = D.step(r"As $\tau\to0$ (noiseless, $\lambda\to0$): $\lim{\rm MSE}/\tau^2=M(\alpha)$, the minimax risk of "
                       r"soft thresholding on an $\epsilon$-sparse signal:",
                       canonical(sp.limit(mse_expr / tau**2, tau, 0, "+")))
    large_tau = D.step(r"As $\tau\to\infty$, ${\rm MSE}/\tau^2$ tends to the zero atom's share; a fixed point exists "
                       r"(the map $\tau^2\mapsto\sigma^2+{\rm MSE}/q$ contracts at infinity) iff this is below $q$, "
                       r"i.e. $\alpha>\alpha_{\min}(q)$:", canonical(sp.limit(mse_expr / tau**2, tau, sp.oo)))
    D.step(
        r"Which fixed point: $F(\tau^2)=\sigma^2+{\rm MSE}/q$ is increasing and concave in $\tau^2$ (Bayati-Montanari, "
        r"Lemma C.1), so $F(\tau^2)/\tau^2$ decreases and there is at most one positive fixed point. AMP started at "
        r"$x=0$ has $\tau_0^2=\sigma^2+E[x_0^2]/q$ and decreases monotonically to the largest fixed point: that one is "
        r"the lasso's. With $\sigma=0$, $\tau=0$ is also a fixed point; it is the lasso's only when no positive one "
        r"exists, i.e. $M(\alpha)\le q$. The calibration $\lambda(\alpha)$ is non-decreasing on $(\alpha_{\min},\infty)$, "
        r"from $-\infty$ to $\infty$, so $\lambda(\alpha)=\lambda_{\rm BM}$ is solved by bracketing.",
    )
    D.step(r"Then $\ell_{\rm gen}=\frac12{\rm MSE}=\frac q2(\tau^2-\sigma^2)$.")

    # -- one fixed teacher: the prior replaced by the empirical distribution of its coordinates --------------
    D.step(
        r"One fixed teacher (a single draw simulated over many designs): the average over the prior becomes the mean "
        r"over the coordinates of $x_0=\sqrt D T$, the prior replaced by their empirical distribution. Per "
        r"coordinate, with $Y=x_0+\tau Z$ and $\theta=\alpha\tau$: $\eta-x_0=\tau Z-\theta$ where $Y>\theta$, "
        r"$\tau Z+\theta$ where $Y<-\theta$ and $-x_0$ in between.",
    )
    _z, _c = sp.Symbol("z", real=True), sp.Symbol("c", real=True)
    _phi = sp.exp(-_z**2 / 2) / sp.sqrt(2 * sp.pi)
    tail_moment = D.step(r"With $b=x_0/\tau$ the two tails are $\tau^2G(\alpha\mp b)$ (the lower one by $Z\to-Z$), "
                         r"$G(c)=\int_c^\infty(z-\alpha)^2\varphi(z)dz$:",
                         canonical(sp.integrate((_z - alpha) ** 2 * _phi, (_z, _c, sp.oo))))
    tail_mass = D.step(r"and the middle has mass $1-Q(\alpha-b)-Q(\alpha+b)$, $Q(c)=\int_c^\infty\varphi$:",
                       canonical(sp.integrate(_phi, (_z, _c, sp.oo))))
    _b = x0 / tau
    mse_coordinate = D.step(
        r"${\rm mse}(x_0;\alpha,\tau)=E_Z[(\eta(x_0+\tau Z;\alpha\tau)-x_0)^2]$:",
        tau**2 * (tail_moment.subs(_c, alpha - _b) + tail_moment.subs(_c, alpha + _b))
        + x0**2 * (1 - tail_mass.subs(_c, alpha - _b) - tail_mass.subs(_c, alpha + _b)))
    slope_coordinate = D.step(r"and $P(|x_0+\tau Z|>\alpha\tau)$:",
                              tail_mass.subs(_c, alpha - _b) + tail_mass.subs(_c, alpha + _b))
    coordinate_large_tau = D.step(
        r"${\rm MSE}={\rm mean}_i\,{\rm mse}(x_{0,i})$ and $\langle\eta'\rangle$ likewise enter the same fixed point "
        r"and calibration. As $\tau\to\infty$, ${\rm mse}/\tau^2$ tends to the zero atom's share for every $x_0$, "
        r"so $\alpha_{\min}(q)$ is the prior's:", canonical(sp.limit(mse_coordinate / tau**2, tau, sp.oo)))

    # -- the Donoho-Tanner line -----------------------------------------------------
    DT = derivation.new(
        "donoho_tanner",
        "The noiseless lasso's exact-recovery line (Donoho-Tanner)",
        r"Noiseless, $\lambda\to0$: the state evolution near $\tau=0$ reads $\tau^2_{t+1}=M(\alpha)\tau_t^2/q$.",
    )
    minimax_expr = DT.step(r"$\tau=0$ is stable iff $M(\alpha)<q$ for some $\alpha$; the best $\alpha$ minimizes", small_tau)
    _dM = DT.step(r"$dM/d\alpha$:", canonical(sp.diff(minimax_expr, alpha)))
    eps_of_alpha = DT.step(r"$dM/d\alpha=0$ is linear in $\epsilon$; its solution, the sparsity whose minimax threshold is "
                           r"$\alpha$:", canonical(sp.solve(_dM, eps)[0]))
    delta_of_alpha = DT.step(r"The critical $q$ at that sparsity, $q_{\rm DT}=M(\alpha)$ at $\epsilon(\alpha)$ "
                             r"(a parametric form of the line, $\alpha\in(0,\infty)$):",
                             canonical(minimax_expr.subs(eps, eps_of_alpha)))
    DT.step(r"Exact recovery as $\lambda\to0$ iff $q>q_{\rm DT}(\epsilon)$; $\rho=\epsilon/q$ is the Donoho-Tanner "
            r"weak threshold of the cross-polytope.")



    D.step(r"For evaluation every expression is expanded with ${\rm erf}=1-{\rm erfc}$ (the Gaussian tails then "
           r"carry no cancellation and no $e^{\alpha^2/2}$ overflows); e.g. the zero atom's share becomes",
           stable(mse_zero))
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)

_A, _T = Param(alpha, POSITIVE, "alpha"), Param(tau, POSITIVE, "tau")
_EPS = Param(eps, SPARSITY, "sparsity")
soft_threshold_mse = Formula("soft_threshold_mse", lambda: stable(derive().mse_expr), (_A, _T, _EPS),
                             "E[(eta(x0 + tau Z; alpha tau) - x0)^2] under (1-eps) delta_0 + eps N(0, 1/eps)")
soft_threshold_slope = Formula("soft_threshold_slope", lambda: stable(derive().slope_expr), (_A, _T, _EPS),
                               "E[eta'(x0 + tau Z; alpha tau)] = P(|x0 + tau Z| > alpha tau)")
minimax_risk = Formula("minimax_risk", lambda: stable(derive().minimax_expr), (_A, _EPS), "lim_{tau -> 0} MSE / tau^2")
alpha_min_risk = Formula("alpha_min_risk", lambda: stable(derive().large_tau), (_A, _EPS), "lim_{tau -> oo} MSE / tau^2")
coordinate_mse = Formula("coordinate_mse", lambda: derive().mse_coordinate,
                         (_A, _T, Param(x0, REAL, "x0")),
                         "E_Z[(eta(x0 + tau Z; alpha tau) - x0)^2] at one fixed coordinate x0")
coordinate_slope = Formula("coordinate_slope", lambda: derive().slope_coordinate,
                           (_A, _T, Param(x0, REAL, "x0")), "P(|x0 + tau Z| > alpha tau) at one fixed coordinate x0")
dt_sparsity_of_alpha = Formula("dt_sparsity_of_alpha", lambda: derive().eps_of_alpha, (_A,), "sparsity whose minimax threshold is alpha")
dt_ratio_of_alpha = Formula("dt_ratio_of_alpha", lambda: derive().delta_of_alpha, (_A,), "Donoho-Tanner q at that sparsity")


def _mse(a: float, t: float, sparsity: float) -> float:
    return soft_threshold_mse.scalar(a, t, sparsity)


def _slope(a: float, t: float, sparsity: float) -> float:
    return soft_threshold_slope.scalar(a, t, sparsity)


@dataclass(frozen=True)
class LassoRisk:
    """The state evolution's prediction for one (q, sparsity, lam, dim, noise)."""

    gen_loss: float  # predicted l_gen = 1/2 ||S - T||^2 of the converged lasso
    support_fraction: float  # predicted share of non-zero coordinates of the solution
    tau: float  # fixed point of the state evolution (lasso units)
    alpha: float  # threshold / tau
    lam_bm: float  # lam sqrt(dim), the penalty the limit holds fixed
    mse: float  # per-coordinate MSE of x = sqrt(D) S


def _check(q_value, sparsity, noise) -> tuple[float, float, float]:
    return (POSITIVE.scalar("q", q_value), SPARSITY.scalar("sparsity", sparsity),
            NON_NEGATIVE.scalar("noise", noise))


@lru_cache(maxsize=4096)
def _alpha_min(q_value: float, sparsity: float) -> float:
    """Smallest alpha with a fixed point: the tau -> oo slope equals q."""
    f = lambda a: alpha_min_risk.scalar(a, sparsity) - q_value  # noqa: E731  decreasing in a
    return optimize.brentq(f, 1e-12, 40.0, xtol=1e-14) if f(1e-12) > 0 else 0.0


def _tau_of(mse, a: float, q_value: float, sig2: float, a_min: float, second_moment: float = 1.0) -> float:
    """The largest solution of tau^2 = sig2 + mse(alpha, tau)/q for a prior given by its ``mse``."""
    if a <= a_min:
        return math.inf
    # h(tau) = F(tau^2)/tau^2 - 1 decreases in tau (F concave, F(0) >= 0): one sign change at most.
    h = lambda lt: (sig2 + mse(a, math.exp(lt)) / q_value) / math.exp(2 * lt) - 1  # noqa: E731
    hi = 0.5 * math.log(sig2 + second_moment / q_value) + 1.0
    while h(hi) > 0:
        hi += 2.0
    lo = hi - 4.0
    floor = math.log(1e-7)
    while h(lo) < 0:
        if lo < floor:
            if sig2 > 0:
                raise ArithmeticError(f"no fixed point found above tau=1e-7 at alpha={a:g}")
            return 0.0  # noiseless and M(alpha) <= q: tau = 0 is the only fixed point
        lo -= 2.0
    return math.exp(optimize.brentq(h, lo, hi, xtol=1e-13, rtol=1e-13))


def state_tau(a: float, q_value: float, sparsity: float, sig2: float) -> float:
    """The lasso's fixed point tau(alpha): the largest solution of tau^2 = sig2 + MSE(alpha, tau)/q."""
    return _tau_of(lambda a_, t: _mse(a_, t, sparsity), a, q_value, sig2, _alpha_min(q_value, sparsity))


def calibration(a: float, q_value: float, sparsity: float, sig2: float, tau_value: float | None = None) -> float:
    """lam_BM(alpha) = alpha tau (1 - <eta'>/q) at the lasso's fixed point."""
    t = state_tau(a, q_value, sparsity, sig2) if tau_value is None else tau_value
    if t == 0.0:
        return 0.0
    return a * t * (1 - _slope(a, t, sparsity) / q_value)


def _solve_alpha(target: float, q_value: float, sparsity: float, sig2: float) -> float:
    """The alpha whose calibration is ``target`` at the prior of sparsity ``sparsity``."""
    return _solve_alpha_of(lambda a: calibration(a, q_value, sparsity, sig2), target,
                           _alpha_min(q_value, sparsity), f"q={q_value:g}, sparsity={sparsity:g}")


def _solve_alpha_of(calibrate, target: float, a_lo: float, where: str) -> float:
    """The alpha with ``calibrate(alpha) == target``: the last upward crossing on a geometric grid above alpha_min
    (the calibration is non-decreasing, so it is the only one), refined by Brent's method."""
    grid = a_lo + np.geomspace(1e-9, 2.0, 60)
    values = [calibrate(a) - target for a in grid]
    while values[-1] < 0:
        grid = np.append(grid, 2 * grid[-1])
        values.append(calibrate(grid[-1]) - target)
        if not math.isfinite(values[-1]):
            raise ValueError(f"lam sqrt(dim)={target:g} is beyond the range the state evolution is resolved on at "
                             f"{where}: its threshold alpha={grid[-1]:g} overflows; "
                             f"lam sqrt(dim) must be below about {calibrate(grid[-2]):g} here")
    up = [i for i in range(len(values) - 1) if values[i] < 0 <= values[i + 1]]
    if not up:
        raise ArithmeticError(f"the calibration does not cross lam_BM={target:g} above alpha_min={a_lo:g}")
    i = up[-1]
    return optimize.brentq(lambda a: calibrate(a) - target, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-14)


def lasso_risk(q: float, sparsity: float, lam: float, dim: int, noise: float = 0.0) -> LassoRisk:
    """Predicted l_gen and support of the converged lasso at penalty ``lam`` in the seed's normalization.

    ``q = N/D``; ``sparsity`` the fraction of non-zero Gaussian teacher entries (1: random teacher);
    ``dim`` fixes lam_BM = lam sqrt(dim); ``noise`` the label-noise variance (signal variance 1).
    """
    q_value, sparsity, noise = _check(q, sparsity, noise)
    lam_value = POSITIVE.scalar("lam", lam)
    dim = validate_int("dim", dim)
    target = lam_value * math.sqrt(dim)
    if not math.isfinite(target):
        raise ValueError(f"lam={lam_value:g} with dim={dim}: lam sqrt(dim) = lam_BM overflows the float range")
    _check_scale(q_value, noise)
    return _risk(q_value, sparsity, target, noise / q_value)


def _check_scale(q_value: float, noise: float) -> None:
    """The state evolution starts at tau^2 = (noise + 1) / q: it must be a float."""
    with np.errstate(over="ignore", divide="ignore"):
        start = (np.float64(noise) + 1) / np.float64(q_value)
    if not np.isfinite(start):
        raise ValueError(f"q={q_value:g} with noise={noise:g}: the state evolution's tau^2 = (noise + 1)/q "
                         f"overflows the float range")


#: the largest threshold at which the saturation test below evaluates the Gaussian integrals (alpha^2 stays finite)
_ALPHA_PROBE = 1e6


def _saturated(target: float, q_value: float, sparsity: float, sig2: float) -> LassoRisk | None:
    """The answer for a penalty so large that the solution is zero to float precision, or None.

    As alpha -> infinity, MSE -> E[x0^2] = 1 and <eta'> -> 0, so tau -> tau_inf = sqrt(sig2 + 1/q) and the
    calibration lam_BM = alpha tau (1 - <eta'>/q) -> alpha tau_inf. Where, at alpha = lam_BM / tau_inf (or at
    _ALPHA_PROBE if that is smaller: both quantities are monotone beyond the minimax threshold), MSE is 1 and
    <eta'> is 0 in floating point, the fixed point and its calibration are these limits in floating point too."""
    tau_inf = math.sqrt(sig2 + 1 / q_value)
    a = target / tau_inf
    probe = min(a, _ALPHA_PROBE)
    if _slope(probe, tau_inf, sparsity) != 0.0 or _mse(probe, tau_inf, sparsity) != 1.0:
        return None
    return LassoRisk(0.5, 0.0, tau_inf, a, target, 1.0)


@lru_cache(maxsize=4096)
def _risk(q_value: float, sparsity: float, target: float, sig2: float) -> LassoRisk:
    saturated = _saturated(target, q_value, sparsity, sig2)
    if saturated is not None:
        return saturated
    a = _solve_alpha(target, q_value, sparsity, sig2)
    t = state_tau(a, q_value, sparsity, sig2)
    mse = _mse(a, t, sparsity)
    return LassoRisk(0.5 * mse, _slope(a, t, sparsity), t, a, target, mse)


def lasso_optimal_lam(q: float, sparsity: float, dim: int, noise: float = 0.0) -> float:
    """The lam that minimizes the predicted l_gen (its infimum lam -> 0+ returns 0.0: noiseless above the
    Donoho-Tanner line, where the lam -> 0 lasso recovers the teacher exactly)."""
    q_value, sparsity, noise = _check(q, sparsity, noise)
    dim = validate_int("dim", dim)
    _check_scale(q_value, noise)
    sig2 = noise / q_value
    if sig2 == 0 and q_value > donoho_tanner(sparsity):
        return 0.0
    a_lo = _alpha_min(q_value, sparsity)
    # l_gen = q/2 (tau^2 - sig2) is minimized with tau(alpha); scan, then refine around the best node.
    grid = a_lo + np.geomspace(1e-4, 8.0, 80)
    taus = [state_tau(a, q_value, sparsity, sig2) for a in grid]
    i = int(np.argmin(taus))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best = optimize.minimize_scalar(lambda a: state_tau(a, q_value, sparsity, sig2), bounds=(lo, hi),
                                    method="bounded", options={"xatol": 1e-10})
    return max(calibration(best.x, q_value, sparsity, sig2), 0.0) / math.sqrt(dim)


#: the parametric form overflows beyond this alpha (there eps ~ 1e-14: far below any sparsity of interest)
_DT_ALPHA_MAX = 7.0


def _dt_sparsity_floor() -> float:
    return float(dt_sparsity_of_alpha._numpy(_DT_ALPHA_MAX))


@lru_cache(maxsize=1024)
def _alpha_of_sparsity(sparsity: float) -> float:
    # eps(alpha) decreases from 1 (alpha -> 0) to 0 (alpha -> oo)
    if sparsity < _dt_sparsity_floor():
        raise ValueError(f"sparsity={sparsity:g} is outside the range the line is resolved on "
                         f"[{_dt_sparsity_floor():.3g}, 1]")
    gap = lambda a: float(dt_sparsity_of_alpha._numpy(a)) - sparsity  # noqa: E731  decreasing in alpha
    lo = 1e-12
    while gap(lo) < 0 and lo > 1e-290:  # a sparsity within ~1e-12 of 1: its alpha ~ (1 - sparsity) / 1.25 is smaller
        lo *= 1e-3
    if gap(lo) <= 0:
        return lo
    # in log alpha: the bracket spans many decades
    return math.exp(optimize.brentq(lambda t: gap(math.exp(t)), math.log(lo), math.log(_DT_ALPHA_MAX), xtol=1e-15))


def donoho_tanner(sparsity: float) -> float:
    """Critical q: the noiseless lam -> 0 lasso recovers an eps-sparse teacher exactly iff q > this."""
    sparsity = SPARSITY.scalar("sparsity", sparsity)
    if sparsity == 1.0:
        return 1.0
    return float(dt_ratio_of_alpha._numpy(_alpha_of_sparsity(sparsity)))


def donoho_tanner_sparsity(q: float) -> float:
    """Inverse of :func:`donoho_tanner`: the largest sparsity recovered exactly at sample ratio ``q`` in (0, 1]."""
    q_value = Domain(0.0, 1.0, high_open=False).scalar("q", q)
    if q_value == 1.0:
        return 1.0
    # q_DT(alpha) decreases in alpha: solve on the parametric form
    q_floor = float(dt_ratio_of_alpha._numpy(_DT_ALPHA_MAX))
    if q_value < q_floor:
        raise ValueError(f"q={q_value:g} is outside the range the line is resolved on [{q_floor:.3g}, 1]")
    a = optimize.brentq(lambda x: float(dt_ratio_of_alpha._numpy(x)) - q_value, 1e-12, _DT_ALPHA_MAX, xtol=1e-15)
    return float(dt_sparsity_of_alpha._numpy(a))
