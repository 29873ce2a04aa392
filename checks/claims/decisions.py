"""Decisions the claim modules of groups D and F share: one-sided wins against a margin, and several equivalence
decisions combined into one."""
from __future__ import annotations

from typing import Iterable

from gentoys.checks.framework.compare import StatComparison, within_tolerance


def beats(samples, margin: float) -> StatComparison:
    """Whether ``samples`` (per data set, e.g. lasso / ridge - 1) lie below ``-margin``: the comparison against the
    line ``-margin`` with no tolerance, so ``below`` means the whole 90 % interval is under the line (a win),
    ``above`` the whole interval over it (no win), anything else undecided."""
    if not margin >= 0:
        raise ValueError(f"margin={margin!r} is outside its domain: a number >= 0")
    return within_tolerance(samples, -margin, 0.0)


def margin_text(margin: float) -> str:
    return f"a margin of {margin:.0%}" if margin else "any margin"


def all_decided(cmps: Iterable[StatComparison], inside: str = "inside", outside: str = "outside") -> str:
    """One decision from several: ``inside`` when every comparison says so, ``outside`` when any one is decided
    against it, "undecided" otherwise. With ``inside="below", outside="above"`` it combines one-sided wins
    (``beats``): a win needs every comparison below its line."""
    cmps = list(cmps)
    if not cmps:
        raise ValueError("cmps is empty: give at least one comparison")

    def state(c: StatComparison) -> str:
        if inside == "below":
            return "below" if c.below else ("above" if c.above else "undecided")
        return c.decision

    states = [state(c) for c in cmps]
    if any(s == outside for s in states):
        return outside
    return inside if all(s == inside for s in states) else "undecided"
