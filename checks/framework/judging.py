"""Small helpers shared by the claim modules."""
from __future__ import annotations

from typing import Callable

import numpy as np
import sympy as sp

from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.compare import StatComparison, same_expression
from gentoys.checks.framework.profile import Context


def probe_points(ranges, n: int, seed: int, digits: int = 6) -> list[dict[sp.Symbol, float]]:
    """``n`` random points, each symbol of ``ranges`` ((symbol, low, high), ...) uniform in its interval."""
    rng = np.random.default_rng(seed)
    return [{sym: float(np.round(rng.uniform(lo, hi), digits)) for sym, lo, hi in ranges} for _ in range(n)]


def probes(ctx: Context, **ranges: tuple[sp.Symbol, float, float]) -> list[dict[sp.Symbol, float]]:
    """``ctx.profile.n_probes`` random points, each symbol uniform in its (low, high)."""
    return probe_points(ranges.values(), ctx.profile.n_probes, ctx.seed + 17)


def against_seed_all(ctx: Context, statement: SeedStatement) -> tuple[list[Evidence], bool]:
    """S evidence for every formula a seed statement declares, and whether all of them match."""
    pairs = [against_seed(ctx, f) for f in statement.formulas]
    return [ev for ev, _ in pairs], all(ok for _, ok in pairs)


def against_seed(ctx: Context, formula: SeedFormula) -> tuple[Evidence, bool]:
    """S evidence: a declared seed formula against our derivation, on the profile's probe points."""
    return symbolic(formula.label, formula.seed_expr(), formula.derived_expr(),
                    probe_points(formula.ranges, ctx.profile.n_probes, ctx.seed + 17))


def symbolic(summary: str, seed_expr, derived_expr, points) -> tuple[Evidence, bool]:
    """S evidence: the seed's expression against the derived one."""
    cmp = same_expression(seed_expr, derived_expr, points)
    ev = Evidence(
        "S",
        f"{summary} (the seed's expression against our derivation: it decides the verdict, it is not a "
        "cross-check of our own routes)",
        {
            "seed": sp.sstr(seed_expr),
            "derived": sp.sstr(derived_expr),
            "equal": cmp.equal,
            "max_rel_difference_at_probes": cmp.max_abs_difference,
        },
        agrees=None,
    )
    return ev, cmp.equal


def fmt(x: float, digits: int = 4) -> str:
    return f"{float(x):.{digits}g}"


def judged(holds: bool, evidence: list[Evidence], key: str, correction: str | Callable[[], str] | None = None,
           *, readings: list[Reading] | None = None, conclusion_stands: bool = False) -> Outcome:
    """The one way a check builds its outcome: confirmed when the seed's statement holds; else an erratum when
    the conclusion it serves stands (``conclusion_stands``: a typo, a factor, notation, a formula's scope),
    refuted when it does not.

    Either states what holds instead: ``correction`` (a string, or a function called only when the claim
    fails, so it may use values that exist only then), or, when it is left out, the notes of the refuted
    readings and the derived expressions of the symbolic comparisons that failed. Placeholders that point
    elsewhere ("see the evidence") are rejected by ``Outcome``.
    """
    readings = list(readings or [])
    if holds:
        return Outcome("confirmed", evidence, key=key, readings=readings)
    text = correction() if callable(correction) else correction
    if not text:
        text = "; ".join([f"{r.name}: {r.note}" for r in readings if r.verdict == "refuted"]
                         + [f"{e.summary.split(' (')[0]}: {e.numbers['derived']}, not the seed's {e.numbers['seed']}"
                            for e in evidence if e.kind == "S" and e.numbers.get("equal") is False])
    if not text:
        raise ValueError(f"claim refuted ({key}) with nothing that states what holds: give a correction")
    return Outcome("erratum" if conclusion_stands else "refuted", evidence, key=key, correction=text,
                   readings=readings)


def decided(cmp: StatComparison, evidence: list[Evidence], key: str, correction: str | Callable[[], str],
            *, readings: list[Reading] | None = None, conclusion_stands: bool = False) -> Outcome:
    """The outcome of a claim decided by one equivalence decision against its declared tolerance: confirmed
    inside, refuted (or an erratum) outside, inconclusive when undecided - saying how many data sets would
    decide."""
    if cmp.decision == "undecided":
        return inconclusive(evidence, key, f"the measurement cannot decide: {cmp.describe()}", readings=readings)
    return judged(cmp.ok, evidence, key, correction, readings=readings, conclusion_stands=conclusion_stands)


def cross_check(kind: str, summary: str, cmp: StatComparison, **numbers) -> Evidence:
    """Evidence comparing two of our own routes by an equivalence decision: agrees inside, disagrees outside,
    undecided (neither) when the measurement lacks the power."""
    agrees = {"inside": True, "outside": False, "undecided": None}[cmp.decision]
    return Evidence(kind, f"{summary}: {cmp.describe()}", {**numbers, "comparison": cmp.as_dict()}, agrees=agrees,
                    undecided=cmp.decision == "undecided")


def inconclusive(evidence: list[Evidence], key: str, why: str, *, readings: list[Reading] | None = None) -> Outcome:
    """An outcome that cannot say whether the seed's statement holds, and why."""
    return Outcome("inconclusive", evidence, key=key, why=why, readings=list(readings or []))
