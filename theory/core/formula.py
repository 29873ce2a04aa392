"""A closed form that is one SymPy expression and several numeric back ends.

``Formula`` follows SymPy's lambdify idiom: the expression is the single
source of truth; numpy (scalars and arrays), mpmath (arbitrary precision)
callables are generated from it, and ``.latex`` renders it for the docs.
Calling a formula validates every argument against its :class:`Domain`.

What is evaluated is not always the expression as derived: ``evaluation`` maps the derived expression to
an equal one that floating point evaluates without cancellation (by default
:func:`~gentoys.theory.core.stable.cancel_free`; tests/test_stable.py proves each equal to its derived
expression). Where an intermediate still overflows or underflows (arguments near the ends of float range),
the affected values are recomputed in mpmath; a value beyond float range is refused with a ValueError that
names the arguments.

Each formula carries a signature (its parameters by name) and a docstring of its own, so ``help``,
``inspect.signature`` and IDEs show it as a plain function.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from gentoys.theory.core.domain import Domain
from gentoys.theory.core.stable import cancel_free

#: working precision of the mpmath fallback: the evaluation form has no cancellation, so a few guard digits do
_FALLBACK_DPS = 40


def _latex_interval(domain: Domain) -> str:
    """A domain as a LaTeX interval: (0, 1), [0, \\infty)."""
    def end(x: float) -> str:
        return ("" if x > 0 else "-") + r"\infty" if math.isinf(x) else f"{x:g}"

    left, right = ("(" if domain.low_open else "["), (")" if domain.high_open else "]")
    return f"\\left{left}{end(domain.low)}, {end(domain.high)}\\right{right}"


@dataclass(frozen=True)
class Param:
    """One argument of a formula: its SymPy symbol, its name and its domain."""

    symbol: sp.Symbol
    domain: Domain
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or str(self.symbol)


@dataclass(frozen=True, eq=False)
class Formula:
    """A derived closed form, callable on numbers and arrays.

    >>> from theory import lambda_R
    >>> lambda_R(0.7)            # numpy
    >>> lambda_R.mp(0.7)         # mpmath, current mpmath.mp.dps
    >>> lambda_R.expr            # the SymPy expression
    """

    name: str
    #: the SymPy expression, or a function that derives it (called once, on first use)
    source: sp.Expr | Callable[[], sp.Expr]
    params: tuple[Param, ...]
    doc: str = ""
    #: a check across arguments (e.g. lam_min < lam_max) that raises ValueError
    relation: Callable[..., None] | None = field(default=None, repr=False)
    #: the evaluation form: a function of the derived expression returning an equal one without cancellation
    evaluation: Callable[[sp.Expr], sp.Expr] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # a function's face: help(), inspect.signature() and IDEs read these instance attributes
        object.__setattr__(self, "__name__", self.name)
        object.__setattr__(self, "__qualname__", self.name)
        object.__setattr__(self, "__signature__", inspect.Signature(
            [inspect.Parameter(p.label, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="float | np.ndarray")
             for p in self.params], return_annotation="float | np.ndarray"))
        object.__setattr__(self, "__doc__", self._docstring())

    def _docstring(self) -> str:
        args = ", ".join(p.label for p in self.params)
        lines = [f"{self.name}({args})", "", (self.doc[:1].upper() + self.doc[1:] + ".") if self.doc else "", "",
                 "Parameters", "----------"]
        for p in self.params:
            lines.append(f"{p.label} : float or array of floats in {p.domain}")
        lines += ["", "Returns a float for scalar arguments, else a numpy array (arguments broadcast).",
                  "Raises ValueError (outside the domain, NaN, a value beyond float range) or TypeError (not a",
                  "real number: a string, a complex number, a bool) naming the parameter.", "",
                  f"``{self.name}.expr`` is the derived SymPy expression, ``{self.name}.mp(...)`` evaluates it in",
                  "mpmath at the working precision, ``.latex`` renders it."]
        return "\n".join(lines)

    def __get__(self, obj, objtype=None) -> "Formula":
        """A formula stored on a class is not a method (and pydoc documents it as a routine)."""
        return self

    @cached_property
    def expr(self) -> sp.Expr:
        """The derived expression (running the module's derivation the first time it is asked for)."""
        return self.source if isinstance(self.source, sp.Basic) else sp.sympify(self.source())

    @cached_property
    def numeric_expr(self) -> sp.Expr:
        """The expression that is evaluated: equal to ``expr``, written without cancellation."""
        return (self.evaluation or cancel_free)(self.expr)

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    @cached_property
    def _numpy(self) -> Callable:
        return sp.lambdify(self.symbols, self.numeric_expr, modules=["scipy", "numpy"])

    @cached_property
    def _math(self) -> Callable:
        return sp.lambdify(self.symbols, self.numeric_expr, modules="math")

    def scalar(self, *values: float) -> float:
        """The value at one point given as floats, through Python's ``math`` (several times faster than numpy on
        scalars, for root finders that evaluate a formula thousands of times); where ``math`` refuses (a domain,
        overflow or division error, a complex power) the numpy evaluation's IEEE answer. No domain checks: for
        internal loops whose inputs are checked once outside."""
        try:
            return float(self._math(*values))
        except (ArithmeticError, ValueError, TypeError):
            return float(self._numpy(*values))

    @cached_property
    def _mpmath(self) -> Callable:
        return sp.lambdify(self.symbols, self.numeric_expr, modules="mpmath")

    @cached_property
    def _torch(self) -> Callable:
        import torch

        def pairwise(op):
            def reduce(*args):
                out = torch.as_tensor(args[0])
                for a in args[1:]:
                    out = op(out, torch.as_tensor(a))
                return out

            return reduce

        # SymPy's torch printer writes Max as torch.max (no scalars) and the plain
        # printer writes sign as a Python conditional: route them to element-wise ops.
        swaps = {sp.Max: ("tmax", pairwise(torch.maximum)), sp.Min: ("tmin", pairwise(torch.minimum)),
                 sp.sign: ("tsign", torch.sign), sp.Abs: ("tabs", torch.abs)}
        expr = self.expr
        for func, (name, _) in swaps.items():
            expr = expr.replace(func, lambda *a, n=name: sp.Function(n)(*a))
        table = {name: op for name, op in swaps.values()}
        table.update({"sqrt": torch.sqrt, "exp": torch.exp, "log": torch.log, "pi": math.pi})
        return sp.lambdify(self.symbols, expr, modules=[table])

    def torch(self, *tensors):
        """Evaluate on torch tensors (any device, autograd-friendly). No domain
        check: this is the hot-loop back end, validate once with ``validate``."""
        return self._torch(*tensors)

    def _bind(self, values: tuple, named: dict) -> tuple:
        """Positional and keyword arguments in parameter order (a TypeError naming the parameters otherwise)."""
        if not named and len(values) == len(self.params):
            return values
        try:
            bound = self.__signature__.bind(*values, **named)
        except TypeError as exc:
            names = ", ".join(p.label for p in self.params)
            given = len(values) + len(named)
            raise TypeError(f"{self.name}({names}) takes {len(self.params)} arguments, got {given} ({exc})") from None
        return tuple(bound.arguments[p.label] for p in self.params)

    def validate(self, *values, **named) -> list[np.ndarray]:
        values = self._bind(values, named)
        arrays = [p.domain.validate(p.label, v) for p, v in zip(self.params, values)]
        if self.relation is not None:
            self.relation(*arrays)
        return arrays

    def __call__(self, *values, **named):
        """Evaluate with numpy; returns a float for scalar input, else an array."""
        arrays = self.validate(*values, **named)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        out, flagged = self._evaluate(arrays)
        if np.shape(out) != shape:
            out = np.broadcast_to(out, shape).copy()
        if flagged or not np.isfinite(out).all():
            out = self._refine(np.broadcast_arrays(*arrays), out)
        return float(out) if out.ndim == 0 else out

    def _evaluate(self, arrays) -> tuple[np.ndarray, bool]:
        """numpy evaluation, and whether an intermediate overflowed or underflowed."""
        flags = []
        with np.errstate(invalid="ignore", divide="ignore", over="call", under="call"):
            previous = np.seterrcall(lambda kind, code: flags.append(kind))
            try:
                out = np.asarray(self._numpy(*arrays), dtype=float)
            except (OverflowError, ZeroDivisionError):  # Python scalars in the expression
                return np.full(np.broadcast_shapes(*(np.shape(a) for a in arrays)), np.nan), True
            finally:
                np.seterrcall(previous)
        return out, bool(flags)

    def _refine(self, arrays: list[np.ndarray], out: np.ndarray) -> np.ndarray:
        """Element by element: keep the numpy value where it evaluates cleanly on its own, else mpmath's."""
        out = np.array(out, dtype=float)
        for index in np.ndindex(out.shape):
            point = [np.float64(a[index]) for a in arrays]
            value, flagged = self._evaluate(point)
            value = float(value)
            if flagged or not math.isfinite(value):
                with mpmath.workdps(_FALLBACK_DPS):
                    exact = self._mpmath(*(mpmath.mpf(v) for v in point))
                if not mpmath.isfinite(exact) or abs(exact) > np.finfo(float).max:
                    args = ", ".join(f"{p.label}={v:g}" for p, v in zip(self.params, point))
                    shown = mpmath.nstr(exact, 6) if mpmath.isfinite(exact) else str(exact)
                    raise ValueError(f"{self.name}({args}) = {shown} is beyond the float range; "
                                     f"use {self.name}.mp({args}) for the value")
                value = float(exact)
            out[index] = value
        return out

    def mp(self, *values, **named) -> mpmath.mpf:
        """Evaluate with mpmath at the working precision ``mpmath.mp.dps`` (the evaluation form: no digits lost
        to cancellation)."""
        values = self._bind(values, named)
        arrays = self.validate(*(float(v) if isinstance(v, mpmath.mpf) else v for v in values))
        for p, a in zip(self.params, arrays):
            if a.ndim:
                raise ValueError(f"{p.label} must be a single number for {self.name}.mp, got shape {a.shape}")
        return self._mpmath(*(v if isinstance(v, mpmath.mpf) else mpmath.mpf(float(a)) for v, a in zip(values, arrays)))

    def subs(self, **values) -> sp.Expr:
        """The expression with some parameters replaced by exact values."""
        table = {p.symbol: sp.nsimplify(values[p.label]) for p in self.params if p.label in values}
        return self.expr.subs(table)

    @property
    def latex(self) -> str:
        return sp.latex(self.expr)

    def _repr_latex_(self) -> str:
        """Jupyter shows a formula as mathematics: its name and parameters, the derived expression, and each
        parameter's domain."""
        args = ", ".join(sp.latex(p.symbol) for p in self.params)
        domains = r",\quad ".join(f"{sp.latex(p.symbol)} \\in {_latex_interval(p.domain)}" for p in self.params)
        return f"$\\displaystyle {sp.latex(sp.Symbol(self.name))}({args}) = {self.latex},\\qquad {domains}$"

    def __repr__(self) -> str:
        args = ", ".join(p.label for p in self.params)
        expr = self.__dict__.get("expr", "(derived on first use)")
        return f"<Formula {self.name}({args}) = {expr}>"
