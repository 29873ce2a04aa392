"""theory.domain: intervals, validation messages that name the parameter, integers."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from gentoys.theory.core.domain import MOMENTUM, NON_NEGATIVE, POSITIVE, RATIO, RATIO_CLOSED, REAL, Domain, validate_int


def test_str_shows_open_and_closed_ends():
    assert str(RATIO) == "(0, 1)"
    assert str(RATIO_CLOSED) == "(0, 1]"
    assert str(NON_NEGATIVE) == "[0, inf)"
    assert str(REAL) == "(-inf, inf)"
    assert str(MOMENTUM) == "[0, 1)"


@settings(max_examples=examples(30))
@given(st.floats(-3, 3), st.floats(-3, 3), st.booleans(), st.booleans(), st.floats(-4, 4))
def test_contains_matches_interval_definition(a, b, low_open, high_open, v):
    """contains() agrees with the plain comparisons of an (half-)open interval."""
    low, high = min(a, b), max(a, b)
    dom = Domain(low, high, low_open, high_open)
    above = v > low if low_open else v >= low
    below = v < high if high_open else v <= high
    assert bool(dom.contains(np.float64(v))) == (above and below)


@pytest.mark.parametrize("dom, edge", [(RATIO, 0.0), (RATIO, 1.0), (POSITIVE, 0.0)])
def test_open_ends_are_excluded(dom, edge):
    with pytest.raises(ValueError, match=r"^q=.*outside its domain"):
        dom.validate("q", edge)


def test_closed_ends_are_included():
    assert float(RATIO_CLOSED.validate("q", 1.0)) == 1.0
    assert float(NON_NEGATIVE.validate("lam", 0.0)) == 0.0
    assert float(MOMENTUM.validate("beta", 0.0)) == 0.0
    with pytest.raises(ValueError, match="^beta=1 is outside"):
        MOMENTUM.validate("beta", 1.0)  # beta = 1 never contracts: excluded


@pytest.mark.parametrize(
    "value, pattern",
    [
        (float("nan"), r"^q must be a number in \(0, 1\), got NaN"),
        (1.5, r"^q=1\.5 is outside its domain \(0, 1\)"),
        (-0.2, r"^q=-0\.2 is outside"),
        (math.inf, r"^q=inf is outside"),
        ("abc", r"^q must be a real number"),
        (1j, r"^q must be a real number"),
    ],
)
def test_bad_values_raise_naming_the_parameter(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        RATIO.validate("q", value)


def test_arrays_report_first_offender():
    with pytest.raises(ValueError, match=r"^q=2 is outside"):
        RATIO.validate("q", np.array([0.5, 2.0, 3.0]))
    with pytest.raises(ValueError, match="NaN"):
        RATIO.validate("q", np.array([0.5, np.nan]))


def test_validate_returns_float_array_of_same_shape():
    out = POSITIVE.validate("lam", [[1, 2], [3, 4]])
    assert out.dtype == float and out.shape == (2, 2)


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None, np.float64(2.0)])
def test_validate_int_rejects_non_integers_and_bools(value):
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1"):
        validate_int("n", value)


def test_validate_int_bounds_and_numpy_integers():
    assert validate_int("k", 0, minimum=0) == 0
    assert validate_int("D", np.int64(7)) == 7 and type(validate_int("D", np.int64(7))) is int
    with pytest.raises(ValueError, match=r"^D=0 is outside its domain"):
        validate_int("D", 0)
    with pytest.raises(ValueError, match=r"^steps=-1 is outside"):
        validate_int("steps", -1, minimum=0)
