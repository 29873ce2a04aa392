"""The lasso claims judge from their routes: a wrong calibration or a wrong measurement flips them."""
import math

import numpy as np
import torch

from gentoys.checks.claims import lasso as claims
from gentoys.checks.claims import load_all
from gentoys.checks.evidence import lasso_runs
from gentoys.checks.framework.profile import Context, tiny
from gentoys.sim.amp import sklearn_lasso
from gentoys.sim.linear import LinearSetting, train
from gentoys.theory import lasso as th

CTX = Context(tiny("tiny-lasso"))


def run(claim_id):
    return load_all()[claim_id].check(CTX)


def _m(outcome):
    return next(e for e in outcome.evidence if e.kind == "M")


def test_state_evolution_agrees_and_a_wrong_calibration_is_caught(monkeypatch):
    assert _m(run("lasso_state_evolution")).agrees
    # lam = alpha tau, without the (1 - <eta'>/q) factor
    monkeypatch.setattr(th, "calibration", lambda a, q, e, s, tau_value=None: a * th.state_tau(a, q, e, s))
    th._risk.cache_clear()
    try:
        wrong = run("lasso_state_evolution")
    finally:
        th._risk.cache_clear()
    assert not _m(wrong).agrees and wrong.verdict == "refuted"


def test_support_fraction_catches_a_wrong_measurement(monkeypatch):
    assert _m(run("lasso_support_fraction")).agrees
    monkeypatch.setattr(claims, "_support", lambda x: x.support_fraction if isinstance(x, th.LassoRisk) else 0.8 * x[1])
    assert not _m(run("lasso_support_fraction")).agrees


def test_exact_recovery_and_a_misplaced_line(monkeypatch):
    good = run("lasso_exact_recovery")
    assert good.verdict == "confirmed" and "below" in good.key
    monkeypatch.setattr(th, "donoho_tanner", lambda eps: 0.3)  # a line far below the truth
    assert run("lasso_exact_recovery").verdict == "refuted"


def test_boundary_catches_flipped_predictions(monkeypatch):
    real = claims.log_ratio
    monkeypatch.setattr(claims, "log_ratio", lambda q, e, lam: -real(q, e, lam))
    assert run("lasso_ridge_boundary").verdict == "refuted"


def test_per_set_teachers_and_torch_lasso_converges_to_coordinate_descent():
    s = LinearSetting(dim=60, q=0.7, epochs=3000, n_sets=3, methods=("lasso",), teacher="sparse", sparse_dim=24,
                      teacher_per_set=True, lasso_lam=0.02, lasso_eta=0.3, dtype=torch.float64)
    r = train(s)
    assert r.teacher.shape == (3, 60) and not torch.allclose(r.teacher[0], r.teacher[1])
    assert torch.allclose(r.teacher.norm(dim=1), torch.ones(3, dtype=torch.float64))
    for i in range(3):
        S = sklearn_lasso(r.X[i].numpy(), r.teacher[i].numpy(), 0.02)
        assert np.linalg.norm(S - r.student[i, 0].numpy()) < 1e-6


def test_lam_at_holds_lam_sqrt_dim():
    assert lasso_runs.lam_at(5e-3, 250) * math.sqrt(250) == 5e-3 * math.sqrt(1000)


def test_an_unconverged_torch_lasso_fails_the_coordinate_descent_route(monkeypatch):
    real = claims.sklearn_on_run

    def unconverged(run, lam, n):
        gens, supports, gap = real(run, lam, n)
        return gens, supports, {**gap, "max_relative_gen_gap": 10 * claims.CONVERGED_GEN_GAP}

    monkeypatch.setattr(claims, "sklearn_on_run", unconverged)
    outcome = run("lasso_state_evolution")
    route = next(e for e in outcome.evidence if "coordinate descent" in e.summary)
    assert route.agrees is False and outcome.agreement is False
