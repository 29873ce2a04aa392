"""How many more steps gradient descent needs than heavy ball, in the Marchenko-Pastur limit.

Unregularized teacher-student regression, both methods tuned optimally for the MP edges (``mp_limits``):
GD with eta_0, heavy ball with beta_0 and its eta_0 (velocity starting at zero, as in ``sim.linear`` and
``iterates``). A non-zero mode with eigenvalue x keeps the fraction e_t(x) of its initial error; with an
isotropic start every mode weighs the same, so the excess generalization loss (above the plateau of the flat
directions) relative to its start is

    r(t) = <e_t(x)^2>  over the continuous part of the MP law, normalized to mass 1.

The MP support is x(theta) = (1 + q - 2 sqrt(q) cos theta) / q, theta in [0, pi]. In that angle the GD factor is
R_0 cos theta and the heavy-ball Chebyshev argument is cos theta itself, which gives both curves in closed form:
heavy ball r(t) = q^t exactly, GD a finite sum of binomials. The step counts to reach a fraction eps follow,
and their ratio tends to log sqrt(q) / log R_0 as eps -> 0.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import RATIO, Domain, validate_int
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.lambdified import lambdify
from gentoys.theory.core.symbols import beta, eta, q, s
from gentoys.theory.core.symbols import n_steps as n  # step count
from gentoys.theory.mp_limits import rate_gd as _rate_gd

#: the target fraction of the initial excess
FRACTION = Domain(0.0, 1.0)
METHODS = ("gd", "momentum")

theta = sp.Symbol("theta", positive=True)  # the MP angle, in (0, pi)
z = sp.Symbol("z")  # e^{i theta}
u = sp.Symbol("u")  # z^n, an independent generator in the rational identity
eps_sym = sp.Symbol("epsilon", positive=True)
m = sp.Symbol("m", integer=True)  # Fourier index


@derivation.derived
def derive():
    """The relative excess of GD and heavy ball over steps, and the step ratio (runs once, on first use)."""
    from gentoys.theory import mp_limits as mpl
    from gentoys.theory.iterates import derive as iterates
    from gentoys.theory.marchenko_pastur import density_expr, lower_edge_expr, upper_edge_expr
    from gentoys.theory.core.symbols import x

    D = derivation.new(
        "momentum_speedup",
        "Steps to a fraction of the excess loss: gradient descent vs heavy ball",
        r"Both methods tuned at the MP edges, no ridge, an isotropic start: the excess $\ell_{\rm gen}$ over the "
        r"plateau, relative to its start, is $r(t)=\langle e_t(x)^2\rangle$ over the continuous part of the MP law "
        r"(mass $q$, normalized to 1). Work in $s=\sqrt q$ and the angle $\theta\in[0,\pi]$.",
    )
    x_theta = (1 + s**2 - 2 * s * sp.cos(theta)) / s**2
    edges_ok = (sp.simplify(x_theta.subs(theta, 0) - lower_edge_expr.subs(q, s**2)) == 0
                and sp.simplify(x_theta.subs(theta, sp.pi) - upper_edge_expr.subs(q, s**2)) == 0)
    derivation.check(edges_ok, "x(0) and x(pi) are the MP edges")
    D.step(r"The support as an angle, $x(\theta)$ (from $\lambda_-$ at $\theta=0$ to $\lambda_+$ at $\theta=\pi$):",
           x_theta)
    weight = sp.simplify(density_expr.subs(q, s**2).subs(x, x_theta) * sp.diff(x_theta, theta))
    weight = sp.simplify(weight.subs(sp.Abs(sp.sin(theta)), sp.sin(theta)) / s**2)  # sin > 0 on (0, pi)
    D.step(r"MP density times $dx/d\theta$, divided by the mass $q$ of the continuous part:", weight,
           name="weight")
    gd_factor = D.step(r"GD factor of a mode at $\eta_0$, $1-\eta_0 x(\theta)$:",
                       sp.factor(sp.simplify(1 - mpl.eta_gd.expr.subs(q, s**2) * x_theta)))
    r0 = sp.simplify(mpl.rate_gd.expr.subs(q, s**2))
    derivation.check(sp.simplify(gd_factor - r0 * sp.cos(theta)) == 0, "the GD factor is R_0 cos(theta)")
    _beta, _eta = mpl.beta_momentum.expr.subs(q, s**2), mpl.eta_momentum.expr.subs(q, s**2)
    chebyshev_arg = D.step(
        r"Heavy ball at $(\beta_0,\eta_0)$: its Chebyshev argument $c=(1+\beta-\eta x)/(2\sqrt\beta)$ is the angle "
        r"itself:", sp.simplify(sp.powdenest((1 + _beta - _eta * x_theta) / (2 * sp.sqrt(_beta)), force=True)))
    derivation.check(sp.simplify(chebyshev_arg - sp.cos(theta)) == 0, "c = cos(theta)")

    # heavy ball: e_n = s^n (sin((n+1) theta) - s sin(n theta)) / sin(theta)
    e_hb = s**n * (sp.sin((n + 1) * theta) - s * sp.sin(n * theta)) / sp.sin(theta)
    D.step(r"Heavy-ball residual (a guess, proved next), $e_n(\theta)$:", e_hb, name="heavy_ball_residual")
    recurrence = e_hb.subs(n, n + 2) - 2 * s * sp.cos(theta) * e_hb.subs(n, n + 1) + s**2 * e_hb
    D.step(r"It solves $e_{n+2}=(1+\beta-\eta x)e_{n+1}-\beta e_n$ (residual, for every $n$):",
           sp.simplify(sp.expand(recurrence.rewrite(sp.exp))))
    e1 = 1 - _eta * x_theta
    D.step(r"and the start $e_0=1$, $e_1=1-\eta x$ (velocity zero), differences:",
           sp.Matrix([[sp.simplify(e_hb.subs(n, 0) - 1), sp.simplify(sp.expand_trig(e_hb.subs(n, 1)) - e1)]]))
    _it = iterates()
    _point = {s: sp.Rational(3, 5), theta: sp.Rational(7, 10)}
    _hb_rsolve = _it.hb_solution.subs({_it._hh: x_theta, _it._e0: 1, eta: _eta, beta: _beta}).subs(_point)
    _vs_rsolve = [sp.N(_hb_rsolve.subs(n, k) - e_hb.subs(n, k).subs(_point), 30) for k in range(2, 6)]
    derivation.check(all(abs(v) < 1e-25 for v in _vs_rsolve), "the residual equals the rsolve solution")
    D.step(r"Against the rsolve solution of the iterates derivation at $n=2..5$ ($s=3/5$, $\theta=7/10$), the "
           r"largest $|$difference$|$ rounded to 20 decimals:", sp.Float(max(abs(v) for v in _vs_rsolve), 30).round(20))

    # the weighted square: 1/2 - (F(z) + F(1/z)) / 4 with F analytic in the unit disc; z^n is written u
    F = z ** (2 * n + 1) * (z - s) / (1 - s * z)
    _F_u = u**2 * z * (z - s) / (1 - s * z)
    _sin = lambda j: (u * z**j - 1 / (u * z**j)) / (2 * sp.I)  # noqa: E731  (sin((n + j) theta))
    _num = (_sin(1) - s * _sin(0)) ** 2
    _den = (1 - s * z) * (z - s) / z  # 1 + q - 2 s cos(theta)
    _identity_u = sp.cancel(_num / _den - (sp.Rational(1, 2) - (_F_u + _F_u.subs({z: 1 / z, u: 1 / u})) / 4))
    D.step(r"With $z=e^{i\theta}$, $u=z^n$, $F(z)=z^{2n+1}(z-s)/(1-sz)$: "
           r"$\frac{(\sin(n+1)\theta-s\sin n\theta)^2}{1+q-2s\cos\theta}-\frac12+\frac{F(z)+F(1/z)}4$ "
           r"as a rational function of $z$ and $u$:", _identity_u)
    derivation.check(_identity_u == 0, "the weighted square of the heavy-ball residual")
    poles = D.step(r"Poles of $F(z)/z$ for $n\ge0$: only", sp.Matrix([sp.solve(sp.denom(sp.together(sp.powsimp(F / z, force=True))), z)]))
    derivation.check(all(sp.simplify(p - 1 / s) == 0 for p in poles), "the only pole is 1/s")
    hb_excess_s = D.step(
        r"$1/s>1$ lies outside the unit circle, so $\int_0^{\pi}F\,d\theta=\frac12\oint F\,\frac{dz}{iz}=0$ "
        r"(Cauchy), and so for $F(1/z)$; hence $\int_0^\pi \frac{(\sin(n+1)\theta-s\sin n\theta)^2}"
        r"{1+q-2s\cos\theta}d\theta=\pi/2$, and the heavy-ball relative excess $r_{\rm HB}(n)$ is",
        s ** (2 * n), name="heavy_ball_excess")
    hb_excess = sp.powdenest(hb_excess_s.subs(s, sp.sqrt(q)), force=True)
    for k in range(7):  # the closed form against the theta integral at q = 7/10
        f = lambdify(theta, (weight * e_hb**2).subs({n: k, s: sp.sqrt(sp.Rational(7, 10))}), "mpmath")
        val = mpmath.quad(f, [0, mpmath.pi / 2, mpmath.pi])
        derivation.check(abs(val - mpmath.mpf("0.7") ** k) < 1e-12, f"heavy-ball excess at n = {k}")

    # GD: Fourier coefficients of sin^2 cos^{2n}, then the Poisson kernel
    two_n = 2 * n
    b_general = (sp.binomial(two_n, n - m) / 2 - sp.binomial(two_n, n - m - 1) / 4
                 - sp.binomial(two_n, n - m + 1) / 4) / 4**n
    for k in range(6):  # the coefficients against the expanded Laurent polynomial
        laurent = sp.Poly(sp.expand(-((z - 1 / z) ** 2) / 4 * ((z + 1 / z) / 2) ** (2 * k) * z ** (2 * k + 2)), z)
        coeffs = [laurent.coeff_monomial(z ** (2 * j + 2 * k + 2)) for j in range(-k - 1, k + 2)]
        want = [b_general.subs({n: k, m: j}) for j in range(-k - 1, k + 2)]
        derivation.check(coeffs == want, f"Fourier coefficients of sin^2 cos^{2 * k}")
    D.step(r"GD: $\sin^2\theta\cos^{2n}\theta=\sum_m b_m z^{2m}$, $|m|\le n+1$, with", b_general,
           name="fourier_coefficient")
    b_ratio = sp.factor(sp.combsimp(b_general / (sp.binomial(two_n, n - m) / 4**n)))
    D.step(r"in a form without cancellation for $|m|\le n$, $b_m/(4^{-n}\binom{2n}{n-m})$:", b_ratio,
           name="coefficient_ratio")
    kernel_series = (1 / (1 - s * z) + (s / z) / (1 - s / z)) / (1 - s**2)
    derivation.check(sp.simplify(kernel_series - z / ((1 - s * z) * (z - s))) == 0, "Poisson kernel")
    D.step(r"The kernel $1/(1+q-2s\cos\theta)=\sum_k s^{|k|}z^k/(1-q)$ (two geometric series; difference to "
           r"the kernel):", sp.simplify(kernel_series - z / ((1 - s * z) * (z - s))))
    gd_excess = D.step(
        r"Only $z^{2m}z^{-2m}$ survives the integral: $r_{\rm GD}(n)=\frac{2}{1-q}R_0^{2n}\sum_m b_m q^{|m|}$, "
        r"$R_0$ =", sp.simplify(r0.subs(s, sp.sqrt(q))), name="gd_excess")

    factor_ratio = D.step(r"The per-step factors: heavy ball over GD, $\sqrt q/R_0$:",
                          sp.factor(sp.simplify(mpl.rate_momentum.expr / mpl.rate_gd.expr)), name="factor_ratio")
    D.step(r"its limits $q\to0^+$ and $q\to1^-$:",
           sp.Matrix([[sp.limit(factor_ratio, q, 0, "+"), sp.limit(factor_ratio, q, 1, "-")]]))
    _t_gd = sp.log(eps_sym) / (2 * sp.log(mpl.rate_gd.expr))
    _t_hb = sp.log(eps_sym) / sp.log(q)
    step_ratio_limit = D.step(
        r"Steps to $r\le\varepsilon$: heavy ball $\lceil\log\varepsilon/\log q\rceil$; GD "
        r"$\log\varepsilon/\log R_0^2$ up to the sum's polynomial factor (between a multiple of $n^{-3/2}$ and 1), "
        r"so as $\varepsilon\to0$ the ratio GD/heavy ball tends to",
        sp.simplify(sp.limit(_t_gd / _t_hb, eps_sym, 0, "+")), name="step_ratio_limit")
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)

_Q = Param(q, RATIO)


def _limit_without_cancellation(expr: sp.Expr) -> sp.Expr:
    """log sqrt(q) / log R0 for floating point: near q = 1 both logs vanish, so they are taken as log1p of small
    arguments (1 - sqrt q written as (1 - q)/(1 + sqrt q)); below q = 1/2 the derived form keeps its digits."""
    from sympy.codegen.cfunctions import log1p

    near_one = log1p(q - 1) / (2 * log1p(-((1 - q) / (1 + sp.sqrt(q))) ** 2 / (1 + q)))
    small = sp.log(q) / (sp.log(q) - 2 * log1p(q) + 2 * sp.log(2))
    return sp.Piecewise((small, q < sp.Rational(1, 2)), (near_one, True))


momentum_step_speedup_limit = Formula("momentum_step_speedup_limit", lambda: derive().step_ratio_limit, (_Q,),
                                      "GD steps over heavy-ball steps as eps -> 0, MP limit",
                                      evaluation=_limit_without_cancellation)
momentum_factor_ratio = Formula("momentum_factor_ratio", lambda: derive().factor_ratio, (_Q,),
                                "heavy-ball factor over GD factor per step, MP limit")


def _numeric():
    """The derived coefficient ratio and end coefficient as numpy callables (built once, on first use)."""
    d = derive()
    if "numeric" not in _CACHE:
        ratio = sp.lambdify((n, m), d.b_ratio, "numpy")
        end = sp.simplify(d.b_general.subs(m, n + 1) * 4**n)  # b_{+-(n+1)} * 4^n, a constant
        _CACHE["numeric"] = (ratio, float(end), sp.lambdify((q, n), d.hb_excess, "math"))
    return _CACHE["numeric"]


_CACHE: dict[str, object] = {}


def _log_excess_gd(qv: float, steps: int) -> float:
    """log r_GD(steps) from the finite sum; terms where q^|m| < 1e-30 / (steps + 2) are left out."""
    if steps == 0:
        return 0.0
    ratio, end, _ = _numeric()
    cut = min(steps, math.ceil((30 * math.log(10) + math.log(steps + 2)) / -math.log(qv)))
    idx = np.arange(0, cut + 1, dtype=float)
    # C(2n, n - m) / C(2n, n) = prod_{k=1..m} (n - k + 1) / (n + k): no cancellation, no overflow
    rel = np.concatenate([[1.0], np.cumprod((steps - idx[1:] + 1) / (steps + idx[1:]))])
    terms = rel * ratio(float(steps), idx) * qv**idx
    log_central = float(mpmath.log(mpmath.binomial(2 * steps, steps))) - 2 * steps * math.log(2)
    total = terms[0] + 2 * terms[1:].sum()
    if cut == steps:  # the end coefficients b_{+-(n+1)}, outside the ratio form
        total += 2 * end * math.exp(-2 * steps * math.log(2) - log_central) * qv ** (steps + 1)
    r0 = float(_rate_gd(qv))
    return math.log(2 / (1 - qv)) + 2 * steps * math.log(r0) + log_central + math.log(total)


def excess_fraction(q_value: float, steps, method: str) -> float | np.ndarray:
    """r(t): the excess l_gen after ``steps`` steps over its start, MP limit, optimal tuning, isotropic start.

    ``method`` is "gd" (a finite binomial sum) or "momentum" (heavy ball, exactly q^t); ``steps`` an integer
    or an array of integers.
    """
    qv = float(RATIO.validate("q", q_value))
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {METHODS}")
    arr = np.asarray(steps)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"steps must be integers >= 0, got {steps!r}")
    flat = [validate_int("steps", int(v), minimum=0) for v in arr.reshape(-1)]
    if method == "momentum":
        hb = _numeric()[2]
        out = np.array([float(hb(qv, k)) for k in flat])
    else:
        out = np.exp([_log_excess_gd(qv, k) for k in flat])
    return float(out[0]) if arr.ndim == 0 else out.reshape(arr.shape)


def _steps_momentum(qv: float, log_eps: float) -> int:
    """Smallest t with q^t <= eps (a relative 1e-12 of slack absorbs rounding when eps is a power of q)."""
    return max(0, math.ceil(log_eps / math.log(qv) * (1 - 1e-12)))


def _steps_gd(qv: float, log_eps: float) -> int:
    """Smallest t with r_GD(t) <= eps: r_GD <= R_0^(2t) bounds it above, r_GD decreases, so bisect."""
    r0 = float(_rate_gd(qv))
    lo, hi = 0, max(1, math.ceil(log_eps / (2 * math.log(r0))))
    while _log_excess_gd(qv, hi) > log_eps:  # the bound is exact up to rounding: step past it if needed
        hi *= 2
    while hi - lo > 1:  # invariant: r(lo) > eps >= r(hi)
        mid = (lo + hi) // 2
        if _log_excess_gd(qv, mid) <= log_eps:
            hi = mid
        else:
            lo = mid
    return hi


def momentum_steps(q_value: float, eps: float) -> tuple[int, int]:
    """(GD steps, heavy-ball steps) for the excess l_gen to fall to ``eps`` of its start, MP limit."""
    qv = float(RATIO.validate("q", q_value))
    ev = float(FRACTION.validate("eps", eps))
    return _steps_gd(qv, math.log(ev)), _steps_momentum(qv, math.log(ev))


def momentum_step_speedup(q_value, eps):
    """GD steps over heavy-ball steps (each optimally tuned) for the excess l_gen to fall to ``eps`` of its start.

    Marchenko-Pastur limit, no ridge, isotropic start. Above 1 when heavy ball is faster; tends to
    ``momentum_step_speedup_limit(q)`` = log sqrt(q) / log R_0 as eps -> 0. Broadcasts over arrays.
    """
    qs = RATIO.validate("q", q_value)
    es = FRACTION.validate("eps", eps)
    qs, es = np.broadcast_arrays(qs, es)
    out = np.empty(qs.shape)
    for i in np.ndindex(qs.shape):
        gd, hb = momentum_steps(float(qs[i]), float(es[i]))
        out[i] = gd / hb
    return float(out) if out.ndim == 0 else out
