"""The verification report: a terminal table and the JSON document of DESIGN.md."""
from __future__ import annotations

import json
import math
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table

from gentoys.checks.framework.claim import Result
from gentoys.checks.framework.profile import Context

_STYLE = {"confirmed": "green", "erratum": "cyan", "refuted": "bold red", "inconclusive": "yellow"}
#: agreement cell: our routes agree, disagree, could not decide, or no evidence compares two routes
_AGREE = {"yes": "yes", "NO": "[bold red]NO[/]", "undecided": "[yellow]undecided[/]", "n/a": "[dim]n/a[/]"}
_SECTIONS = {"seed": "the seed's claims", "beyond": "beyond the seed (claims the project adds)"}


#: bumped whenever a field changes meaning or disappears; docs/report-schema.json describes this version
SCHEMA_VERSION = 3


def counts(results: Sequence[Result]) -> dict[str, dict[str, int]]:
    """Verdicts counted for each source, the seed's and the project's own, apart."""
    return {src: {v: sum(r.outcome.verdict == v and r.claim.source == src for r in results) for v in _STYLE}
            for src in _SECTIONS}


def summary_line(results: Sequence[Result]) -> str:
    """The closing line: counts by verdict for each source, and the agreement failures."""
    parts = []
    for src, c in counts(results).items():
        n = sum(c.values())
        if n:
            parts.append(f"{n} {'seed' if src == 'seed' else 'beyond-the-seed'} claims: "
                         + ", ".join(f"{k} {v}" for k, v in c.items()))
    disagree = [r.claim.id for r in results if r.outcome.agreement is False]
    return "; ".join(parts) + f"; agreement failures: {', '.join(disagree) or 'none'}"


def report_json(ctx: Context, results: Sequence[Result]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "profile": ctx.profile.name, "device": ctx.device, "seed": ctx.seed,
            "counts": counts(results), "claims": [r.to_json() for r in results],
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


def table(results: Sequence[Result], title: str = "gentoys verify") -> Table:
    t = Table(title=title, show_lines=False, expand=False)
    t.add_column("id", no_wrap=True)
    t.add_column("the seed says", overflow="fold", max_width=44)
    t.add_column("verdict", no_wrap=True)
    t.add_column("agree", no_wrap=True)
    t.add_column("key numbers", overflow="fold", max_width=56)
    for r in results:
        o = r.outcome
        verdict = f"[{_STYLE[o.verdict]}]{o.verdict}[/]"
        t.add_row(r.claim.id, r.claim.seed.paraphrase, verdict, _AGREE[o.agreement_label], o.key)
    return t


def print_report(results: Sequence[Result], console: Console | None = None) -> None:
    """The table, the seed's claims and the project's own apart; then every correction and open question."""
    console = console or Console()
    for src, title in _SECTIONS.items():
        part = [r for r in results if r.claim.source == src]
        if part:
            console.print(table(part, title=f"gentoys verify: {title}"))
    fixed = [r for r in results if r.outcome.verdict in ("erratum", "refuted")]
    if fixed:
        console.print("\n[bold]Corrections[/] (erratum: the conclusion stands; refuted: it does not)")
        for r in fixed:
            console.print(f"- [bold]{r.claim.id}[/] ({r.outcome.verdict}): {r.outcome.correction}", highlight=False)
    open_ = [r for r in results if r.outcome.verdict == "inconclusive"]
    if open_:
        console.print("\n[bold]Inconclusive[/]")
        for r in open_:
            console.print(f"- [bold]{r.claim.id}[/]: {r.outcome.why}", highlight=False)
    unchecked = [r.claim.id for r in results if r.outcome.agreement_label == "n/a"]
    console.print("\n" + summary_line(results)
                  + (f"; no second route (agreement n/a): {', '.join(unchecked)}" if unchecked else ""),
                  highlight=False)
