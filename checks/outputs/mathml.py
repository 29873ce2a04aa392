"""Mathematics for the HTML report: LaTeX to MathML, which browsers render natively (no script, no fonts to
fetch, no network), so the page stays one self-contained file.

``latex2mathml`` is pure Python and deterministic: the same LaTeX gives the same bytes, which keeps the
report byte-identical for the same JSON.
"""
from __future__ import annotations

import html
import re

import latex2mathml.converter
import sympy as sp

#: commands latex2mathml leaves as text, rewritten to ones it knows (a test scans every derivation for more)
_REWRITE = {r"\arg": r"\operatorname{arg}"}
_UNKNOWN = re.compile("|".join(re.escape(k) for k in _REWRITE) + r"(?![A-Za-z])")
#: inline math in derivation text: $...$ (no $$ in sentences)
_INLINE = re.compile(r"\$([^$]+)\$")
#: ``lambda`` is a Python keyword, so SymPy cannot parse its own text form of the symbol λ back
_LAMBDA = re.compile(r"\blambda\b")
#: what a formula's text form may hold: names, numbers, arithmetic, calls; no quotes, brackets or attributes
_SAFE_TEXT = re.compile(r"[\w\s.+\-*/(),]*")
_NAME = re.compile(r"[A-Za-z_]\w*")
_ATTRIBUTE = re.compile(r"[A-Za-z_)]\w*\s*\.\s*[A-Za-z_]")
#: the functions and constants a formula may call by name; any other name is a symbol (parse_expr evaluates
#: Python, so a report from elsewhere must not reach builtins such as eval or chr)
FUNCTIONS = frozenset({
    "exp", "log", "sqrt", "Abs", "sign", "Max", "Min", "Rational", "Integer", "Float", "pi", "E", "I", "oo",
    "sin", "cos", "tan", "atan", "asin", "acos", "sinh", "cosh", "tanh", "erf", "erfc", "gamma", "binomial",
    "factorial", "floor", "ceiling", "Heaviside", "re", "im", "Eq", "Ne", "Lt", "Le", "Gt", "Ge",
})


def mathml(tex: str, display: bool = False) -> str:
    """``tex`` as a MathML ``<math>`` element (block when ``display``), the LaTeX kept as ``alttext``."""
    if not isinstance(tex, str):
        raise TypeError(f"tex must be a LaTeX string, got {type(tex).__name__}")
    source = _UNKNOWN.sub(lambda m: _REWRITE[m.group(0)], tex)
    out = latex2mathml.converter.convert(source, display="block" if display else "inline")
    alt = html.escape(tex, quote=True)
    return out.replace("<math ", f'<math alttext="{alt}" ', 1)


def text_with_math(text: str) -> str:
    """Escaped text whose ``$...$`` spans become inline MathML (the derivations' sentences are written so)."""
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out += [html.escape(text[pos:m.start()], quote=False), mathml(m.group(1))]
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def parse_expression(text: str) -> sp.Basic | None:
    """A SymPy expression back from its text form (as the report JSON stores the seed's formulas), with the
    symbols the derivations typeset specially; None when the text does not parse."""
    from gentoys.theory.core.symbols import LATEX_NAMES

    if not _SAFE_TEXT.fullmatch(text) or "__" in text or _ATTRIBUTE.search(text):
        return None
    text = _LAMBDA.sub("lambda_kw_", text)
    special = {s.name: s for s in LATEX_NAMES}
    local = {name: special.get(name, sp.Symbol(name)) for name in _NAME.findall(text) if name not in FUNCTIONS}
    local["lambda_kw_"] = sp.Symbol("lambda")
    try:
        expr = sp.parse_expr(text, local_dict=local)
    except Exception:  # noqa: BLE001 - any text SymPy cannot read is shown as text
        return None
    return expr if isinstance(expr, sp.Basic) else None


def expression_mathml(text: str) -> str:
    """A seed formula's SymPy text as block MathML, via SymPy's LaTeX; as code when it does not parse."""
    from gentoys.checks.framework.text import latex

    expr = parse_expression(text)
    if expr is None:
        return f"<code>{html.escape(text, quote=False)}</code>"
    return mathml(latex(expr), display=True)
