"""Tests added for mutants that survived the kill suite (docs/mutation.md).

Each one checks a theory result against an independent computation, never against
the seed's text or a copy of the same formula.
"""
import numpy as np
import pytest
import sympy as sp

from gentoys.theory import iterates
from gentoys.theory.core.symbols import beta, eta, n_steps


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
    """Survivors checks/seed.py:25 (ridge penalty, S^2 -> S^3), :27 (ridge solution, + -> -) and :70 (aligned
    loss, * -> /): the claims stayed refuted, but their corrections named a fixed error (the penalty was not
    even read). They now state what the comparison found, so a
    differently wrong seed gets a different diagnosis."""
    from gentoys.checks.claims import load_all, seed
    from gentoys.checks.framework.profile import PROFILES, Context
    from gentoys.theory.core.symbols import T, h, lam
    from gentoys.theory.factorization import x, y

    claims, ctx = load_all(), Context(PROFILES["quick"])
    assert claims["gf_ridge_solution"].check(ctx).key == "exponent printed −(λ + λ)t; the flow needs −(λ_i + λ)t"
    monkeypatch.setattr(seed, "ridge_solution", seed.ridge_solution - 2 * h * T / (lam + h))
    out = claims["gf_ridge_solution"].check(ctx)
    assert out.verdict in ("refuted", "erratum") and "residual" in out.key and "exponent" not in out.key
    before = claims["gf_ridge_equation"].check(ctx).correction
    monkeypatch.setattr(seed, "ridge_penalty", lam * sp.Symbol("S_i", real=True) ** 3)  # survivor seed.py:25
    after = claims["gf_ridge_equation"].check(ctx).correction
    assert "−(2λ + λ_i)·S_i" in before and "S_i²" in after and "2λ" not in after.split("reads", 1)[1]
    monkeypatch.setattr(seed, "pair_aligned", 1 + x**2 + y**2 - 2 / (x + y))
    out = claims["pair_aligned_minimum"].check(ctx)
    assert "misses 2x·y + 2/(x + y) − 2x − 2y" in out.correction


@pytest.mark.parametrize("e, hh, n", [(0.3, 1.2, 5), (0.05, 3.0, 9), (1.5, 0.4, 4)])
def test_rsolve_gd_solution_matches_the_explicit_recurrence(e, hh, n):
    """Survivors theory/iterates.py:40 (1 -> 0, - -> +): rsolve's GD solution against the step iterated by hand."""
    from gentoys.theory.core.symbols import S0

    hh_sym = next(s for s in iterates.gd_solution.free_symbols if s.name == "h_\\lambda")
    closed = float(iterates.gd_solution.subs({eta: e, hh_sym: hh, n_steps: n, S0: 1.0}))
    assert closed == pytest.approx((1 - e * hh) ** n, rel=1e-12)


@pytest.mark.parametrize("sv, lam", [(2.0, 0.5), (0.3, 0.5), (1.0, 1e-3)])
def test_singular_value_threshold_is_the_numerical_minimizer(sv, lam):
    """Survivor theory/factorization.py:45 (the lambda z term dropped): the derived per-singular-value
    solution against a numerical minimization of 1/2 (z - sigma)^2 + lambda z over z >= 0."""
    from scipy.optimize import minimize_scalar

    from gentoys.theory import factorization as fz

    derived = float(fz.svt.subs({fz._sv: sv, fz.lam: lam}))
    best = minimize_scalar(lambda z: 0.5 * (z - sv) ** 2 + lam * z, bounds=(0, 10), method="bounded",
                           options={"xatol": 1e-12}).x
    assert derived == pytest.approx(best, abs=1e-8)


def test_column_cost_is_the_elastic_net_of_the_balanced_column():
    """Survivors theory/two_layer.py:96 (+ -> -, term dropped): the derived column cost equals
    lambda_1 (||m||_1 + |v|) + c/2 (||m||^2 + v^2) for m = b sqrt(t) u, v = sqrt(t) / b, so that m v = t u."""
    from gentoys.theory.two_layer import column_cost

    sym = {s.name: s for s in column_cost.free_symbols}
    rng = np.random.default_rng(1)
    for _ in range(5):
        u = rng.normal(size=7)
        u /= np.linalg.norm(u)
        t, b, l1, c = rng.uniform(0.1, 2.0, size=4)
        m, v = b * np.sqrt(t) * u, np.sqrt(t) / b
        direct = l1 * (np.abs(m).sum() + abs(v)) + c / 2 * (m @ m + v * v)
        derived = float(column_cost.subs({sym["t"]: t, sym["b"]: b, sym["lambda_1"]: l1, sym["c"]: c,
                                          sym["kappa"]: np.abs(u).sum()}))
        assert derived == pytest.approx(direct, rel=1e-12)
