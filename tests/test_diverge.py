"""Divergence: a run that produces NaN or inf stops with DivergedError naming the method, the step size
and the epoch (the first one whose loss is not finite) - for the linear trainer, factor training, the
two-pair model and the L1 prox wrapper."""
from __future__ import annotations

import re

import pytest
import torch
from strategies import one_torch_thread  # noqa: F401

import gentoys.sim.factors
from gentoys.sim.core.device import DivergedError
from gentoys.sim.factors import train_factors, train_two_pairs
from gentoys.sim.linear import DivergedError as LinearDivergedError
from gentoys.sim.linear import Hyperparameters, LinearSetting, train
from gentoys.sim.prox import L1Prox

SMALL = LinearSetting(dim=40, q=0.5, epochs=40, n_sets=2, dtype=torch.float64,
                      methods=("gd", "ridge", "momentum", "momentum_ridge", "lasso"))
PATTERN = re.compile(r"method '?(?P<method>[\w +]+?)'? (?:\+ L1 prox )?diverged at epoch (?P<epoch>\d+) .*"
                     r"step size (?:lr=)?(?P<step>[\d.e+-]+)")


def _parse(exc: BaseException) -> dict:
    match = PATTERN.search(str(exc))
    assert match, str(exc)
    return match.groupdict()


def test_one_error_class_everywhere():
    assert LinearDivergedError is DivergedError


@pytest.mark.parametrize("method", SMALL.methods)
def test_linear_divergence_names_method_step_size_and_first_bad_epoch(method):
    """Blow up one method's step size (x60); the error names that method and its step size, and the
    epoch it names is the first non-finite one: one epoch fewer trains without error."""
    setting = SMALL.with_(epochs=400)
    base = train(SMALL).hyper
    j = setting.methods.index(method)
    eta = base.eta.clone()
    eta[:, j] *= 60
    bad = Hyperparameters(eta, base.beta, base.lam, base.l1)
    with pytest.raises(DivergedError) as info:
        train(setting, hyper=bad)
    found = _parse(info.value)
    assert found["method"] == method
    epoch = int(found["epoch"])
    assert 0 < epoch <= 400
    assert any(float(found["step"]) == pytest.approx(float(v), rel=1e-3) for v in eta[:, j, 0])
    train(setting.with_(epochs=epoch - 1), hyper=bad)  # every epoch before it is finite


def test_factor_training_divergence_is_named_and_stops_early(monkeypatch):
    """GD on A B^T with lr = 5 explodes within a few steps: DivergedError names 'gd', lr=5 and the
    first bad epoch, and training stops within CHECK_EVERY steps instead of running all 5000."""
    steps = []
    real_step = torch.optim.SGD.step

    def counting_step(self, *args, **kwargs):
        steps.append(1)
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", counting_step)
    targets = 3 * torch.eye(4, dtype=torch.float64)[None]
    with pytest.raises(DivergedError) as info:
        train_factors(targets, dk=4, lam=0.1, method="gd", lr=5.0, steps=5000, init_scale=1.0)
    found = _parse(info.value)
    assert found["method"] == "gd" and float(found["step"]) == 5.0
    assert int(found["epoch"]) < len(steps) + 1 <= gentoys.sim.factors.CHECK_EVERY + 1


def test_two_pair_divergence_is_named():
    V = torch.tensor([2.0, 1.0], dtype=torch.float64)
    with pytest.raises(DivergedError) as info:
        train_two_pairs(V, V, n_seeds=3, lam=0.1, method="gd", lr=10.0, steps=500, init_scale=2.0)
    found = _parse(info.value)
    assert found["method"] == "gd" and float(found["step"]) == 10.0


def test_l1_prox_divergence_names_optimizer_step_size_and_step():
    """SGD at lr = 3 / L on a quadratic of curvature L: |1 - lr L| = 2, so the iterate doubles each step;
    the wrapper stops at the first step whose parameters are not finite and says so."""
    curvature = 4.0
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = L1Prox(torch.optim.SGD([w], lr=3 / curvature), l1reg=1e-3)
    seen = 0
    with pytest.raises(DivergedError) as info:
        for _ in range(5000):
            opt.zero_grad()
            (0.5 * curvature * (w**2).sum()).backward()
            opt.step()
            seen += 1
            assert torch.isfinite(w).all()
    found = _parse(info.value)
    assert found["method"] == "SGD" and float(found["step"]) == 0.75
    assert int(found["epoch"]) == seen + 1 == opt.steps_taken


def test_finite_runs_do_not_raise():
    train(SMALL)
    train_factors(torch.eye(3, dtype=torch.float64)[None], dk=3, lam=0.1, steps=60)


def test_a_blow_up_that_has_not_overflowed_is_caught():
    """GD at 2.5 / lam_max: the top mode's error grows by 1.5 a step, still finite after 40 epochs (1.5^80 in
    the loss is ~1e14), yet the run is diverging: named at the first epoch past 1e6 x the start."""
    base = train(SMALL).hyper
    j = SMALL.methods.index("gd")
    lam_max = train(SMALL).extremes[:, 1].to(base.eta.dtype)
    eta = base.eta.clone()
    eta[:, j, 0] = 2.5 / lam_max
    bad = Hyperparameters(eta, base.beta, base.lam, base.l1)
    with pytest.raises(DivergedError) as info:
        train(SMALL, hyper=bad)
    assert _parse(info.value)["method"] == "gd"


def test_the_lasso_step_is_kept_where_stable_and_bounded_where_not():
    import numpy as np

    from gentoys.sim.linear import stable_lasso_step

    lam_max = np.array([3.0, 4.9, 5.0, 6.0])
    step = stable_lasso_step(0.4, lam_max)
    assert step[0] == step[1] == 0.4  # 0.4 x lam_max < 2: the given step
    assert np.all(step[2:] == 0.95 * 2 / lam_max[2:])  # at or past the edge: inside it
    assert np.all(step * lam_max < 2)


def test_a_small_lasso_run_past_the_seed_step_edge_trains():
    """At D = 24, q = 0.7 some sets' top eigenvalue exceeds 2 / 0.4 = 5: those sets get a stable step and the
    lasso run stays finite and below its start (it diverged to 1e40 before)."""
    setting = LinearSetting(dim=24, q=0.7, epochs=300, n_sets=16, dtype=torch.float64, methods=("lasso",),
                            lasso_lam=5e-3, lasso_eta=0.4)
    run = train(setting)
    lam_max = run.extremes[:, 1]
    assert bool((0.4 * lam_max >= 2).any())  # the case this guards
    eta = run.hyper.eta[:, 0, 0]
    assert bool(((eta == 0.4) == (0.4 * lam_max < 2)).all())
    assert bool((run.gen_loss[-1] < run.gen_loss[0]).all())


def test_mp_tuned_pairs_past_the_edge_are_predicted_and_kept_only_when_allowed():
    """MP-tuned steps assume the MP edge; sets whose top eigenvalue lies past it are unstable under them.
    ``stable_pairs`` predicts them from the spectrum alone, and the prediction is what the runs do: the
    predicted-unstable pairs blow up, the others stay bounded. Without ``allow_unstable`` the run stops."""
    setting = LinearSetting(dim=60, q=0.7, epochs=300, n_sets=24, dtype=torch.float64, tuning="mp",
                            methods=("gd", "momentum"))
    run = train(setting, allow_unstable=True)
    stable = run.stable
    assert bool((~stable).any()) and bool(stable.any())  # both kinds occur at this size
    growth = (run.gen_loss.abs().amax(0) / run.gen_loss[0].abs())
    assert bool((growth[stable] < 10).all())
    assert bool((~torch.isfinite(growth[~stable]) | (growth[~stable] > 1e6)).all())
    with pytest.raises(DivergedError):
        train(setting)
