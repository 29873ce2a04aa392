"""Weight decay on factors and the two-pair example: derivations, checks, and that the checks can fail."""
import dataclasses

import numpy as np
import pytest

from gentoys.checks.claims import load_all, seed
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.checks.framework.text import readable
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
    ("pair_wd_expression", "erratum", None), ("pair_wd_minimum", "confirmed", True),
    ("pair_lambda_normalization", "erratum", None), ("pair_angles_2d", "erratum", True),
    ("pair_aligned_minimum", "erratum", True)])
def test_verdicts_with_agreement(claim_id, verdict, agreement):
    """The verdicts; agreement None where the only evidence is the seed's formula against our derivation. Every text
    a person reads is free of SymPy repr."""
    outcome = run(claim_id)
    assert outcome.verdict == verdict and outcome.agreement is agreement
    texts = [outcome.key, outcome.correction, outcome.why, *(r.note for r in outcome.readings),
             *(e.summary for e in outcome.evidence if e.kind != "M")]  # M: checks.evidence.simulated's own summaries
    assert all(readable(t) for t in texts), texts
    assert load_all()[claim_id].seed.reading


def test_a_corrected_seed_lambda_is_confirmed(monkeypatch):
    monkeypatch.setattr(seed, "pair_Lambda", fz.lam / (fz.u * fz.v))
    assert run("pair_lambda_normalization").verdict == "confirmed"


def test_the_lambda_erratum_states_where_the_two_agree():
    correction = run("pair_lambda_normalization").correction
    assert "Λ = λ/(u·v), not λ·u·v" in correction and "uv = 1" in correction


def test_a_negative_lambda_is_refuted_not_an_erratum(monkeypatch):
    """The erratum rests on the normalized penalty staying an L1 penalty on (x, y): a derived strength of the wrong
    sign (a reward, not a penalty) breaks it."""
    monkeypatch.setattr(fz, "Lambda", -fz.lam / (fz.u * fz.v), raising=False)
    assert run("pair_lambda_normalization").verdict == "refuted"


def test_a_wrong_next_step_makes_the_dropped_half_a_refutation(monkeypatch):
    """pair_wd_expression is an erratum because the next line's minimum is the correct penalty's; were it the
    displayed expression's (2λuv(x + y)), the conclusion would not stand."""
    monkeypatch.setattr(seed, "pair_wd_min", 2 * fz.lam * fz.u * fz.v * (fz.x + fz.y))
    assert run("pair_wd_expression").verdict == "refuted"


def test_the_minimum_over_directions_is_the_same_in_every_dimension():
    rng = np.random.default_rng(3)
    for x, y in ((0.3, 0.4), (1.2, 0.9), (0.2, 2.0)):
        best = [claims_module().direction_minimum(x, y, d, rng) for d in (2, 3, 4)]
        assert max(best) - min(best) < 1e-8
        assert best[0] == pytest.approx(claims_module().triangle_minimum(x, y), abs=1e-8)


def test_a_dimension_dependent_minimum_makes_the_angle_form_refuted(monkeypatch):
    """pair_angles_2d is an erratum because the minimum over directions is dimension-free; a route that finds it
    differing in D = 3 flips it to refuted (and the cross-check against the triangle bound disagrees)."""
    claims = claims_module()
    real = claims.direction_minimum
    monkeypatch.setattr(claims, "direction_minimum", lambda x, y, d, rng: real(x, y, d, rng) + (0.01 if d == 3 else 0))
    out = run("pair_angles_2d")
    assert out.verdict == "refuted" and out.agreement is False


def test_a_non_aligned_global_minimum_makes_the_aligned_claim_refuted(monkeypatch):
    claims = claims_module()
    real = claims._global_minimum
    monkeypatch.setattr(claims, "_global_minimum", lambda *a, **k: (real(*a, **k)[0] - 0.05, real(*a, **k)[1]))
    out = run("pair_aligned_minimum")
    assert out.verdict == "refuted" and out.agreement is False


def test_the_aligned_value_as_printed_is_judged_at_face_value():
    out = run("pair_aligned_minimum")
    (face,) = out.readings
    assert face.verdict == "refuted" and "2 − λ/(u·v)" in face.note.replace("−λ", "− λ")


def claims_module():
    from gentoys.checks.claims import factorization

    return factorization


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


def test_bracket_gradient_is_the_bracket_s_derivative():
    """The analytic gradient the direction search uses matches central differences of the bracket itself (a
    sign or factor slip in it would be off by far more than the differences' 1e-6 error)."""
    from scipy import optimize

    bracket = claims_module()._bracket_over_directions
    rng = np.random.default_rng(5)
    for dim in (2, 3, 4):
        p = rng.normal(size=4 * dim)
        value, grad = bracket(p, 0.7, 0.4, dim)
        a1, b1, a2, b2 = (w / np.linalg.norm(w) for w in p.reshape(4, dim))
        target = np.outer(np.eye(dim)[0], np.eye(dim)[0])
        assert value == pytest.approx(np.sum((target - 0.7 * np.outer(a1, b1) - 0.4 * np.outer(a2, b2)) ** 2))
        numeric = optimize.approx_fprime(p, lambda v: bracket(v, 0.7, 0.4, dim)[0], 1e-7)
        assert np.abs(grad - numeric).max() < 1e-5 * max(1.0, np.abs(numeric).max())
        assert np.abs(grad).max() > 1e-3
