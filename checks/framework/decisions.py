"""Decisions the claims share: the tolerances several claims declare, one-sided wins against a margin, and
several equivalence decisions read as one.

A cross-check often makes more than one decision (two directions, two methods, paired and averaged). Read
together they agree only when every one is ``inside``, disagree when any is ``outside``, and are undecided
otherwise: one underpowered decision can never be outvoted into a pass.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from gentoys.checks.framework.claim import Evidence, Kind
from gentoys.checks.framework.compare import StatComparison, within_tolerance

#: Relative tolerance of a comparison whose target is exact at every D (an expectation over data sets that has
#: no finite-size bias: the null fraction 1 - N/D, Eq. 1 at finite D, E||S0||^2). There is no bias to allow for,
#: so the tolerance is the resolution asked of the sample: a tenth of the target. Any error that matters to the
#: conclusions (a missing 1/2, q for 1 - q, a variance read as a standard deviation) is several tenths.
EXACT_RESOLUTION = 0.10

#: Coefficient of the finite-size allowance c / D (relative) of a smooth spectral average against its
#: Marchenko-Pastur limit: the mean of a linear spectral statistic of a real Wishart matrix differs from the
#: limit by O(1/D) relative; measured about 0.1/D (q = 0.3) and 0.2/D (q = 0.7) for the ridge plateau at D = 300.
FINITE_SIZE = 5.0

#: float64 rounding of a loss summed over D terms: paired differences below this are not signal
ROUNDING = 1e-12


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


def worst(cmps: Mapping[str, StatComparison]) -> StatComparison:
    """The decision that speaks for the group (``all_decided``'s): an ``outside`` one if any, else an
    ``undecided`` one, else any."""
    state = all_decided(cmps.values())
    return next(c for c in cmps.values() if c.decision == state or state == "inside")


def combined(kind: Kind, summary: str, cmps: Mapping[str, StatComparison], **numbers) -> Evidence:
    """Evidence from several decisions: agrees when all are inside, disagrees when any is outside, else
    undecided. The summary states every decision."""
    decision = all_decided(cmps.values())
    agrees = {"inside": True, "outside": False, "undecided": None}[decision]
    lines = "; ".join(f"{name}: {cmp.describe()}" for name, cmp in cmps.items())
    return Evidence(kind, f"{summary} — {lines}", {**numbers, **{name: cmp.as_dict() for name, cmp in cmps.items()}},
                    agrees=agrees, undecided=decision == "undecided")
