"""Mathematics as a person reads it: unicode for the terminal and the JSON, LaTeX for documents.

Corrections, reasons and key numbers are read by people; no SymPy repr (``Eq(...)``, ``**``, ``sqrt(``,
``S_i**2*lambda``) may reach them. :func:`math_text` prints an expression in unicode (λ, √, ², ·, ≤) and
:func:`latex` in LaTeX, both from the same expression.
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
          "kappa": "κ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "psi": "ψ",
          "Lambda": "Λ", "Sigma": "Σ", "pi": "π"}
_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _name(name: str) -> str:
    base, _, sub = name.partition("_")
    base = _GREEK.get(base, base)
    if not sub:
        return base
    sub = _GREEK.get(sub, sub)
    return base + (sub.translate(_SUB) if sub.isdigit() else "_" + sub)


class _UnicodePrinter(StrPrinter):
    def _print_Symbol(self, expr):
        return _name(expr.name)

    def _print_Pi(self, expr):
        return "π"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_Relational(self, expr):
        op = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}[expr.rel_op]
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp == sp.S.Half:
            return f"√{self._root_arg(base)}"
        if exp == -sp.S.Half:
            return f"1/√{self._root_arg(base)}"
        if exp.is_Integer and exp > 0:
            return self.parenthesize(base, PRECEDENCE["Pow"]) + str(exp).translate(_SUPER)
        if exp.is_Integer and exp < 0:
            return "1/" + self.parenthesize(base ** -exp, PRECEDENCE["Mul"])
        if exp.is_Rational:
            return self.parenthesize(base, PRECEDENCE["Pow"]) + "^(" + str(exp) + ")"
        return super()._print_Pow(expr, rational)

    def _root_arg(self, base) -> str:
        text = self._print(base)
        return text if (base.is_Symbol or base.is_Number) else f"({text})"

    def _print_Add(self, expr, order=None):
        terms = sorted(expr.as_ordered_terms(), key=lambda t: t.could_extract_minus_sign())  # positive terms first
        out = self._print(terms[0])
        for term in terms[1:]:
            neg = term.could_extract_minus_sign()
            out += f" {'-' if neg else '+'} {self.parenthesize(-term if neg else term, PRECEDENCE['Add'])}"
        return out

    def _print_Mul(self, expr):
        text = super()._print_Mul(expr).replace("*", "·")
        return re.sub(r"(?<![\w.])(\d+)·(?=[√(\w])", r"\1", text)  # 3√2, 2q, 4(1 + q): no dot after a coefficient


def math_text(expr) -> str:
    """An expression (or anything ``sympify`` takes) in unicode: λ, √, ², ·, ≤, − (``a + -b`` printed ``a − b``)."""
    text = _UnicodePrinter().doprint(sp.sympify(expr))
    text = re.sub(r"\+ -", "- ", text)
    return re.sub(r"(^|[\s(])-", r"\1−", text.replace(" - ", " − "))


def latex(expr) -> str:
    """The same expression in LaTeX, for documents (the HTML report, docs/derivations.md)."""
    from gentoys.theory.core.symbols import LATEX_NAMES

    return sp.latex(sp.sympify(expr), symbol_names=LATEX_NAMES)


#: what a SymPy repr leaves in text meant for people
SYMPY_REPR = re.compile(r"\*\*|\bEq\(|\bsqrt\(|\w\*\w|\+ -|\bRational\(|\bSymbol\(")


def readable(text: str) -> bool:
    """Whether ``text`` is free of SymPy repr."""
    return not SYMPY_REPR.search(text)
