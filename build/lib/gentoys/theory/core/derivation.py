"""A derivation as data: the model, its steps and its results.

Theory modules describe how each closed form was obtained; the docs writer
in ``checks`` renders these records to Markdown with LaTeX. Keeping them as
data (not prose) makes ``gentoys derive`` reproducible byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One step: a sentence and, optionally, the expression it produces."""

    text: str
    expr: sp.Basic | None = None


@dataclass
class Derivation:
    key: str
    title: str
    model: str
    steps: list[Step] = field(default_factory=list)

    def step(self, text: str, expr: sp.Basic | None = None) -> sp.Basic | None:
        """Record a step and hand its expression back, so code reads as the math."""
        self.steps.append(Step(text, expr))
        return expr


REGISTRY: dict[str, Derivation] = {}


def new(key: str, title: str, model: str) -> Derivation:
    d = Derivation(key, title, model)
    REGISTRY[key] = d
    return d
