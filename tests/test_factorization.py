"""Weight decay on factors and the two-pair example: derivations, checks, and that the checks can fail."""
import dataclasses

import numpy as np
import pytest

from gentoys.checks.claims import load_all, seed
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.theory import factorization as fz

CTX = Context(dataclasses.replace(PROFILES["quick"], n_probes=4))


def run(claim_id):
    return load_all()[claim_id].check(CTX)


def test_six_term_expansion_holds_in_several_dimensions():
    for d in (2, 3, 4):
        assert fz.frobenius_expansion_residual(d) == 0


def test_balanced_factors_reach_the_scalar_minimum_numerically():
    lam, r = 0.7, 2.3
    k = np.linspace(0.1, 5, 200001)
    assert np.min(lam / 2 * ((r / k) ** 2 + k**2)) == pytest.approx(lam * r, rel=1e-8)


def test_two_pair_loss_at_angles_matches_explicit_vectors():
    """The D = 2 angle form equals ||V U^T - v1 u1^T - v2 u2^T||^2 / (uv)^2 built from actual vectors."""
    rng = np.random.default_rng(0)
    th1, th2, ph1, ph2 = rng.uniform(-3, 3, 4)
    x, y, u, v = 0.7, 1.2, 1.3, 0.9
    rot = lambda a: np.array([np.cos(a), np.sin(a)])  # noqa: E731
    V, U = v * rot(0), u * rot(0)
    r1 = r2 = 1.0
    v1, u1 = r1 * rot(th1), x * u * v / r1 * rot(ph1)
    v2, u2 = r2 * rot(th2), y * u * v / r2 * rot(ph2)
    direct = np.sum((np.outer(V, U) - np.outer(v1, u1) - np.outer(v2, u2)) ** 2) / (u * v) ** 2
    expr = (fz.angles_2d - fz.Lambda * (fz.x + fz.y)).subs({fz.th1: th1, fz.th2: th2, fz.ph1: ph1, fz.ph2: ph2,
                                                           fz.x: x, fz.y: y})
    assert float(expr) == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize("claim_id,verdict,agreement", [
    ("wd_factor_rank1", "confirmed", True), ("pair_loss_normalized", "confirmed", None),
    ("pair_wd_expression", "refuted", None), ("pair_lambda_normalization", "refuted", None),
    ("pair_aligned_minimum", "refuted", True)])
def test_verdicts_with_agreement(claim_id, verdict, agreement):
    """The verdicts; agreement None where the only evidence is the seed's formula against our derivation."""
    outcome = run(claim_id)
    assert outcome.verdict == verdict and outcome.agreement is agreement


def test_a_corrected_seed_lambda_is_confirmed(monkeypatch):
    monkeypatch.setattr(seed, "pair_Lambda", fz.lam / (fz.u * fz.v))
    assert run("pair_lambda_normalization").verdict == "confirmed"


def test_a_wrong_scalar_reduction_is_refuted(monkeypatch):
    monkeypatch.setattr(seed, "wd_scalar_min", fz.lam * fz.r / 2)  # wrong normalization
    assert run("wd_factor_rank1").verdict == "refuted"


def test_a_wrong_factor_in_the_weight_decay_is_caught(monkeypatch):
    monkeypatch.setattr(seed, "pair_wd", seed.pair_wd / 2)  # the correct (lambda/2) form
    assert run("pair_wd_expression").verdict == "confirmed"


def test_wrong_nuclear_shrinkage_is_caught(monkeypatch):
    from gentoys.checks.claims import factorization as claims

    real = np.linalg.svd
    def shifted_svd(a, *args, **kwargs):  # a wrong "learned" spectrum: everything 1 % larger
        out = real(a, *args, **kwargs)
        return out * 1.01 if kwargs.get("compute_uv") is False else out
    monkeypatch.setattr(claims.np.linalg, "svd", shifted_svd)
    numbers, ok = claims._shrinkage_numbers(CTX)
    assert not ok


def test_training_evidence_catches_a_wrong_minimum(monkeypatch):
    from gentoys.checks.evidence import simulated

    assert simulated.two_pair_training(CTX).agrees
    monkeypatch.setattr(fz, "pair_min_value", fz.pair_min_value * 1.01)
    assert not simulated.two_pair_training(CTX).agrees
