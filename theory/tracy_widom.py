"""Fluctuation scale of the extreme eigenvalues of a sampled Gram matrix (Tracy-Widom).

For X in R^{D x N} with iid N(0, 1) entries, the largest eigenvalue of X X^T
fluctuates around (sqrt N + sqrt D)^2 on the scale
(sqrt N + sqrt D)(1/sqrt N + 1/sqrt D)^(1/3) (Johnstone, Ann. Statist. 2001),
with Tracy-Widom (beta = 1) fluctuations of order one in those units; the
smallest non-zero one, near (sqrt D - sqrt N)^2, on the same expression with
the differences in place of the sums. Divided by N, these are the scales of
Sigma_tr = X X^T / N around the Marchenko-Pastur edges: the allowance with
which a sampled edge is compared with its limit.
"""
from __future__ import annotations

import math

from gentoys.theory.core.domain import validate_int


def tracy_widom_scale(dim: int, n_samples: int) -> tuple[float, float]:
    """(lower, upper): the fluctuation scales of the smallest non-zero and the largest eigenvalue of X X^T / N."""
    dim = validate_int("D", dim)
    n_samples = validate_int("N_tr", n_samples)
    a, b = math.sqrt(n_samples), math.sqrt(dim)
    upper = (a + b) * (1 / a + 1 / b) ** (1 / 3) / n_samples
    lower = abs(b - a) * abs(1 / a - 1 / b) ** (1 / 3) / n_samples
    return lower, upper
