"""Tests added for mutants that survived the kill suite (docs/mutation.md).

Each one checks a theory result against an independent computation, never against
the seed's text or a copy of the same formula.
"""
import numpy as np
import pytest
import sympy as sp

from theory import iterates
from theory.symbols import beta, eta, n_steps


def test_chebyshev_form_equals_the_rsolve_solution_where_checked():
    """The derivation's own check: the Chebyshev form minus rsolve's heavy-ball solution is 0 at t = 2..5.

    Survivor theory/iterates.py `_e0 * chebyshev_form - hb_solution` -> `... + hb_solution`: the
    residual the derivation records (and docs/derivations.md shows) must be exactly zero.
    """
    assert [sp.simplify(r) for r in iterates._cheb_check] == [0, 0, 0, 0]


@pytest.mark.parametrize("b, e, hh", [(0.3, 0.5, 1.2), (0.81, 0.2, 3.0), (0.5, 1.0, 0.4)])
def test_rsolve_heavy_ball_solution_matches_the_explicit_recurrence(b, e, hh):
    """rsolve's closed form e_t / e_0, evaluated numerically, equals iterating the heavy-ball step by hand."""
    e0 = sp.Symbol("e_0", real=True)
    hh_sym = next(s for s in iterates.hb_solution.free_symbols if s.name == "h_\\lambda")
    explicit = [1.0, 1.0 - e * hh]
    for _ in range(2, 8):
        explicit.append((1 + b - e * hh) * explicit[-1] - b * explicit[-2])
    for t in range(8):
        value = iterates.hb_solution.subs({n_steps: t, beta: b, eta: e, hh_sym: hh, e0: 1})
        assert complex(sp.N(value)).real == pytest.approx(explicit[t], rel=1e-9, abs=1e-12)
        assert abs(complex(sp.N(value)).imag) < 1e-9


def test_refutations_state_the_error_they_found(monkeypatch):
    """Survivors checks/seed.py:27 (ridge solution, + -> -) and :70 (aligned loss, * -> /): the claims stayed
    refuted, but their corrections named a fixed error. They now state what the comparison found, so a
    differently wrong seed gets a different diagnosis."""
    from checks import seed
    from checks.profile import PROFILES, Context
    from checks.registry import load_all
    from theory.factorization import x, y
    from theory.symbols import T, h, lam

    claims, ctx = load_all(), Context(PROFILES["quick"])
    assert claims["gf_ridge_solution"].check(ctx).key == "exponent should be -(lambda_i + lambda) t"
    monkeypatch.setattr(seed, "ridge_solution", seed.ridge_solution - 2 * h * T / (lam + h))
    out = claims["gf_ridge_solution"].check(ctx)
    assert out.verdict == "refuted" and "residual" in out.key and "exponent" not in out.key
    monkeypatch.setattr(seed, "pair_aligned", 1 + x**2 + y**2 - 2 / (x + y))
    out = claims["pair_aligned_minimum"].check(ctx)
    assert "misses the term 2*x*y - 2*x - 2*y + 2/(x + y)" in out.correction
