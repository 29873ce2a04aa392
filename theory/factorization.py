"""Weight decay on factors: the scalar reduction, and the seed's two-pair example.

A product M = W^Q W^K^T = sum_i q_i k_i^T penalized by (lam/2)(||W^Q||^2 +
||W^K||^2) pays lam |r_i| per rank-one term r_i = q_i k_i once the two
factors balance. The two-pair example fits a rank-one target V U^T with
v1 u1^T + v2 u2^T; we derive each displayed step of that example from its
definitions so that the checks can compare them with the seed's versions.
"""
from __future__ import annotations

import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import validate_int

lam = sp.Symbol("lambda", positive=True)
r, kk = sp.symbols("r k", positive=True)
v, u, r1, r2, s1, s2, x, y = sp.symbols("v u r_1 r_2 s_1 s_2 x y", positive=True)
a1, b1, a2, b2, c12, d12 = sp.symbols(
    r"(\hat{v}\cdot\hat{v}_1) (\hat{u}\cdot\hat{u}_1) (\hat{v}\cdot\hat{v}_2) (\hat{u}\cdot\hat{u}_2) "
    r"(\hat{u}_1\cdot\hat{u}_2) (\hat{v}_1\cdot\hat{v}_2)", real=True)
th1, th2, ph1, ph2 = sp.symbols("theta_1 theta_2 phi_1 phi_2", real=True)
#: the D = 2 reading of the six dot products as cosines of signed angles
angles_2d_substitution = {a1: sp.cos(th1), b1: sp.cos(ph1), a2: sp.cos(th2), b2: sp.cos(ph2), c12: sp.cos(ph1 - ph2),
                          d12: sp.cos(th1 - th2)}


def _vec(name: str, dim: int) -> sp.Matrix:
    return sp.Matrix(sp.symbols(f"{name}_1:{dim + 1}", real=True))


def frobenius_expansion_residual(dim: int = 3) -> sp.Expr:
    """||V U^T - v1 u1^T - v2 u2^T||_F^2 minus the six-term expansion, for symbolic vectors in R^dim."""
    dim = validate_int("dim", dim)
    V, U, p1, q1, p2, q2 = (_vec(n, dim) for n in ("V", "U", "p", "q", "pp", "qq"))
    E = V * U.T - p1 * q1.T - p2 * q2.T
    frob = sum(e**2 for e in E)
    six = ((V.dot(V)) * (U.dot(U)) + p1.dot(p1) * q1.dot(q1) + p2.dot(p2) * q2.dot(q2)
           - 2 * V.dot(p1) * U.dot(q1) - 2 * V.dot(p2) * U.dot(q2) + 2 * q1.dot(q2) * p1.dot(p2))
    return sp.expand(frob - six)



@derivation.derived
def derive():
    """The scalar reduction, the nuclear norm and every step of the two-pair example (runs once, on first use)."""
    scalar = derivation.new(
        "wd_scalar",
        "Weight decay on a factorized scalar",
        r"$r=qk$ with penalty $\frac\lambda2(q^2+k^2)$; eliminate $q=r/k$ and minimize over $k>0$.",
    )
    scalar_penalty = scalar.step("Penalty at fixed $r$:", lam / 2 * ((r / kk) ** 2 + kk**2))
    scalar_k = scalar.step("Stationary $k$:", [s for s in sp.solve(sp.diff(scalar_penalty, kk), kk) if s.is_positive][0])
    scalar_min = scalar.step(r"Minimum, $\lambda|r|$ (for $r<0$ flip the sign of $q$):", sp.simplify(scalar_penalty.subs(kk, scalar_k)))

    nuclear = derivation.new(
        "wd_nuclear",
        "Weight decay on factors is the nuclear norm of their product",
        r"$\min_{W^QW^{K\,T}=M}\frac\lambda2(\Vert W^Q\Vert_F^2+\Vert W^K\Vert_F^2)$, and the fit "
        r"$\min_{A,B}\frac12\Vert AB^T-Y\Vert_F^2+\frac\lambda2(\Vert A\Vert_F^2+\Vert B\Vert_F^2)$ with $A,B\in"
        r"\mathbb{R}^{D\times d_k}$.",
    )
    _a, _b = sp.symbols("a b", positive=True)  # ||A||_F, ||B||_F
    nuclear.step(r"Lower bound: $\Vert AB^T\Vert_*\le\Vert A\Vert_F\Vert B\Vert_F$ (Cauchy-Schwarz on singular "
            r"values), and $\frac12(a^2+b^2)-ab$ is", sp.factor((_a**2 + _b**2) / 2 - _a * _b))
    nuclear.step(r"Equality: with the SVD $M=U\Sigma V^T$ and $d_k\ge\mathrm{rank}\,M$, $A=U\Sigma^{1/2}$, "
            r"$B=V\Sigma^{1/2}$ give $\Vert A\Vert_F^2=\Vert B\Vert_F^2=\mathrm{tr}\,\Sigma=\Vert M\Vert_*$, so the "
            r"minimum is $\lambda\Vert M\Vert_*$; per rank-one term this is the scalar reduction above.")
    _sv, _z = sp.symbols("sigma z", positive=True)
    svt = nuclear.step(r"Hence the fit equals $\min_Z\frac12\Vert Z-Y\Vert_F^2+\lambda\Vert Z\Vert_*$ over rank $\le d_k$; "
                  r"it keeps $Y$'s singular vectors and, per singular value $\sigma$, minimizes "
                  r"$\frac12(z-\sigma)^2+\lambda z$ over $z\ge0$: $z=$",
                  sp.Max(sp.solve(sp.diff((_z - _sv) ** 2 / 2 + lam * _z, _z), _z)[0], 0))
    nuclear.step(r"With $d_k<\mathrm{rank}\,Y$ only the $d_k$ largest survive (each shrunk by $\lambda$): the best "
            r"rank-$d_k$ truncation of the soft-thresholded spectrum.")

    # the two-pair example

    pair = derivation.new(
        "two_pair",
        "The two-pair example: a rank-one target fitted by two rank-one terms",
        r"$L=\Vert VU^T-v_1u_1^T-v_2u_2^T\Vert_F^2$, $V=v\hat v$, $U=u\hat u$, $v_i=r_i\hat v_i$, $u_i=s_i\hat u_i$, "
        r"weight decay $\frac\lambda2(\Vert v_1\Vert^2+\Vert v_2\Vert^2+\Vert u_1\Vert^2+\Vert u_2\Vert^2)$.",
    )


    pair.step(r"The six-term expansion (residual of $\Vert\cdot\Vert_F^2$ minus the six terms, vectors in $\mathbb{R}^3$):",
            frobenius_expansion_residual(3))
    loss_magnitudes = pair.step(
        "In magnitudes and unit vectors:",
        v**2 * u**2 + r1**2 * s1**2 + r2**2 * s2**2 - 2 * v * u * r1 * s1 * a1 * b1 - 2 * v * u * r2 * s2 * a2 * b2
        + 2 * r1 * r2 * s1 * s2 * c12 * d12,
    )
    _xy = {s1: x * u * v / r1, s2: y * u * v / r2}
    bracket = pair.step(r"With $r_1s_1=xuv$, $r_2s_2=yuv$, the loss over $u^2v^2$:",
                      sp.expand(sp.simplify(loss_magnitudes.subs(_xy) / (u**2 * v**2))))
    wd_expr = pair.step(r"Weight decay with $s_i$ eliminated:", lam / 2 * (r1**2 + r2**2 + s1**2 + s2**2).subs(_xy))
    _r_opt = sp.solve([sp.diff(wd_expr, r1), sp.diff(wd_expr, r2)], [r1, r2], dict=True)[0]
    wd_r1_sq = pair.step(r"Minimizing $r_1^2$:", sp.simplify(_r_opt[r1] ** 2))
    wd_min = pair.step("Minimal weight decay:", sp.factor(sp.simplify(wd_expr.subs(_r_opt))))
    full_over_uv = pair.step(r"Full loss over $u^2v^2$: the bracket plus", sp.simplify(wd_min / (u**2 * v**2)))
    Lambda = pair.step(r"so the effective L1 strength on $(x,y)$ is $\Lambda=$", sp.simplify(full_over_uv / (x + y)))

    angles_2d = pair.step(
        r"In $D=2$ (signed angles from $\hat v$, $\hat u$), $\hat u_1\cdot\hat u_2=\cos(\phi_1-\phi_2)$, "
        r"$\hat v_1\cdot\hat v_2=\cos(\theta_1-\theta_2)$; full normalized loss:",
        bracket.subs(angles_2d_substitution) + Lambda * (x + y),
    )
    aligned_bracket = sp.factor(sp.expand(angles_2d.subs({th1: 0, th2: 0, ph1: 0, ph2: 0}) - Lambda * (x + y)))
    aligned = pair.step("At all angles zero:", sp.factor(sp.expand(angles_2d.subs({th1: 0, th2: 0, ph1: 0, ph2: 0}) - Lambda * (x + y)))
                      + Lambda * (x + y))
    _z = sp.Symbol("z", positive=True)  # x + y once aligned
    _aligned_z = ((_z - 1) ** 2 + Lambda * _z)
    #: the aligned optimum of z = x + y
    aligned_sum_optimum = sp.solve(sp.diff(_aligned_z, _z), _z)[0]
    pair_min_value = pair.step(
        r"Aligned, the loss depends on $z=x+y$ only; its minimum (for $\Lambda<2$) at $z=1-\Lambda/2$, in units of "
        r"the unnormalized loss ($\times u^2v^2$):",
        sp.expand(sp.simplify(_aligned_z.subs(_z, aligned_sum_optimum) * u**2 * v**2)),
    )
    pair.step(
        r"Zero angles minimize the $D=2$ loss over the angles exactly when $x+y\le1$: the aligned product's "
        r"overlap with the target is $x+y$, the most any configuration reaches; for $x+y>1$ tilting the two terms "
        r"apart lowers $(x+y)$'s overshoot. The optimum $z=1-\Lambda/2\le1$ lies in that region.",
    )
    pair.step(
        r"In $D\ge3$ the pair products are not fixed by the four angles: $\hat u_1\cdot\hat u_2$ ranges over "
        r"$[\cos(\phi_1+\phi_2),\cos(\phi_1-\phi_2)]$ as $\hat u_2$ turns about $\hat u$, so the $D=2$ form is one "
        r"slice of the general loss, not a dimension-free identity.",
    )
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)
