"""The claims: the seed's transcriptions (``seed``) and one module per group of claims."""
from __future__ import annotations

from gentoys.checks.framework.claim import Claim
from gentoys.checks.framework.registry import CLAIMS

#: every claim module, in the order their claims are judged
MODULES = ("factorization", "lasso", "linear", "networks", "prox", "sparse", "tuning", "review")


def load_all() -> dict[str, Claim]:
    """Import every claim module (registration happens at import) and return the registry."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return CLAIMS
