"""Small helpers shared by the claim modules."""
from __future__ import annotations

import numpy as np
import sympy as sp

from gentoys.checks.framework.claim import Evidence, Outcome
from gentoys.checks.framework.compare import same_expression
from gentoys.checks.framework.profile import Context


def probes(ctx: Context, **ranges: tuple[sp.Symbol, float, float]) -> list[dict[sp.Symbol, float]]:
    """``ctx.profile.n_probes`` random points, each symbol uniform in its (low, high)."""
    rng = np.random.default_rng(ctx.seed + 17)
    return [
        {sym: float(np.round(rng.uniform(lo, hi), 6)) for sym, lo, hi in ranges.values()}
        for _ in range(ctx.profile.n_probes)
    ]


def symbolic(summary: str, seed_expr, derived_expr, points) -> tuple[Evidence, bool]:
    """S evidence: the seed's expression against the derived one."""
    cmp = same_expression(seed_expr, derived_expr, points)
    ev = Evidence(
        "S",
        summary,
        {
            "seed": sp.sstr(seed_expr),
            "derived": sp.sstr(derived_expr),
            "equal": cmp.equal,
            "max_rel_difference_at_probes": cmp.max_abs_difference,
        },
    )
    return ev, cmp.equal


def fmt(x: float, digits: int = 4) -> str:
    return f"{float(x):.{digits}g}"


def judged(holds: bool, evidence: list[Evidence], key: str, correction: str = "see the evidence", **extra) -> Outcome:
    """Confirmed when the seed's statement holds, else refuted with ``correction``."""
    return Outcome("confirmed" if holds else "refuted", evidence, key=key, correction="" if holds else correction, **extra)
