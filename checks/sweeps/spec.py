"""What a sweep declares: a grid, a function from one point to a record, a figure."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

Point = dict[str, Any]
Record = dict[str, float]


@dataclass(frozen=True)
class Sweep:
    """One parameter sweep.

    ``run_point(point, seed, device)`` computes one record; it runs in a worker process, so it must be a
    module-level function (pickled by reference). ``peak_bytes(point)`` estimates the memory one point
    needs, so that a point too large for a worker is refused before it is sent. ``figure(table, summary,
    out)`` draws the finished table and returns the files written; ``summarize(table)`` condenses it into
    the JSON-able headline numbers (``summary.json``).
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
