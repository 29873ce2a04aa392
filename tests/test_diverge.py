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
