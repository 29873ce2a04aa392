"""Run the registered claims and collect their results."""
from __future__ import annotations

import time
from typing import Callable, Iterable, Mapping

from gentoys.checks.framework.claim import Claim, Result
from gentoys.checks.framework.profile import Context


class CheckCrashed(RuntimeError):
    """A claim's check raised: a bug in the toolkit, never a verdict."""


class DeclarationMismatch(CheckCrashed):
    """A check produced other kinds of evidence than its claim declares: the declaration or the check is wrong."""


def run_claims(claims: Mapping[str, Claim], ctx: Context, ids: Iterable[str] | None = None,
               on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Judge ``claims`` (all, or the ``ids`` asked for, in that order); stop at the first check that breaks."""
    wanted = list(dict.fromkeys(ids)) if ids else list(claims)  # each claim once, in the order asked
    unknown = [i for i in wanted if i not in claims]
    if unknown:
        raise ValueError(f"unknown claim id(s) {unknown}; known: {sorted(claims)}")
    results = []
    for cid in wanted:
        c = claims[cid]
        start = time.perf_counter()
        try:
            outcome = c.check(ctx)
        except Exception as exc:  # report which claim broke, then stop: no half report
            raise CheckCrashed(f"check of claim {cid!r} raised {type(exc).__name__}: {exc}") from exc
        if outcome.kinds != c.declared_kinds:
            raise DeclarationMismatch(f"claim {cid!r} declares evidence {' '.join(sorted(c.declared_kinds))} but "
                                      f"its check produced {' '.join(sorted(outcome.kinds))}")
        result = Result(c, outcome, time.perf_counter() - start)
        results.append(result)
        if on_result:
            on_result(result)
    return results
