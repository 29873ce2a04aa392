"""A closed form that is one SymPy expression and several numeric back ends.

``Formula`` follows SymPy's lambdify idiom: the expression is the single
source of truth; numpy (scalars and arrays), mpmath (arbitrary precision)
callables are generated from it, and ``.latex`` renders it for the docs.
Calling a formula validates every argument against its :class:`Domain`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from gentoys.theory.core.domain import Domain


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

    @cached_property
    def expr(self) -> sp.Expr:
        """The derived expression (running the module's derivation the first time it is asked for)."""
        return self.source if isinstance(self.source, sp.Basic) else sp.sympify(self.source())

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    @cached_property
    def _numpy(self) -> Callable:
        return sp.lambdify(self.symbols, self.expr, modules=["scipy", "numpy"])

    @cached_property
    def _mpmath(self) -> Callable:
        return sp.lambdify(self.symbols, self.expr, modules="mpmath")

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

    def validate(self, *values) -> list[np.ndarray]:
        if len(values) != len(self.params):
            names = ", ".join(p.label for p in self.params)
            raise TypeError(f"{self.name}({names}) takes {len(self.params)} arguments, got {len(values)}")
        arrays = [p.domain.validate(p.label, v) for p, v in zip(self.params, values)]
        if self.relation is not None:
            self.relation(*arrays)
        return arrays

    def __call__(self, *values):
        """Evaluate with numpy; returns a float for scalar input, else an array."""
        arrays = self.validate(*values)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.asarray(self._numpy(*arrays), dtype=float)
        if np.shape(out) != np.broadcast_shapes(*(a.shape for a in arrays)):
            out = np.broadcast_to(out, np.broadcast_shapes(*(a.shape for a in arrays))).copy()
        return float(out) if out.ndim == 0 else out

    def mp(self, *values) -> mpmath.mpf:
        """Evaluate with mpmath at the working precision ``mpmath.mp.dps``."""
        self.validate(*(float(v) for v in values))
        return self._mpmath(*(mpmath.mpf(v) for v in values))

    def subs(self, **values) -> sp.Expr:
        """The expression with some parameters replaced by exact values."""
        table = {p.symbol: sp.nsimplify(values[p.label]) for p in self.params if p.label in values}
        return self.expr.subs(table)

    @property
    def latex(self) -> str:
        return sp.latex(self.expr)

    def __repr__(self) -> str:
        args = ", ".join(p.label for p in self.params)
        expr = self.__dict__.get("expr", "(derived on first use)")
        return f"<Formula {self.name}({args}) = {expr}>"
