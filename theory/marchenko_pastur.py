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
from scipy import integrate

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import POSITIVE, RATIO_CLOSED, Domain, ParameterTypeError, shown, validate_int
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.lambdified import lambdify
from gentoys.theory.core.symbols import below_one, lam, q, x, z

_Q = Param(q, RATIO_CLOSED)
#: raw moments available in closed form (from the series of the resolvent)
_MAX_SERIES_MOMENT = 8


def _clipped_arcsin(u):
    """arcsin of an argument that rounding may push a hair past +-1 (module level: the cache pickles it by name)."""
    return np.arcsin(np.clip(u, -1.0, 1.0))


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

    # Numbers go through the edges, evaluated once without cancellation (``mp_edges``), not through the edges'
    # expressions in q: 1 + 1/q - 2/sqrt(q) rounds to a negative number near q = 1, and the square roots of the
    # density and of the cdf's sqrt(a b) then turn NaN. The density in the edges is the derived one:
    _density_ab = q * sp.sqrt((_b - x) * (x - _a)) / (2 * sp.pi * x)
    derivation.check(sp.simplify(_density_ab.subs({_a: lower_edge_expr, _b: upper_edge_expr}) ** 2
                                 - density_expr**2) == 0, "the density in terms of the edges is the derived density")
    _density = lambdify((q, _a, _b, x), _density_ab, "numpy")
    # Rounding can push an arcsine's argument a hair past +-1 at the edges.
    _cdf_cont = lambdify((q, _a, _b, x), q / (2 * sp.pi) * (_antiderivative - _antiderivative.subs(x, _a).replace(
        sp.asin, lambda u: sp.asin(sp.cancel(u)))), [{"asin": _clipped_arcsin}, "numpy"])
    _stieltjes = lambdify((q, _edge_m, _edge_p, z), _stieltjes_generic, "numpy")
    _moment_fns = [lambdify(q, e, "numpy") for e in moment_exprs]
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


lower_edge = Formula("mp_lower_edge", lambda: derive().lower_edge_expr, (_Q,), "smallest non-zero eigenvalue, MP limit")
upper_edge = Formula("mp_upper_edge", lambda: derive().upper_edge_expr, (_Q,), "largest eigenvalue, MP limit")


def mp_edges(q_value: float | np.ndarray):
    """(lambda_-, lambda_+): the edges of the non-zero spectrum, ``(1 -/+ 1/sqrt(q))**2``."""
    return lower_edge(q_value), upper_edge(q_value)


#: Any real x, the infinities included (cdf(inf) = 1, pdf(-inf) = 0); NaN is refused.
_X = Domain(-math.inf, math.inf, low_open=False, high_open=False)
_PROB = Domain(0.0, 1.0, low_open=False, high_open=False)
#: Bisection halvings of [lambda_-, lambda_+] in ppf: 2**-64 of the width is below float resolution.
_BISECTIONS = 64


def _complex_array(name: str, value) -> np.ndarray:
    """A complex (or real) number or array; strings, bools and None are refused naming ``name``."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise ParameterTypeError(f"{name} must be a complex number (or an array of them), got {shown(value)}")
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001
        raise ParameterTypeError(f"{name} must be a complex number (or an array of them), got {shown(value)}") from None
    if arr.dtype.kind not in "iufc":
        raise ParameterTypeError(f"{name} must be a complex number (or an array of them), got {shown(value)}")
    return arr.astype(complex)


def _out(arr: np.ndarray):
    """A numpy array for array input, a float for scalar input (scipy.stats' convention)."""
    return arr if arr.ndim else float(arr)


def _checked(func):
    """``func`` (the identity when None) as a float function whose failures name it: a raise, or a value that is
    not a finite real number, at some x of the law (the atom at 0 included, where 1/x has no value)."""
    def f(v: float) -> float:
        try:
            out = (v if func is None else func(v))
            value = float(out)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise ValueError(f"func could not be evaluated at x={v:g} ({type(exc).__name__}: {exc}); at x = 0 the "
                             f"law has an atom of mass 1 - q: pass lb > 0 to leave it out") from None
        if isinstance(out, complex) or not math.isfinite(value):
            raise ValueError(f"func(x={v:g}) = {out!r} is not a finite real number"
                             + ("; the law has an atom at 0: pass lb > 0 to leave it out" if v == 0 else ""))
        return value

    return f


class MarchenkoPastur:
    """Frozen Marchenko-Pastur law with ratio ``q = N_tr / D`` in (0, 1] and scale ``sigma2``.

    The law of the eigenvalues of ``X X^T / N_tr`` for ``X`` in R^{D x N_tr}
    with iid entries of variance ``sigma2`` (``sigma2 = 1`` is the law the
    derivation above states; a variance ``sigma2`` scales every eigenvalue by
    it). It is a mixture: an atom of mass ``atom = 1 - q`` at zero (the flat
    directions) and a continuous part of mass ``q`` on ``support()``.

    The method set of a frozen ``scipy.stats`` distribution, vectorized:

    * ``pdf``/``logpdf``: density of the continuous part only (it integrates
      to ``q``); the atom has no density, so ``pdf(0)`` is 0 and the mass
      ``1 - q`` at zero is reported by ``atom``.
    * ``cdf``/``logcdf``/``sf``/``ppf``/``isf``/``median``/``interval``/``rvs``:
      the whole law, atom included (``cdf`` jumps by ``1 - q`` at 0, ``ppf(p)``
      is 0 for ``0 < p <= 1 - q``, a ``1 - q`` fraction of ``rvs`` draws are
      exactly 0).
    * ``moment``/``mean``/``var``/``std``/``stats``: closed forms of the whole
      law (the atom adds nothing to moments of order >= 1, 1 - q to order 0).
    * ``expect(func)``: ``(1 - q) func(0) + integral func pdf``, the atom
      counted once explicitly when 0 lies in ``[lb, ub]``.
    * ``entropy``: with respect to counting measure at 0 plus Lebesgue
      measure, ``-(1 - q) log(1 - q) - integral pdf log pdf`` (the only
      finite choice for a law with an atom; for q = 1 the differential one).
    * ``support``: the edges of the continuous part, ``(lambda_-, lambda_+)``
      (for q < 1 the law's support is ``{0} U [lambda_-, lambda_+]``).
    """

    def __init__(self, q: float, sigma2: float = 1.0):
        self.q = RATIO_CLOSED.scalar("q", q)
        self.sigma2 = POSITIVE.scalar("sigma2", sigma2)
        # the unit-scale edges: non-negative (a rounding below zero would put the continuous part at x < 0)
        self._edges = tuple(max(float(e), 0.0) for e in mp_edges(self.q))
        self.lower, self.upper = (self.sigma2 * e for e in self._edges)

    def __repr__(self) -> str:
        scale = "" if self.sigma2 == 1.0 else f", sigma2={self.sigma2:g}"
        return f"MarchenkoPastur(q={self.q:g}{scale})"

    def _repr_latex_(self) -> str:
        """Jupyter shows the frozen law as mathematics: its parameters, its atom and the edges of its continuous
        part."""
        scale = "" if self.sigma2 == 1.0 else f", \\sigma^2 = {self.sigma2:g}"
        return (f"$\\mathrm{{MP}}(q = {self.q:g}{scale})$: an atom of mass $1 - q = {self.atom:.4g}$ at $0$ and a "
                f"continuous part on $[\\lambda_-, \\lambda_+] = [{self.lower:.4g}, {self.upper:.4g}]$")

    @property
    def atom(self) -> float:
        """Probability of the eigenvalue 0: the fraction of flat directions."""
        return float(derive().atom_expr.subs(q, self.q)) if self.q < 1 else 0.0

    def support(self) -> tuple[float, float]:
        """Edges (lambda_-, lambda_+) of the continuous part."""
        return self.lower, self.upper

    # --- density and distribution function -------------------------------------------------

    def pdf(self, x):
        """Density of the continuous part (integrates to q); 0 off the support and at the atom."""
        xs = _X.validate("x", x)
        inside = (xs > self.lower) & (xs < self.upper)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = derive()._density(self.q, *self._edges, np.where(inside, xs, self.sigma2) / self.sigma2)
            unit = unit / self.sigma2
        # x / sigma2 may round a hair outside the unit-scale support, where the radicand is negative
        return _out(np.where(inside & np.isfinite(unit), np.real(unit), 0.0))

    def logpdf(self, x):
        """log pdf: -inf off the support and at the atom."""
        with np.errstate(divide="ignore"):
            return _out(np.log(np.asarray(self.pdf(x))))

    def _continuous_mass(self, xs: np.ndarray) -> np.ndarray:
        """Mass of the continuous part below xs (0 .. q)."""
        clipped = np.clip(xs, self.lower, self.upper) / self.sigma2
        with np.errstate(invalid="ignore"):
            mass = np.real(derive()._cdf_cont(self.q, *self._edges, clipped))
        return np.where(xs <= self.lower, 0.0, np.where(xs >= self.upper, self.q, np.clip(mass, 0.0, self.q)))

    def cdf(self, x):
        """P(eigenvalue <= x), atom included."""
        xs = _X.validate("x", x)
        return _out(np.where(xs >= 0, self.atom, 0.0) + self._continuous_mass(xs))

    def logcdf(self, x):
        with np.errstate(divide="ignore"):
            return _out(np.log(np.asarray(self.cdf(x))))

    def sf(self, x):
        """P(eigenvalue > x), computed as the remaining mass (no 1 - cdf cancellation above the atom)."""
        xs = _X.validate("x", x)
        return _out(np.where(xs < 0, 1.0, self.q - self._continuous_mass(xs)))

    def logsf(self, x):
        with np.errstate(divide="ignore"):
            return _out(np.log(np.asarray(self.sf(x))))

    # --- quantiles ------------------------------------------------------------------------

    def _invert_mass(self, mass: np.ndarray) -> np.ndarray:
        """x in [lambda_-, lambda_+] with continuous mass below x equal to ``mass``, by array bisection.

        The continuous cdf is increasing on the support, so halving the bracket
        of every entry at once (_BISECTIONS times) converges to float resolution
        with one vectorized cdf evaluation per halving, for any number of entries.
        """
        lo = np.full(mass.shape, self.lower)
        hi = np.full(mass.shape, self.upper)
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            below = self._continuous_mass(mid) < mass
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return hi

    def ppf(self, p):
        """Quantile function: the smallest x with cdf(x) >= p (0 for p <= atom when there is an atom)."""
        ps = _PROB.validate("p", p)
        xs = self._invert_mass(np.clip(ps - self.atom, 0.0, self.q))
        at_zero = (ps <= self.atom) & ((self.atom > 0) | (ps == 0))
        return _out(np.where(at_zero, 0.0, np.where(ps >= 1.0, self.upper, xs)))

    def isf(self, p):
        """Inverse survival function: the smallest x with sf(x) <= p."""
        ps = _PROB.validate("p", p)
        xs = self._invert_mass(np.clip(self.q - ps, 0.0, self.q))
        at_zero = (ps >= self.q) & ((self.atom > 0) | (ps == 1))
        return _out(np.where(at_zero, 0.0, np.where(ps <= 0.0, self.upper, xs)))

    def median(self) -> float:
        return float(self.ppf(0.5))

    def interval(self, confidence):
        """(ppf((1 - c) / 2), ppf((1 + c) / 2)): the central interval holding mass ``confidence``."""
        c = _PROB.validate("confidence", confidence)
        return self.ppf((1 - c) / 2), self.ppf((1 + c) / 2)

    # --- moments --------------------------------------------------------------------------

    def moment(self, k: int) -> float:
        """Raw moment <x^k>, atom included (closed form for k <= 8)."""
        k = validate_int("k", k, minimum=0)
        if k > _MAX_SERIES_MOMENT:
            raise ValueError(f"k={k} is outside its domain: integers 0..{_MAX_SERIES_MOMENT}")
        return float(derive()._moment_fns[k](self.q)) * self.sigma2**k

    def mean(self) -> float:
        return self.moment(1)

    def var(self) -> float:
        return float(derive().variance_expr.subs(q, self.q)) * self.sigma2**2

    def std(self) -> float:
        return math.sqrt(self.var())

    def stats(self, moments: str = "mv"):
        """Any of mean 'm', variance 'v', skewness 's', excess kurtosis 'k' (scipy.stats' order)."""
        if not isinstance(moments, str) or not moments or set(moments) - set("mvsk"):
            raise ValueError(f"moments={moments!r} must be a non-empty string of the letters m, v, s, k")
        m1, m2, m3, m4 = (self.moment(k) for k in range(1, 5))
        var = m2 - m1**2
        central3 = m3 - 3 * m1 * m2 + 2 * m1**3
        central4 = m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4
        values = {"m": m1, "v": var, "s": central3 / var**1.5, "k": central4 / var**2 - 3.0}
        out = tuple(values[c] for c in moments)
        return out if len(out) > 1 else out[0]

    # --- integrals against the law --------------------------------------------------------

    def _integrate(self, f, lb: float, ub: float, tol: float = 1e-12) -> float:
        """integral of f(x) pdf(x) over [lb, ub] ∩ support, in the angle x = mid - half cos(theta).

        The substitution turns the square-root edges of the density into a smooth
        integrand (sin theta cancels them), so quad converges to ~1e-13.
        """
        a, b = max(self.lower, lb), min(self.upper, ub)
        if not a < b:
            return 0.0
        mid, half = (self.lower + self.upper) / 2, (self.upper - self.lower) / 2
        t_a, t_b = (math.acos(min(1.0, max(-1.0, (mid - v) / half))) for v in (a, b))

        def integrand(t: float) -> float:
            v = mid - half * math.cos(t)
            dens = self.pdf(v)
            return f(v) * dens * half * math.sin(t) if dens > 0 else 0.0

        return integrate.quad(integrand, t_a, t_b, limit=200, epsabs=tol * 1e-2, epsrel=tol)[0]

    def expect(self, func=None, lb: float | None = None, ub: float | None = None, conditional: bool = False) -> float:
        """E[func(X)] over lb <= X <= ub: ``atom * func(0)`` (when 0 is in range) plus the continuous integral.

        ``conditional=True`` divides by the probability of [lb, ub], as scipy.stats does.
        """
        if func is not None and not callable(func):
            raise ParameterTypeError(f"func must be a callable of one real number, got {shown(func)}")
        f = _checked(func)
        lo = -math.inf if lb is None else _X.scalar("lb", lb)
        hi = math.inf if ub is None else _X.scalar("ub", ub)
        if lo > hi:
            raise ValueError(f"lb={lo:g} must not exceed ub={hi:g}")
        atom_in = self.atom > 0 and lo <= 0.0 <= hi
        total = (self.atom * f(0.0) if atom_in else 0.0) + self._integrate(f, lo, hi)
        if not math.isfinite(total):
            raise ValueError(f"func has no finite expectation under {self!r} on [lb, ub] = [{lo:g}, {hi:g}] "
                             f"(the integral gives {total})")
        if not conditional:
            return total
        mass = (self.atom if atom_in else 0.0) + self._integrate(lambda v: 1.0, lo, hi)
        if mass == 0:
            raise ValueError(f"[lb, ub] = [{lo:g}, {hi:g}] has probability 0: the conditional expectation is undefined")
        return total / mass

    def entropy(self) -> float:
        """-(1 - q) log(1 - q) - integral pdf log pdf (entropy w.r.t. counting measure at 0 + Lebesgue)."""
        atom_part = -self.atom * math.log(self.atom) if self.atom > 0 else 0.0
        # log pdf diverges (integrably) at an edge where pdf vanishes or, for q = 1, blows up at 0:
        # quad reaches ~1e-11 there, not 1e-13
        return atom_part - self._integrate(lambda v: math.log(self.pdf(v)), self.lower, self.upper, tol=1e-10)

    # --- transform and samples ------------------------------------------------------------

    def stieltjes(self, z):
        """m(z) = <1 / (x - z)> for complex z off the spectrum (and off 0)."""
        zs = _complex_array("z", z)
        if np.isnan(zs).any():
            raise ValueError("z must be a number, got NaN")
        if np.isinf(zs).any():
            raise ValueError(f"z={zs[np.isinf(zs)].flat[0]} is outside its domain: finite complex numbers")
        on_support = (zs.imag == 0) & (((zs.real >= self.lower) & (zs.real <= self.upper)) | (zs.real == 0))
        if on_support.any():
            bad = zs[on_support].flat[0]
            raise ValueError(f"z={bad.real:g} must lie off the spectrum {{0}} U [{self.lower:g}, {self.upper:g}]")
        out = derive()._stieltjes(self.q, *self._edges, zs / self.sigma2) / self.sigma2
        return out if out.ndim else complex(out)

    def rvs(self, size=1, random_state=None):
        """Independent draws from the law (inverse-transform sampling, vectorized ppf)."""
        sizes = size if isinstance(size, tuple) else (size,)
        for n in sizes:
            validate_int("size", n, minimum=0)
        rng = np.random.default_rng(random_state)
        return self.ppf(rng.uniform(size=size))

    def rvs_eigenvalues(self, dim: int, size: int = 1, random_state=None) -> np.ndarray:
        """Eigenvalues of ``size`` sampled Wishart matrices X X^T / N, X in R^{dim x N}, N = round(q dim).

        Entries of X are N(0, sigma2). Returns shape (size, dim), ascending, with the
        dim - N flat directions as exact zeros (the non-zero ones come from the N x N
        matrix X^T X / N, which has the same non-zero spectrum). The realized ratio
        is N / dim, equal to q only when q dim is an integer.
        """
        dim = validate_int("dim", dim)
        size = validate_int("size", size)
        n = round(self.q * dim)
        if n < 1:
            raise ValueError(f"dim={dim} is outside its domain: q * dim must round to at least 1 (q={self.q:g})")
        rng = np.random.default_rng(random_state)
        X = rng.normal(scale=math.sqrt(self.sigma2), size=(size, dim, n))
        nonzero = np.linalg.eigvalsh(np.swapaxes(X, 1, 2) @ X / n)
        return np.concatenate([np.zeros((size, dim - n)), np.clip(nonzero, 0.0, None)], axis=1)

    def plot_histogram(self, dim: int = 400, size: int = 10, bins: int = 60, path=None, random_state=None):
        """Histogram of ``rvs_eigenvalues(dim, size)`` against the density: see gentoys.theory.mp_plot."""
        from gentoys.theory.mp_plot import plot_histogram

        return plot_histogram(self, dim=dim, size=size, bins=bins, path=path, random_state=random_state)
