"""SymPy expressions as readable one-line math for corrections: √, ², −, no ``*`` or ``sqrt(...)``."""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_NAMES = {"lambda": "λ", "beta": "β", "eta": "η", "epsilon": "ε", "theta": "θ"}


class _Unicode(StrPrinter):
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return _NAMES.get(expr.name, expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.as_base_exp()
        if exp == sp.Rational(1, 2):
            inner = self._print(base)
            return f"√{inner}" if base.is_Atom else f"√({inner})"
        if exp == sp.Rational(-1, 2):
            return f"1/{self._print(sp.sqrt(base))}"
        if exp.is_Integer and exp > 0:
            inner = self._print(base)
            inner = inner if base.is_Atom else f"({inner})"
            return inner + str(exp).translate(_SUPERSCRIPTS)
        inner = self._print(base)
        inner = inner if base.is_Atom else f"({inner})"
        power = self._print(exp)
        return f"{inner}^{power}" if exp.is_Atom and not exp.is_Rational or exp.is_Integer else f"{inner}^({power})"

    def _print_Mul(self, expr: sp.Mul) -> str:
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Add(self, expr: sp.Add, order=None) -> str:
        terms = sorted(expr.as_ordered_terms(), key=lambda t: t.could_extract_minus_sign())  # positive terms first
        out = self._print(terms[0])
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += f" − {self._print(-term)}"
            else:
                out += f" + {self._print(term)}"
        return out


def math_text(expr) -> str:
    """``expr`` as one line of unicode math, e.g. 3*sqrt(2)/8 - 1/2 -> 3·√2/8 − 1/2."""
    text = _Unicode().doprint(sp.sympify(expr))
    text = text.replace("·√", "√")
    # a number times a radical or a symbol reads without the dot: 3·√2 -> 3√2, 2·q -> 2q
    out = []
    for i, ch in enumerate(text):
        if ch == "·" and i and text[i - 1].isdigit() and i + 1 < len(text) and not text[i + 1].isdigit():
            continue
        out.append(ch)
    return "".join(out).replace("-", "−")
