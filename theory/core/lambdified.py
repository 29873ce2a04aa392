"""A lambdified SymPy expression that pickles as the expression, not as compiled code.

``sp.lambdify`` returns a function generated at run time: it does not pickle, and a cached derivation must
not store code anyway. :class:`Lambdified` keeps what builds the function (arguments, expression, modules)
and compiles it on first call, so a derivation loaded from the disk cache rebuilds its numeric functions
from the cached expressions.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy as sp


class Lambdified:
    """``sp.lambdify(args, expr, modules)``, built on first call; pickles as its three arguments.

    ``modules`` must pickle too: module names ("numpy", "mpmath", ...) and dicts of module-level functions.
    """

    __slots__ = ("args", "expr", "modules", "_fn")

    def __init__(self, args: Any, expr: sp.Basic, modules: Any = None):
        self.args = args
        self.expr = expr
        self.modules = modules
        self._fn: Callable | None = None

    @property
    def built(self) -> bool:
        """Whether the function has been compiled in this process."""
        return self._fn is not None

    def __call__(self, *values):
        if self._fn is None:
            self._fn = sp.lambdify(self.args, self.expr, modules=self.modules)
        return self._fn(*values)

    def __reduce__(self):
        return (Lambdified, (self.args, self.expr, self.modules))

    def __repr__(self) -> str:
        return f"<Lambdified {self.args} -> {self.expr}>"


def lambdify(args: Any, expr: sp.Basic, modules: Any = None) -> Lambdified:
    """``sp.lambdify`` for derivations: a callable rebuilt from the expression, never pickled as code."""
    return Lambdified(args, expr, modules)
