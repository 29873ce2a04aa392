"""Several equivalence decisions read as one: the tolerances the linear claims share, and how they combine.

A cross-check often makes more than one decision (two directions, two methods, paired and averaged). Read
together they agree only when every one is ``inside``, disagree when any is ``outside``, and are undecided
otherwise: one underpowered decision can never be outvoted into a pass.
"""
from __future__ import annotations

from typing import Mapping

from gentoys.checks.framework.claim import Evidence, Kind
from gentoys.checks.framework.compare import StatComparison

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


def worst(cmps: Mapping[str, StatComparison]) -> StatComparison:
    """The decision that speaks for the group: an ``outside`` one if any, else an ``undecided`` one, else any."""
    values = list(cmps.values())
    if not values:
        raise ValueError("cmps is empty: give at least one decision")
    for decision in ("outside", "undecided"):
        for cmp in values:
            if cmp.decision == decision:
                return cmp
    return values[0]


def combined(kind: Kind, summary: str, cmps: Mapping[str, StatComparison], **numbers) -> Evidence:
    """Evidence from several decisions: agrees when all are inside, disagrees when any is outside, else
    undecided. The summary states every decision."""
    decision = worst(cmps).decision
    agrees = {"inside": True, "outside": False, "undecided": None}[decision]
    lines = "; ".join(f"{name}: {cmp.describe()}" for name, cmp in cmps.items())
    return Evidence(kind, f"{summary} — {lines}", {**numbers, **{name: cmp.as_dict() for name, cmp in cmps.items()}},
                    agrees=agrees, undecided=decision == "undecided")
