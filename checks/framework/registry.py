"""The registry of claims, keyed by the ids of CLAIMS.md.

Claim modules register here when imported; ``gentoys.checks.claims.load_all`` imports them all. The framework
never imports a claim module itself.
"""
from __future__ import annotations

from typing import Callable

from gentoys.checks.framework.claim import Claim, Outcome, SeedStatement

CLAIMS: dict[str, Claim] = {}


def claim(id: str, group: str, kinds: str, seed: SeedStatement, source: str = "seed") -> Callable:
    """Register the decorated function as the check of claim ``id`` (``source="beyond"`` for a claim the project
    adds to the seed's)."""

    def register(check: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if id in CLAIMS:
            raise ValueError(f"claim id {id!r} registered twice")
        CLAIMS[id] = Claim(id, group, seed, kinds, check, source)
        return check

    return register
