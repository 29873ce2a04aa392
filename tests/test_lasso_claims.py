"""The lasso claims judge from their routes: a wrong calibration or a wrong measurement flips them."""
import dataclasses
import math

import numpy as np
import torch

from gentoys.checks.claims import lasso as claims
from gentoys.checks.claims import load_all
from gentoys.checks.evidence import lasso_runs
from gentoys.checks.framework.profile import Context, tiny
from gentoys.checks.framework.text import readable
from gentoys.sim.amp import sklearn_lasso
from gentoys.sim.linear import LinearSetting, train
from gentoys.theory import lasso as th

CTX = Context(tiny("tiny-lasso"))


def run(claim_id):
    return load_all()[claim_id].check(CTX)


def _m(outcome):
    return next(e for e in outcome.evidence if e.kind == "M")


def test_state_evolution_never_disagrees_and_a_wrong_calibration_is_caught(monkeypatch):
    """Unpatched, the tiny profile's 6 pairs may lack the power to decide (undecided, inconclusive), but never
    disagree; a wrong calibration is decided outside the tolerance: refuted, and our routes disagree."""
    good = run("lasso_state_evolution")
    assert _m(good).agrees is not False and good.verdict in ("confirmed", "inconclusive")
    if good.verdict == "inconclusive":
        assert "data sets would decide" in good.why
    # lam = alpha tau, without the (1 - <eta'>/q) factor
    monkeypatch.setattr(th, "calibration", lambda a, q, e, s, tau_value=None: a * th.state_tau(a, q, e, s))
    th._risk.cache_clear()
    try:
        wrong = run("lasso_state_evolution")
    finally:
        th._risk.cache_clear()
    # with a wrong calibration the state evolution has no solution at some setting: nothing to equal, refuted
    assert wrong.verdict == "refuted" and wrong.agreement is False


def test_state_evolution_catches_a_wrong_measurement(monkeypatch):
    """A measured l_gen half again too large is decided outside the D^-1/2 tolerance even with the tiny profile's
    6 pairs: refuted, and simulation and prediction disagree."""
    monkeypatch.setattr(claims, "_gen", lambda x: x.gen_loss if isinstance(x, th.LassoRisk) else 1.5 * x[0])
    out = run("lasso_state_evolution")
    assert _m(out).agrees is False and out.verdict == "refuted"


def test_support_fraction_catches_a_wrong_measurement(monkeypatch):
    assert _m(run("lasso_support_fraction")).agrees
    monkeypatch.setattr(claims, "_support", lambda x: x.support_fraction if isinstance(x, th.LassoRisk) else 0.8 * x[1])
    out = run("lasso_support_fraction")
    assert _m(out).agrees is False and out.verdict == "refuted"


def test_a_noisier_support_measurement_does_not_pass_more_easily(monkeypatch):
    """The same mean with a larger spread can only move the decision towards undecided."""
    spread = np.tile([1.0, -1.0], 64)

    def noisy(x):
        if isinstance(x, th.LassoRisk):
            return x.support_fraction
        return x[1] + 0.2 * spread[: len(x[1])]

    monkeypatch.setattr(claims, "_support", noisy)
    out = run("lasso_support_fraction")
    assert _m(out).agrees is None and _m(out).undecided and out.verdict == "inconclusive"


def test_exact_recovery_and_a_misplaced_line(monkeypatch):
    good = run("lasso_exact_recovery")
    assert good.verdict == "confirmed" and "below" in good.key
    monkeypatch.setattr(th, "donoho_tanner", lambda eps: 0.3)  # a line far below the truth
    assert run("lasso_exact_recovery").verdict == "refuted"


def test_boundary_catches_flipped_predictions(monkeypatch):
    real = claims.log_ratio
    monkeypatch.setattr(claims, "log_ratio", lambda q, e, lam: -real(q, e, lam))
    out = run("lasso_ridge_boundary")
    assert out.verdict == "refuted" and out.agreement is False


def test_boundary_without_a_measured_side_is_inconclusive(monkeypatch):
    """Paired differences that straddle zero decide neither side: inconclusive, not confirmed."""
    real = claims.lasso_sim

    def straddling(ctx, dim, q, sparsity, lam, with_ridge=False):
        run_ = real(ctx, dim, q, sparsity, lam, with_ridge)
        if not with_ridge:
            return run_
        gen = run_.lasso.gen_loss.cpu().numpy()
        offsets = 0.001 + 0.01 * np.tile([1.0, -1.0], len(gen))[: len(gen)]  # a mean of 0.001, a spread of 0.01
        return dataclasses.replace(run_, ridge_gen=gen + offsets)

    monkeypatch.setattr(claims, "lasso_sim", straddling)
    out = run("lasso_ridge_boundary")
    assert out.verdict == "inconclusive" and "decided on neither side" in out.why and "pairs would decide" in out.why
    assert out.agreement is None and _m(out).undecided


def test_lasso_texts_are_readable_and_state_their_sizes():
    for cid in ("lasso_support_fraction", "lasso_exact_recovery"):
        out = run(cid)
        assert load_all()[cid].source == "beyond" and load_all()[cid].seed.reading
        assert all(readable(t) for t in (out.key, out.correction, out.why, *(e.summary for e in out.evidence)))
    assert f"D = {max(CTX.profile.lasso_dims)}" in run("lasso_support_fraction").key
    assert f"D = {CTX.profile.recovery_dim}" in run("lasso_exact_recovery").key


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
    outcome = load_all()["lasso_state_evolution"].check(Context(tiny("tiny-lasso")))  # nothing cached yet
    route = next(e for e in outcome.evidence if "torch solution" in e.summary)
    assert route.agrees is False and outcome.agreement is False


def test_coordinate_descent_runs_once_per_instance_for_both_claims(monkeypatch):
    """lasso_state_evolution and lasso_support_fraction read the same coordinate-descent solutions: within one
    context each instance is solved once, and both claims judge as when each solved its own."""
    calls = []

    def counted(X, T, lam):
        calls.append(lam)
        return sklearn_lasso(X, T, lam)

    monkeypatch.setattr(lasso_runs, "sklearn_lasso", counted)
    ctx = Context(tiny("tiny-lasso"))
    both = [load_all()[cid].check(ctx) for cid in ("lasso_state_evolution", "lasso_support_fraction")]
    per_setting = min(ctx.profile.lasso_sets, 8)
    assert len(calls) == len(claims.SETTINGS) * per_setting
    alone = load_all()["lasso_support_fraction"].check(Context(tiny("tiny-lasso")))
    assert len(calls) == 2 * len(claims.SETTINGS) * per_setting
    assert _n(alone) == _n(both[1])


def _n(outcome):
    return next(e for e in outcome.evidence if e.kind == "N").numbers
