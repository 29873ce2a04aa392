"""In a notebook a formula and the MP law show themselves as mathematics (Jupyter's _repr_latex_)."""
import latex2mathml.converter
import pytest
import sympy as sp

import gentoys.theory as theory
from gentoys.theory import MarchenkoPastur, lambda_R, ridge_correction
from gentoys.theory.core.formula import Formula

FORMULAS = sorted(n for n in theory.__all__ if isinstance(getattr(theory, n), Formula))


def _math_parts(text: str) -> list[str]:
    parts = text.split("$")[1::2]
    assert parts, text
    return parts


def test_a_formula_shows_its_expression_parameters_and_domain():
    text = lambda_R._repr_latex_()
    assert sp.latex(lambda_R.expr) in text and r"\lambda_{R}(q)" in text
    assert r"q \in \left(0, 1\right)" in text


@pytest.mark.parametrize("name", FORMULAS)
def test_every_exported_formula_renders_as_valid_latex(name):
    formula = getattr(theory, name)
    text = formula._repr_latex_()
    assert sp.latex(formula.expr) in text and all(sp.latex(p.symbol) in text for p in formula.params)
    for part in _math_parts(text):  # valid LaTeX: it converts to MathML
        assert "<math" in latex2mathml.converter.convert(part)


def test_ridge_correction_shows_its_default():
    text = ridge_correction._repr_latex_()
    assert sp.latex(ridge_correction.expr) in text and r"\lambda_R(q)" in text and r"\infty" in text


def test_the_mp_law_shows_its_parameters_atom_and_edges():
    law = MarchenkoPastur(0.7)
    text = law._repr_latex_()
    lo, hi = law.support()
    assert "q = 0.7" in text and f"{law.atom:.4g}" in text and f"{lo:.4g}" in text and f"{hi:.4g}" in text
    assert r"\sigma^2 = 2" in MarchenkoPastur(0.7, sigma2=2.0)._repr_latex_()
    for part in _math_parts(text):
        assert "<math" in latex2mathml.converter.convert(part)
