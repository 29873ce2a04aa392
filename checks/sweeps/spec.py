"""What a sweep declares: a grid, a function from one point to a record, a figure."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

Point = dict[str, Any]
Record = dict[str, float]


@dataclass(frozen=True)
class Axis:
    """The values one grid axis may take: integers or reals in an interval, or one of a few words.

    ``--grid`` values are checked against it before the cluster starts, so a bad value is bad input (exit 2),
    not a failed point.
    """

    kind: str  # "int", "real" or "choice"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        what = "an integer" if self.kind == "int" else "a real number"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{what} in {left}{lo}, {hi}{right}"

    def check(self, value: Any) -> Any:
        """``value`` as the axis holds it (an integral float becomes an int on an int axis), or a ValueError."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{value!r} is not {self.describe()}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{value!r} is not a number ({self.describe()})")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"{value!r} is not an integer ({self.describe()})")
            value = int(value)
        if value != value or (self.low is not None and (value < self.low or (self.low_open and value == self.low))) \
                or (self.high is not None and (value > self.high or (self.high_open and value == self.high))):
            raise ValueError(f"{value!r} is not {self.describe()}")
        return value


@dataclass(frozen=True)
class Sweep:
    """One parameter sweep.

    ``run_point(point, seed, device)`` computes one record; it runs in a worker process, so it must be a
    module-level function (pickled by reference). ``peak_bytes(point)`` estimates the memory one point
    needs, so that a point too large for a worker is refused before it is sent. ``figure(table, summary,
    out)`` draws the finished table and returns the files written; ``summarize(table)`` condenses it into
    the JSON-able headline numbers (``summary.json``). ``axes`` gives each grid axis its domain.
    """

    name: str
    description: str
    grid: Mapping[str, tuple]
    run_point: Callable[[Point, int, str], Record]
    peak_bytes: Callable[[Point], int]
    summarize: Callable[[Any], dict]
    figure: Callable[[Any, dict, Path], list[Path]]
    measured: str = ""  # which quantity is measured, and how
    theory: str = ""  # the closed form beside it
    fixed: Mapping[str, Any] = field(default_factory=dict)  # sizes that are not grid axes
    axes: Mapping[str, Axis] = field(default_factory=dict)  # the domain of each grid axis, for --grid
