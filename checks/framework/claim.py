"""Claims, evidence and verdicts: the vocabulary of the report.

Two questions per claim are kept apart:

* the *verdict*: does the seed's statement hold, under the reading its own
  words fix? ``confirmed``; ``erratum`` (wrong as printed - a typo, a factor,
  notation, scope - while the conclusion it serves stands, with the corrected
  statement); ``refuted`` (the conclusion fails, with what holds instead);
  ``inconclusive`` (what was measured cannot decide, with what would).
* the *agreement*: do our own routes (derivation, independent numerics,
  simulation) agree with each other? A disagreement is a bug in the toolkit.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

Verdict = Literal["confirmed", "erratum", "refuted", "inconclusive"]
Source = Literal["seed", "beyond"]
Kind = Literal["S", "N", "M"]
VERDICTS = ("confirmed", "erratum", "refuted", "inconclusive")
SOURCES = ("seed", "beyond")
KINDS = ("S", "N", "M")
#: a correction or reason that points elsewhere instead of stating what holds
PLACEHOLDER = re.compile(r"\bsee (the )?(evidence|readings|numbers)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SeedFormula:
    """One formula of the seed beside the one we derive for it, declared once.

    The claim's check compares the two on probe points of ``ranges`` (``judging.against_seed``), the report
    prints both, and docs/derivations.md shows the pair in the section of the derivation ``derivation``.
    """

    label: str  # what is compared, in words
    seed: Callable[[], Any]  # the transcription (checks/claims/seed.py), looked up when compared
    derived: Callable[[], Any]  # our derivation, looked up when compared (theory derives on first use)
    ranges: tuple[tuple[Any, float, float], ...]  # (symbol, low, high): the domain of the comparison
    derivation: str = ""  # the key of the derivation that produces ``derived``

    def seed_expr(self) -> Any:
        return self.seed()

    def derived_expr(self) -> Any:
        value = self.derived()
        return getattr(value, "expr", value)


@dataclass(frozen=True)
class SeedStatement:
    """What the seed says, in our words, where, the reading its own words fix (its definitions, "such that"
    clauses, its notebook: the verdict is decided under it), and the formulas it states (each beside our
    derivation)."""

    paraphrase: str
    where: str
    formulas: tuple[SeedFormula, ...] = ()
    reading: str = ""

    def __post_init__(self) -> None:
        if not all(isinstance(f, SeedFormula) for f in self.formulas):
            raise TypeError("formulas must be SeedFormula declarations (the seed's formula beside our derivation)")

    def formula(self, label: str) -> SeedFormula:
        for f in self.formulas:
            if f.label == label:
                return f
        raise KeyError(f"no seed formula labelled {label!r}; have {[f.label for f in self.formulas]}")


@dataclass
class Evidence:
    """One route to the answer: symbolic (S), numeric (N) or simulated (M).

    ``agrees`` must be given: True or False when this evidence compares two of our own routes (a derivation
    against quadrature, a simulation against its prediction, ...), None when it is a measurement or a
    statement with no second route. None is reported as such and does not count toward agreement.
    ``undecided`` marks a cross-check whose comparison lacked the power to decide (``agrees`` is then None:
    neither agreeing nor failing).
    """

    kind: Kind
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)
    agrees: bool | None = field(kw_only=True)
    undecided: bool = field(default=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"evidence kind={self.kind!r} is not one of {KINDS}")
        if self.agrees is not None:
            if not hasattr(self.agrees, "__bool__") or isinstance(self.agrees, str):
                raise TypeError(f"agrees must be True, False or None, got {self.agrees!r}")
            self.agrees = bool(self.agrees)
        if self.undecided and self.agrees is not None:
            raise ValueError("an undecided cross-check neither agrees nor disagrees: give agrees=None")

    @property
    def compares(self) -> bool:
        """Whether this evidence cross-checks two routes (and so counts toward agreement)."""
        return self.agrees is not None

    def measurements(self) -> list[dict[str, Any]]:
        """Every statistic in ``numbers`` (a dict with a mean and a standard error), flattened for machines:
        ``{"name": "q=0.7/lower", "value", "se", "n", "target", "allowance", "z"}``."""
        found: list[dict[str, Any]] = []

        def walk(node: Any, path: list[str]) -> None:
            if not isinstance(node, dict):
                return
            if "mean" in node and "se" in node:
                found.append({"name": "/".join(path) or "value", "value": node["mean"], "se": node["se"],
                              **{k: node[k] for k in ("n", "target", "tolerance", "interval", "decision",
                                                      "n_to_decide") if k in node}})
                return
            for key, value in node.items():
                walk(value, [*path, str(key)])

        walk(self.numbers, [])
        return found

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "measurements": self.measurements()}


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
    correction: str = ""  # with "erratum" or "refuted": the statement that does hold
    why: str = ""  # with "inconclusive": what is missing, and what would decide
    readings: list[Reading] = field(default_factory=list)  # other readings, each with its own outcome

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} is not one of {VERDICTS}")
        if self.verdict in ("erratum", "refuted") and not self.correction:
            raise ValueError(f"an {self.verdict} verdict needs its corrected statement")
        if self.verdict == "inconclusive" and not self.why:
            raise ValueError("an inconclusive verdict needs a reason")
        for name in ("correction", "why"):
            if PLACEHOLDER.search(getattr(self, name)):
                raise ValueError(f"{name}={getattr(self, name)!r} points elsewhere; state what holds, from the "
                                 "computed values")

    @property
    def kinds(self) -> set[str]:
        return {e.kind for e in self.evidence}

    @property
    def agreement(self) -> bool | None:
        """False when any cross-check fails, True when all pass, None when no evidence compares two routes."""
        checks = [e.agrees for e in self.evidence if e.compares]
        return all(checks) if checks else None

    @property
    def agreement_label(self) -> str:
        """What the report prints: NO (a cross-check failed), undecided (one lacked power), yes, or n/a (no
        evidence compares two of our routes)."""
        if self.agreement is False:
            return "NO"
        if any(e.undecided for e in self.evidence):
            return "undecided"
        return "yes" if self.agreement else "n/a"


@dataclass(frozen=True)
class Claim:
    id: str
    group: str
    seed: SeedStatement
    kinds: str  # the evidence the check produces, e.g. "S N M"; the runner holds it to that
    check: Callable[..., Outcome]
    source: Source = "seed"  # "beyond": a claim the project adds; counted apart from the seed's

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source={self.source!r} is not one of {SOURCES}")

    @property
    def declared_kinds(self) -> set[str]:
        return set(self.kinds.split())


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
            "source": self.claim.source,
            "seed_says": self.claim.seed.paraphrase,
            "where": self.claim.seed.where,
            "reading": self.claim.seed.reading,
            "verdict": o.verdict,
            "agreement": o.agreement,
            "agreement_label": o.agreement_label,
            "kinds": self.claim.kinds,
            "seed_formulas": [{"label": f.label, "seed": str(f.seed_expr()), "derivation": f.derivation}
                              for f in self.claim.seed.formulas],
            "key": o.key,
            "evidence": [e.to_json() for e in o.evidence],
        }
        if o.correction:
            out["correction"] = o.correction
        if o.why:
            out["why"] = o.why
        if o.readings:
            out["readings"] = [asdict(r) for r in o.readings]
        return out
