"""The verification report: a terminal table and the JSON document of DESIGN.md."""
from __future__ import annotations

import json
import math
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table

from gentoys.checks.framework.claim import Result
from gentoys.checks.framework.profile import Context

_STYLE = {"confirmed": "green", "refuted": "bold red", "inconclusive": "yellow"}
#: agreement cell: our routes agree, disagree, or no evidence of the claim compares two routes
_AGREE = {True: "yes", False: "[bold red]NO[/]", None: "[dim]n/a[/]"}


#: bumped whenever a field changes meaning or disappears; docs/report-schema.json describes this version
SCHEMA_VERSION = 2


def report_json(ctx: Context, results: Sequence[Result]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "profile": ctx.profile.name, "device": ctx.device, "seed": ctx.seed,
            "claims": [r.to_json() for r in results],
            "timing": {r.claim.id: round(r.seconds, 3) for r in results}}


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf become strings, numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy / torch, any shape
        return _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def dumps(ctx: Context, results: Sequence[Result]) -> str:
    return json.dumps(_clean(report_json(ctx, results)), indent=2, allow_nan=False) + "\n"


def table(results: Sequence[Result]) -> Table:
    t = Table(title="gentoys verify", show_lines=False, expand=False)
    t.add_column("id", no_wrap=True)
    t.add_column("the seed says", overflow="fold", max_width=44)
    t.add_column("verdict", no_wrap=True)
    t.add_column("agree", no_wrap=True)
    t.add_column("key numbers", overflow="fold", max_width=56)
    for r in results:
        o = r.outcome
        verdict = f"[{_STYLE[o.verdict]}]{o.verdict}[/]"
        t.add_row(r.claim.id, r.claim.seed.paraphrase, verdict, _AGREE[o.agreement], o.key)
    return t


def print_report(results: Sequence[Result], console: Console | None = None) -> None:
    console = console or Console()
    console.print(table(results))
    refuted = [r for r in results if r.outcome.verdict == "refuted"]
    if refuted:
        console.print("\n[bold]Corrections[/]")
        for r in refuted:
            console.print(f"- [bold]{r.claim.id}[/]: {r.outcome.correction}")
    counts = {v: sum(r.outcome.verdict == v for r in results) for v in _STYLE}
    disagree = [r.claim.id for r in results if r.outcome.agreement is False]
    unchecked = [r.claim.id for r in results if r.outcome.agreement is None]
    console.print(f"\n{len(results)} claims: {counts['confirmed']} confirmed, {counts['refuted']} refuted, "
                  f"{counts['inconclusive']} inconclusive; agreement failures: {', '.join(disagree) or 'none'}"
                  + (f"; no second route (agreement n/a): {', '.join(unchecked)}" if unchecked else ""))
