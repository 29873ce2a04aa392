"""Claims, evidence and verdicts: the vocabulary of the report.

Two questions per claim are kept apart:

* the *verdict*: does the seed's statement hold (confirmed, refuted with a
  corrected statement, inconclusive with why)?
* the *agreement*: do our own routes (derivation, independent numerics,
  simulation) agree with each other? A disagreement is a bug in the toolkit.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

Verdict = Literal["confirmed", "refuted", "inconclusive"]
Kind = Literal["S", "N", "M"]
VERDICTS = ("confirmed", "refuted", "inconclusive")


@dataclass(frozen=True)
class SeedStatement:
    """What the seed says, in our words, with its formula when it has one."""

    paraphrase: str
    where: str
    expr: Any = None  # a SymPy expression, a number, or None


@dataclass
class Evidence:
    """One route to the answer: symbolic (S), numeric (N) or simulated (M)."""

    kind: Kind
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)
    agrees: bool | None = True  # do our routes agree with each other here? None: a single route, not counted
    pending: bool = False  # evidence that a later component will supply

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reading:
    """One way of reading an ambiguous statement, judged on its own."""

    name: str
    verdict: Verdict
    note: str


@dataclass
class Outcome:
    """What a claim's check returns."""

    verdict: Verdict
    evidence: list[Evidence]
    key: str  # the few numbers worth a table cell
    correction: str = ""  # with "refuted": the statement that does hold
    why: str = ""  # with "inconclusive": what is missing
    readings: list[Reading] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} is not one of {VERDICTS}")
        if self.verdict == "refuted" and not self.correction:
            raise ValueError("a refuted claim needs its corrected statement")
        if self.verdict == "inconclusive" and not self.why:
            raise ValueError("an inconclusive verdict needs a reason")

    @property
    def agreement(self) -> bool:
        return all(e.agrees for e in self.evidence if e.agrees is not None)


@dataclass(frozen=True)
class Claim:
    id: str
    group: str
    seed: SeedStatement
    kinds: str  # the evidence CLAIMS.md asks for, e.g. "S N M"
    check: Callable[..., Outcome]


@dataclass
class Result:
    """A judged claim, as it appears in the report."""

    claim: Claim
    outcome: Outcome
    seconds: float

    def to_json(self) -> dict[str, Any]:
        o = self.outcome
        out: dict[str, Any] = {
            "id": self.claim.id,
            "group": self.claim.group,
            "seed_says": self.claim.seed.paraphrase,
            "where": self.claim.seed.where,
            "verdict": o.verdict,
            "agreement": o.agreement,
            "key": o.key,
            "evidence": [e.to_json() for e in o.evidence],
        }
        if o.correction:
            out["correction"] = o.correction
        if o.why:
            out["why"] = o.why
        if o.readings:
            out["readings"] = [asdict(r) for r in o.readings]
        out["seconds"] = round(self.seconds, 3)
        return out
