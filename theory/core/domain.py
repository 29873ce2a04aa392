"""Parameter domains: one place that says what each argument may be.

Every public formula validates its inputs through :class:`Domain`, so a bad
value is stopped at the door with an error that names the parameter, the
value and the allowed range, instead of surfacing later as a silent NaN.
"""
from __future__ import annotations

import math
import numbers
import reprlib
from dataclasses import dataclass

import numpy as np


class ParameterTypeError(TypeError, ValueError):
    """A parameter of the wrong type (a string, a complex number, a bool, None): a TypeError, and also a
    ValueError so that callers that catch bad input as ValueError (the CLI's exit 2) still do."""


_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist = 40, 40, 4


def shown(value) -> str:
    """A short repr of a bad value for an error message."""
    return _SHORT.repr(value)


def choice_error(value, message: str) -> ValueError:
    """The error for a value outside a set of names: a ParameterTypeError when it is no string at all."""
    return ParameterTypeError(message) if not isinstance(value, str) else ValueError(message)


def real_array(name: str, value) -> np.ndarray:
    """``value`` as a float array when it is a real number or an array of real numbers; else a
    ParameterTypeError naming ``name``. Strings (even numeric ones), bools, complex numbers (even with a
    zero imaginary part: a complex input is a mistake the real part would hide) and None are refused."""
    def refuse():
        kind = type(value).__name__
        dtype = getattr(value, "dtype", None)
        what = f"{kind} of {dtype}" if dtype is not None else kind
        return ParameterTypeError(f"{name} must be a real number (or an array of real numbers), got "
                                  f"{shown(value)} ({what})")

    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise refuse()
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - ragged lists, tensors on a GPU, objects numpy cannot read
        raise refuse() from None
    kind = arr.dtype.kind
    if kind in "iuf":
        return arr.astype(float)
    if kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                           for v in arr.flat):
        try:
            return arr.astype(float)
        except (TypeError, ValueError, OverflowError):
            pass
    raise refuse()


@dataclass(frozen=True)
class Domain:
    """An interval of the real line, open or closed at either end."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def contains(self, values: np.ndarray) -> np.ndarray:
        above = values > self.low if self.low_open else values >= self.low
        below = values < self.high if self.high_open else values <= self.high
        return above & below

    def validate(self, name: str, value) -> np.ndarray:
        """Return ``value`` as a float array, or raise ValueError (outside the domain, NaN) or
        :class:`ParameterTypeError` (not a real number) naming ``name``."""
        arr = real_array(name, value)
        if np.isnan(arr).any():
            raise ValueError(f"{name} must be a number in {self}, got NaN")
        bad = ~self.contains(arr)
        if bad.any():
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ValueError(f"{name}={first:g} is outside its domain {self}")
        return arr

    def scalar(self, name: str, value) -> float:
        """One number in the domain, as a float (a list or an array is a ParameterTypeError naming ``name``)."""
        arr = self.validate(name, value)
        if arr.ndim:
            raise ParameterTypeError(f"{name} must be a single number, got {shown(value)} (shape {arr.shape})")
        return float(arr.reshape(()))


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


#: Sample ratio q = N_tr / D of the under-determined regime the theory covers.
RATIO = Domain(0.0, 1.0)
#: Sample ratio including q = 1 (the Marchenko-Pastur law itself allows it).
RATIO_CLOSED = Domain(0.0, 1.0, high_open=False)
POSITIVE = Domain(0.0, math.inf)
NON_NEGATIVE = Domain(0.0, math.inf, low_open=False)
REAL = Domain()
#: Momentum coefficient of heavy-ball iterations.
MOMENTUM = Domain(0.0, 1.0, low_open=False)


def validate_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer parameter (a dimension, a count) with a lower bound."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterTypeError(f"{name} must be an integer >= {minimum}, got {shown(value)}")
    if value < minimum:
        raise ValueError(f"{name}={value} is outside its domain: integers >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} is outside its domain: integers {minimum}..{maximum}")
    return int(value)


#: Largest seed: torch's and numpy's generators take a signed 64-bit seed.
SEED_MAX = 2**63 - 1


def validate_seed(value, name: str = "seed") -> int:
    """A generator seed: an integer in [0, 2**63 - 1]."""
    return validate_int(name, value, minimum=0, maximum=SEED_MAX)
