"""A derivation as data: the model, its steps and its results, run on first use.

Theory modules describe how each closed form was obtained; the docs writer
in ``checks`` renders these records to Markdown with LaTeX. Keeping them as
data (not prose) makes ``gentoys derive`` reproducible byte for byte.

SymPy derivations take seconds, so no module runs them at import: each wraps
its derivation code in a function decorated with :func:`derived`, which runs
it once, on the first use of anything it defines, and caches the result. A
module's ``__getattr__`` hands out the derived names (``module_getattr``),
and its :class:`~gentoys.theory.core.formula.Formula` objects fetch their
expressions the same way, so ``from gentoys.theory import lambda_R`` costs
an import, not a derivation.

What a derivation returns, and the records it made, are kept in the disk cache (:mod:`.cache`), keyed by
the theory's sources and SymPy's version: a process finds them there instead of deriving again. So that a
cached result is the same as a fresh one, both keep only data: helper functions local to the derivation,
modules and other derivations are dropped, and numeric functions are :class:`~.lambdified.Lambdified`
(rebuilt from their expression, never pickled as code).
"""
from __future__ import annotations

import threading
import types
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One step: a sentence, optionally the expression it produces, and a name to reach it by."""

    text: str
    expr: sp.Basic | None = None
    name: str = ""


@dataclass
class Derivation:
    key: str
    title: str
    model: str
    steps: list[Step] = field(default_factory=list)

    def step(self, text: str, expr: sp.Basic | None = None, name: str = "") -> sp.Basic | None:
        """Record a step and hand its expression back, so code reads as the math."""
        if name and any(s.name == name for s in self.steps):
            raise ValueError(f"derivation {self.key!r} already has a step named {name!r}")
        self.steps.append(Step(text, expr, name))
        return expr

    def __getitem__(self, name: str) -> sp.Basic | None:
        """The expression of the step called ``name``."""
        for s in self.steps:
            if s.name == name:
                return s.expr
        raise KeyError(f"derivation {self.key!r} has no step named {name!r}; named steps: "
                       f"{[s.name for s in self.steps if s.name]}")


REGISTRY: dict[str, Derivation] = {}
#: the records made by the derivations running in this thread, innermost last (see ``Derived``)
_recording = threading.local()


def new(key: str, title: str, model: str) -> Derivation:
    """A new derivation record; each key names one derivation (a second ``new`` with the same key raises)."""
    if key in REGISTRY:
        raise ValueError(f"derivation key {key!r} is already taken by {REGISTRY[key].title!r}")
    d = Derivation(key, title, model)
    REGISTRY[key] = d
    stack = getattr(_recording, "stack", None)
    if stack:
        stack[-1].append(d)
    return d


def check(condition: bool, what: str) -> None:
    """An identity a derivation relies on (unlike ``assert``, kept under ``python -O``)."""
    if not condition:
        raise ArithmeticError(f"derivation check failed: {what}")


class Derived:
    """The names a module's derivation defines, computed once on first use (see :func:`derived`).

    The first use loads them from the disk cache when an entry for the module and the current sources is
    there and intact; otherwise it runs the derivation and stores the result. ``source`` says which it was
    (``"cache"``, ``"derived"``, or None before the first use).
    """

    def __init__(self, derive: Callable[[], dict[str, Any]]):
        self._derive = derive
        self._result: SimpleNamespace | None = None
        self._lock = threading.RLock()
        self.__doc__ = derive.__doc__
        self.module = derive.__module__.rpartition(".")[2]
        #: only the theory's own derivations are cached: the key covers theory/'s sources and nothing else
        self.cacheable = derive.__module__.startswith("gentoys.theory.")
        self.source: str | None = None

    def __call__(self) -> SimpleNamespace:
        if self._result is None:
            with self._lock:
                if self._result is None:
                    self._result = self._load() or self._run()
        return self._result

    def _load(self) -> SimpleNamespace | None:
        from gentoys.theory.core import cache

        if not self.cacheable or cache.mode() != "on":
            return None
        try:
            status, payload = cache.load(self.module)
        except ValueError:  # an unusable $GENTOYS_CACHE_DIR: derive (``gentoys cache info`` says why)
            return None
        if status != "hit" or not all(isinstance(r, Derivation) and r.key not in REGISTRY
                                      for r in payload["records"]):
            return None
        REGISTRY.update({r.key: r for r in payload["records"]})
        self.source = "cache"
        return SimpleNamespace(**payload["names"])

    def _run(self) -> SimpleNamespace:
        from gentoys.theory.core import cache

        stack = _recording.__dict__.setdefault("stack", [])
        stack.append([])
        try:
            names = kept(self._derive())
        finally:
            records = stack.pop()
        if self.cacheable and cache.mode() != "off":
            try:
                cache.store(self.module, names, records)
            except ValueError:  # an unusable $GENTOYS_CACHE_DIR
                pass
        self.source = "derived"
        return SimpleNamespace(**names)

    @property
    def done(self) -> bool:
        return self._result is not None

    def getattr(self, module: str, name: str) -> Any:
        """``name`` from the derivation, or the AttributeError a module raises for a missing name."""
        if name.startswith("__"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        try:
            return getattr(self(), name)
        except AttributeError:
            raise AttributeError(f"module {module!r} has no attribute {name!r}") from None


def kept(names: dict[str, Any]) -> dict[str, Any]:
    """The results of a derivation: its locals less dunders, modules, other derivations, formulas (module
    objects a loop may leave behind) and functions defined inside it: scaffolding, not data the cache could
    store."""
    from gentoys.theory.core.formula import Formula

    def scaffolding(value: Any) -> bool:
        return (isinstance(value, (types.ModuleType, Derived, Formula))
                or (isinstance(value, types.FunctionType)
                    and ("<locals>" in value.__qualname__ or "<lambda>" in value.__qualname__)))

    return {k: v for k, v in names.items() if not k.startswith("__") and not scaffolding(v)}


def derived(derive: Callable[[], dict[str, Any]]) -> Derived:
    """Decorate a module's derivation code (a function ending in ``return locals()``): it runs on first use."""
    return Derived(derive)


def module_getattr(derive: Derived, module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves the names ``derive`` defines (PEP 562)."""
    return lambda name: derive.getattr(module, name)
