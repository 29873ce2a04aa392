"""Grids: parsing ``KEY=V1,V2`` / ``KEY=START:STOP:N``, the product of the axes, per-point seeds."""
from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any, Mapping

import numpy as np

from gentoys.checks.sweeps.spec import Point


def parse_axis(text: str) -> tuple[str, tuple]:
    """``"q=0.1,0.5"`` -> ("q", (0.1, 0.5)); ``"q=0.1:0.9:5"`` -> five evenly spaced values (ends included).

    Integers stay integers, other numbers become floats, anything else stays a string.
    """
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise ValueError(f"grid axis {text!r} is not KEY=V1,V2,... or KEY=START:STOP:N")
    if ":" in values:
        parts = values.split(":")
        if len(parts) != 3:
            raise ValueError(f"grid axis {text!r}: a range is START:STOP:N (three fields), got {len(parts)}")
        start, stop, n = _number(parts[0]), _number(parts[1]), _number(parts[2])
        if not isinstance(n, int) or n < 1 or isinstance(start, str) or isinstance(stop, str):
            raise ValueError(f"grid axis {text!r}: START and STOP must be numbers and N an integer >= 1")
        grid = np.linspace(start, stop, n)
        as_int = isinstance(start, int) and isinstance(stop, int) and np.allclose(grid, np.round(grid))
        return key, tuple(int(round(v)) if as_int else round(float(v), 12) for v in grid)
    return key, tuple(_number(v) for v in values.split(","))


def _number(text: str) -> Any:
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if not text:
        raise ValueError("empty grid value")
    return text


def merge_grid(default: Mapping[str, tuple], overrides: list[str],
               axes: Mapping[str, "Axis"] | None = None) -> dict[str, tuple]:  # noqa: F821
    """The default grid with the axes given on the command line replaced (unknown axes are an error); with
    ``axes``, every value given is checked against its axis's domain (a ValueError naming the axis)."""
    grid = dict(default)
    for text in overrides:
        key, values = parse_axis(text)
        if key not in grid:
            raise ValueError(f"grid axis {key!r} is not an axis of this sweep (axes: {', '.join(grid)})")
        if axes and key in axes:
            checked = []
            for v in values:
                try:
                    checked.append(axes[key].check(v))
                except ValueError as exc:
                    raise ValueError(f"{key} = {exc}") from None
            values = tuple(checked)
        grid[key] = values
    return grid



def expand(grid: Mapping[str, tuple]) -> list[Point]:
    """Every point of the product of the axes, in the axes' order."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def point_key(point: Point) -> str:
    """A canonical text for a point (sorted keys, exact float repr): its identity in the table."""
    return json.dumps({k: point[k] for k in sorted(point)}, sort_keys=True, separators=(",", ":"))


def point_seed(sweep_seed: int, point: Point) -> int:
    """A seed from the sweep's seed and the point's coordinates alone (not its order, worker or cluster)."""
    digest = hashlib.sha256(f"{sweep_seed}|{point_key(point)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % (2**62)
