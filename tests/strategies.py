"""Shared Hypothesis strategies and small numerical helpers for the theory tests.

The ranges stay away from the ends of each domain where a closed form and
its reference route would both be ill-conditioned (q -> 0 or 1, lambda -> 0),
so that a failure means a wrong formula and not lost digits.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import strategies as st

#: Sample ratio q = N_tr / D of the under-determined regime.
ratios = st.floats(0.05, 0.95)
#: Ridge strength.
lams = st.floats(1e-3, 5.0)
#: Smallest non-zero curvature of a quadratic.
lam_mins = st.floats(1e-2, 10.0)


@st.composite
def edges(draw, min_kappa: float = 1.05, max_kappa: float = 1e3):
    """(lam_min, lam_max) with condition number lam_max / lam_min in [min_kappa, max_kappa]
    (kept away from 1, where the heavy-ball band degenerates)."""
    lo = draw(lam_mins)
    kappa = draw(st.floats(min_kappa, max_kappa))
    return lo, lo * kappa


@st.composite
def ordered_ratios(draw, gap: float = 1e-2):
    """q1 < q2 in (0.05, 0.95), at least ``gap`` apart."""
    q1 = draw(st.floats(0.05, 0.95 - gap))
    q2 = draw(st.floats(q1 + gap, 0.95))
    return q1, q2


def mp_edges_direct(q: float) -> tuple[float, float]:
    """Marchenko-Pastur edges written from the textbook, (1 -/+ 1/sqrt(q))^2 (no SymPy)."""
    r = 1 / math.sqrt(q)
    return (1 - r) ** 2, (1 + r) ** 2


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small eigensolves (torch and numpy's OpenBLAS) run in one thread: on a shared 2-core
    runner the default thread pools oversubscribe and turn milliseconds into seconds.
    Restored afterwards. Import it into a test module to use it."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)
