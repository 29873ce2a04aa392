"""The registry of claims, keyed by the ids of CLAIMS.md."""
from __future__ import annotations

from typing import Callable

from gentoys.checks.framework.claim import Claim, Outcome, SeedStatement

CLAIMS: dict[str, Claim] = {}


def claim(id: str, group: str, kinds: str, seed: SeedStatement) -> Callable:
    """Register the decorated function as the check of claim ``id``."""

    def register(check: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if id in CLAIMS:
            raise ValueError(f"claim id {id!r} registered twice")
        CLAIMS[id] = Claim(id, group, seed, kinds, check)
        return check

    return register


def load_all() -> dict[str, Claim]:
    """Import every claim module (registration happens at import)."""
    from gentoys.checks.claims import factorization, lasso, linear, networks, prox, sparse, tuning  # noqa: F401

    return CLAIMS
