"""Soft thresholding as the proximal map of lam |.|, and the L1 fixed point.

prox_{lam |.|}(v) = argmin_w 1/2 (w - v)^2 + lam |w|. We solve the problem
on each sign of w, keep the stationary point that is consistent with its
sign, and find the soft-threshold operator. Then the optimality condition of
l0(w) + lam ||w||_1, 0 in grad l0(w) + lam d||w||_1, is shown to be the fixed
point w = S_{eta lam}(w - eta grad l0(w)) for every eta > 0, coordinate by
coordinate.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, REAL
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import eta, lam, w


@derivation.derived
def derive():
    """The proximal map of lam |.| and the L1 fixed point (runs once, on first use)."""
    l1 = derivation.new(
        "prox_l1",
        "Soft thresholding is the proximal map of the L1 norm",
        r"$\mathrm{prox}_{\lambda|\cdot|}(v)=\arg\min_w \frac12(w-v)^2+\lambda|w|$; the L1-regularized "
        r"objective $\ell_0(w)+\lambda\Vert w\Vert_1$.",
    )
    v = sp.Symbol("v", real=True)
    w_pos, w_neg = sp.Symbol("w", positive=True), sp.Symbol("w", negative=True)
    _obj = lambda w, sign: (w - v) ** 2 / 2 + lam * sign * w  # noqa: E731
    stationary_pos = l1.step(r"On $w>0$ the objective is smooth; stationary point:",
                            sp.solve(sp.diff(_obj(sp.Symbol("w"), 1), sp.Symbol("w")), sp.Symbol("w"))[0])
    stationary_neg = l1.step(r"On $w<0$:", sp.solve(sp.diff(_obj(sp.Symbol("w"), -1), sp.Symbol("w")), sp.Symbol("w"))[0])
    l1.step(r"Each is admissible only on its side: $v-\lambda>0$, resp. $v+\lambda<0$; for $|v|\le\lambda$ the "
           r"subgradient condition $v\in\lambda[-1,1]$ holds at $w=0$. Hence:")
    prox_piecewise = l1.step(
        r"$\mathrm{prox}_{\lambda|\cdot|}(v)$:",
        sp.Piecewise((stationary_pos, v > lam), (stationary_neg, v < -lam), (0, True)),
    )
    soft_threshold_expr = l1.step(r"which, written in $w$, is the soft threshold $S_\lambda(v)=\mathrm{sign}(v)\max(|v|-\lambda,0)$:",
                                 sp.sign(w) * sp.Max(sp.Abs(w) - lam, 0))
    g = sp.Symbol("g", real=True)  # a coordinate of grad l0 at w
    l1.step(
        r"Fixed point, coordinate $w$ with gradient $g$: $w=S_{\eta\lambda}(w-\eta g)$. For $w>0$ it requires "
        r"$w-\eta g-\eta\lambda=w$:",
        sp.solve(sp.Eq(w_pos - eta * g - eta * lam, w_pos), g)[0],
        name="gradient_at_positive",
    )
    l1.step(r"for $w<0$:", sp.solve(sp.Eq(w_neg - eta * g + eta * lam, w_neg), g)[0], name="gradient_at_negative")
    l1.step(
        r"and for $w=0$: $|\eta g|\le\eta\lambda$, i.e. $|g|\le\lambda$. These are exactly the subgradient "
        r"conditions $g\in-\lambda\,\partial|w|$ of a minimum; $\eta$ cancels, so the fixed point holds for any "
        r"$\eta>0$ iff $w$ minimizes $\ell_0+\lambda\Vert w\Vert_1$ (convex $\ell_0$).",
    )
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


soft_threshold = Formula(
    "soft_threshold", lambda: derive().soft_threshold_expr, (Param(w, REAL, "x"), Param(lam, NON_NEGATIVE, "threshold")),
    "prox of threshold * |.|: sign(x) max(|x| - threshold, 0)",
)


def prox_lasso(x_value, l1reg: float, scaling: float = 1.0) -> np.ndarray:
    """prox of ``l1reg * scaling * ||.||_1`` at ``x_value`` (jaxopt.prox signature)."""
    l1 = NON_NEGATIVE.validate("l1reg", l1reg)
    scale = POSITIVE.validate("scaling", scaling)
    with np.errstate(over="ignore"):
        threshold = l1 * scale
    if not np.isfinite(threshold).all():
        raise ValueError(f"l1reg * scaling overflows the float range (l1reg={np.max(l1):g}, scaling={np.max(scale):g})")
    return soft_threshold(x_value, threshold)
