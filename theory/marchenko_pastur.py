"""The Marchenko-Pastur law of the eigenvalues of Sigma_tr = X X^T / N_tr.

Starting point (the theorem): for X in R^{D x N} with iid N(0, 1) entries and
q = N / D fixed as D -> infinity, the Stieltjes transform
m(z) = integral of dmu(x) / (x - z) of the spectral law solves

    z m^2 + (q z + 1 - q) m + q = 0.

Everything else here (the edges, the atom at zero, the density, the moments,
the cdf) is derived from that equation with SymPy.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import optimize

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import RATIO_CLOSED, Domain, validate_int
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import below_one, lam, q, x, z

_Q = Param(q, RATIO_CLOSED)
#: raw moments available in closed form (from the series of the resolvent)
_MAX_SERIES_MOMENT = 8


@derivation.derived
def derive():
    """The law's closed forms from the Stieltjes equation (runs once, on first use)."""
    D = derivation.new(
        "marchenko_pastur",
        "Marchenko-Pastur law of the training Gram matrix",
        r"$\Sigma_{\rm tr}=XX^T/N_{\rm tr}$ with $X\in\mathbb{R}^{D\times N_{\rm tr}}$ iid "
        r"$\mathcal N(0,1)$, $q=N_{\rm tr}/D\in(0,1]$ fixed as $D\to\infty$. The Stieltjes "
        r"transform $m(z)=\int d\mu(x)/(x-z)$ of the eigenvalue law solves the self-consistent "
        r"(Marchenko-Pastur) equation below.",
    )

    m = sp.Symbol("m")
    mp_equation = D.step("Self-consistent equation for $m(z)$:", sp.Eq(z * m**2 + (q * z + 1 - q) * m + q, 0))
    discriminant = D.step(
        "Its discriminant in $m$; the law's continuous part lives where it is negative:",
        sp.expand(sp.discriminant(mp_equation.lhs, m)),
    )
    _edge_roots = sorted(sp.solve(discriminant, z), key=lambda e: float(e.subs(q, sp.Rational(1, 2))))
    lower_edge_expr = D.step(r"Lower edge $\lambda_-$ (a root of the discriminant):", sp.simplify(_edge_roots[0]))
    upper_edge_expr = D.step(r"Upper edge $\lambda_+$:", sp.simplify(_edge_roots[1]))

    _edge_m, _edge_p = sp.symbols("lambda_- lambda_+", positive=True)
    # The branch of sqrt(discriminant) with cuts on [lambda_-, lambda_+] only is
    # q sqrt(z - lambda_+) sqrt(z - lambda_-): it behaves like q z at infinity.
    _stieltjes_generic = (-(q * z + 1 - q) + q * sp.sqrt(z - _edge_p) * sp.sqrt(z - _edge_m)) / (2 * z)
    stieltjes_expr = D.step(
        r"Root with $m(z)\sim -1/z$ at infinity, branch cut on $[\lambda_-,\lambda_+]$:",
        _stieltjes_generic.subs({_edge_m: lower_edge_expr, _edge_p: upper_edge_expr}),
    )

    # Off the support, on the negative axis z = -lambda, the transform is real and
    # positive: g(lambda) = <1 / (x + lambda)>.
    resolvent_expr = D.step(
        r"On the negative axis, $g(\lambda)=m(-\lambda)=\langle 1/(x+\lambda)\rangle$ (positive root):",
        (-(q * lam + q - 1) + sp.sqrt((q * lam + q - 1) ** 2 + 4 * q * lam)) / (2 * lam),
    )
    D.step(
        r"Check: $g$ solves the equation at $z=-\lambda$ (residual after simplification):",
        sp.simplify(mp_equation.lhs.subs({z: -lam, m: resolvent_expr})),
    )
    atom_expr = D.step(
        r"Atom at zero, $\lim_{\lambda\to0^+}\lambda\,g(\lambda)$ for $q<1$:",
        below_one(sp.limit(lam * resolvent_expr, lam, 0, "+")),
    )
    _im = sp.sqrt(-discriminant.subs(z, x))
    density_expr = D.step(
        r"Density of the continuous part, $\frac{1}{\pi}\,\mathrm{Im}\,m(x+i0)$ on $[\lambda_-,\lambda_+]$:",
        sp.factor(_im) / (2 * sp.pi * x),
    )
    _a, _b = sp.symbols("a b", positive=True)
    _R = sp.sqrt((_b - x) * (x - _a))
    # Reduction: R/x = R' + (a+b)/(2R) - ab/(xR); the last two integrate to arcsines.
    _antiderivative = _R + (_a + _b) / 2 * sp.asin((2 * x - _a - _b) / (_b - _a)) - sp.sqrt(_a * _b) * sp.asin(
        ((_a + _b) * x - 2 * _a * _b) / ((_b - _a) * x)
    )
    D.step(
        r"Antiderivative of $\sqrt{(b-x)(x-a)}/x$ by the reduction "
        r"$R/x=R'+\frac{a+b}{2R}-\frac{ab}{xR}$, $R=\sqrt{(b-x)(x-a)}$:",
        _antiderivative,
    )
    cdf_continuous_expr = D.step(
        r"Mass of the continuous part below $x$:",
        (q / (2 * sp.pi) * (_antiderivative - _antiderivative.subs(x, _a).replace(sp.asin, lambda u: sp.asin(sp.cancel(u))))).subs(
            {_a: lower_edge_expr, _b: upper_edge_expr}
        ),
    )

    _w = sp.Symbol("w", positive=True)


    def _moments_from_series(order: int) -> list[sp.Expr]:
        """Moments from g(lambda) = sum_k (-1)^k m_k / lambda^(k+1) at lambda -> infinity."""
        series = sp.series(resolvent_expr.subs(lam, 1 / _w), _w, 0, order + 2).removeO()
        return [sp.expand(sp.cancel((-1) ** j * series.coeff(_w, j + 1))) for j in range(order + 1)]


    moment_exprs = _moments_from_series(_MAX_SERIES_MOMENT)
    D.step("Moments $m_k=\\langle x^k\\rangle$ from the large-$\\lambda$ series of $g$, $k=0..4$:",
           sp.Matrix(moment_exprs[:5]).T)
    variance_expr = D.step("Variance $m_2-m_1^2$:", sp.simplify(moment_exprs[2] - moment_exprs[1] ** 2))

    _density = sp.lambdify((q, x), density_expr, "numpy")
    # Rounding can push an arcsine's argument a hair past +-1 at the edges.
    _cdf_cont = sp.lambdify((q, x), cdf_continuous_expr, [{"asin": lambda u: np.arcsin(np.clip(u, -1.0, 1.0))}, "numpy"])
    _stieltjes = sp.lambdify((q, z), stieltjes_expr, "numpy")
    _moment_fns = [sp.lambdify(q, e, "numpy") for e in moment_exprs]
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


lower_edge = Formula("mp_lower_edge", lambda: derive().lower_edge_expr, (_Q,), "smallest non-zero eigenvalue, MP limit")
upper_edge = Formula("mp_upper_edge", lambda: derive().upper_edge_expr, (_Q,), "largest eigenvalue, MP limit")


def mp_edges(q_value: float | np.ndarray):
    """(lambda_-, lambda_+): the edges of the non-zero spectrum, ``(1 -/+ 1/sqrt(q))**2``."""
    return lower_edge(q_value), upper_edge(q_value)


class MarchenkoPastur:
    """Frozen Marchenko-Pastur law with ratio ``q = N_tr / D`` in (0, 1].

    The law is a mixture: an atom of mass ``1 - q`` at zero (the flat
    directions) and a continuous part of mass ``q`` on ``support()``.
    Like a frozen ``scipy.stats`` distribution: ``pdf`` is the density of the
    continuous part, ``cdf`` and ``ppf`` include the atom, ``moment(k)``,
    ``mean``, ``var`` and ``stieltjes`` are closed forms.
    """

    def __init__(self, q: float):
        self.q = float(RATIO_CLOSED.validate("q", q))
        if not math.isfinite(self.q):
            raise ValueError("q must be finite")
        self.lower, self.upper = (float(e) for e in mp_edges(self.q))

    def __repr__(self) -> str:
        return f"MarchenkoPastur(q={self.q:g})"

    @property
    def atom(self) -> float:
        """Probability of the eigenvalue 0: the fraction of flat directions."""
        return float(derive().atom_expr.subs(q, self.q)) if self.q < 1 else 0.0

    def support(self) -> tuple[float, float]:
        """Edges (lambda_-, lambda_+) of the continuous part."""
        return self.lower, self.upper

    def pdf(self, x):
        """Density of the continuous part (integrates to q); 0 off the support."""
        xs = Domain().validate("x", x)
        inside = (xs > self.lower) & (xs < self.upper)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(inside, derive()._density(self.q, np.where(inside, xs, 1.0)), 0.0)
        return out if out.ndim else float(out)

    def cdf(self, x):
        """P(eigenvalue <= x), atom included."""
        xs = Domain().validate("x", x)
        clipped = np.clip(xs, self.lower, self.upper)
        with np.errstate(invalid="ignore"):
            cont = np.where(xs <= self.lower, 0.0, np.where(xs >= self.upper, self.q, derive()._cdf_cont(self.q, clipped)))
        out = np.where(xs >= 0, self.atom, 0.0) + cont
        return out if out.ndim else float(out)

    def ppf(self, p):
        """Quantile function: the smallest x with cdf(x) >= p."""
        ps = Domain(0.0, 1.0, low_open=False, high_open=False).validate("p", p)
        out = np.array([self._ppf_one(v) for v in ps.ravel()]).reshape(ps.shape)
        return out if out.ndim else float(out)

    def _ppf_one(self, p: float) -> float:
        if p <= self.atom:
            return 0.0 if self.atom > 0 or p == 0 else self.lower
        if p >= 1.0:
            return self.upper
        return optimize.brentq(lambda v: self.cdf(v) - p, self.lower, self.upper, xtol=1e-14, rtol=1e-13)

    def moment(self, k: int) -> float:
        """Raw moment <x^k>, atom included (closed form for k <= 8)."""
        k = validate_int("k", k, minimum=0)
        if k > _MAX_SERIES_MOMENT:
            raise ValueError(f"k={k} is outside its domain: integers 0..{_MAX_SERIES_MOMENT}")
        return float(derive()._moment_fns[k](self.q))

    def mean(self) -> float:
        return self.moment(1)

    def var(self) -> float:
        return float(derive().variance_expr.subs(q, self.q))

    def std(self) -> float:
        return math.sqrt(self.var())

    def stieltjes(self, z):
        """m(z) = <1 / (x - z)> for complex z off the spectrum (and off 0)."""
        zs = np.asarray(z, dtype=complex)
        if np.isnan(zs).any():
            raise ValueError("z must be a number, got NaN")
        if np.isinf(zs).any():
            raise ValueError(f"z={zs[np.isinf(zs)].flat[0]} is outside its domain: finite complex numbers")
        on_support = (zs.imag == 0) & (((zs.real >= self.lower) & (zs.real <= self.upper)) | (zs.real == 0))
        if on_support.any():
            bad = zs[on_support].flat[0]
            raise ValueError(f"z={bad.real:g} must lie off the spectrum {{0}} U [{self.lower:g}, {self.upper:g}]")
        out = derive()._stieltjes(self.q, zs)
        return out if out.ndim else complex(out)

    def rvs(self, size=1, random_state=None):
        """Independent draws from the law (inverse-transform sampling)."""
        sizes = size if isinstance(size, tuple) else (size,)
        for n in sizes:
            validate_int("size", n, minimum=0)
        rng = np.random.default_rng(random_state)
        return self.ppf(rng.uniform(size=size))
