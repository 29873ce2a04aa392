"""L1Prox as a torch.optim.Optimizer: schedulers, param groups, state_dict, torch.compile, and the
inner-optimizer options each threshold rule covers (fixed point = scikit-learn's Lasso) or refuses."""
from __future__ import annotations

import copy
import os
import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from gentoys.sim.prox import L1Prox, UncoveredOptionError
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)
from strategies import sparse_regression

ALPHA = 0.05


@pytest.fixture(scope="module")
def problem():
    X, y, L = sparse_regression(seed=1, n=30, d=20, k=4)
    lasso = Lasso(alpha=ALPHA, fit_intercept=False, tol=1e-13, max_iter=500000).fit(X, y).coef_
    return X, y, L, lasso


def _loss(Xt, yt, w):
    return ((Xt @ w - yt) ** 2).sum() / (2 * len(yt))


def _run(problem, make, scaling, steps, sign=1.0, strict=True):
    """Minimize the lasso objective (or maximize its negative, sign=-1) with make(params) + L1Prox."""
    X, y = problem[:2]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = L1Prox(make([w]), ALPHA, scaling, strict=strict)
    for _ in range(steps):
        opt.zero_grad()
        (sign * _loss(Xt, yt, w)).backward()
        opt.step()
    return w.detach().numpy()


# --- each covered option reaches the lasso solution; the check fails for the wrong rule -------------

COVERED = {
    "SGD": (lambda L: lambda p: torch.optim.SGD(p, lr=1 / L), "lr", 3000, 1.0),
    "SGD momentum": (lambda L: lambda p: torch.optim.SGD(p, lr=0.5 / L, momentum=0.5), "momentum", 3000, 1.0),
    "SGD momentum + dampening": (lambda L: lambda p: torch.optim.SGD(p, lr=1 / L, momentum=0.5, dampening=0.4),
                                 "momentum", 3000, 1.0),
    "SGD nesterov": (lambda L: lambda p: torch.optim.SGD(p, lr=0.5 / L, momentum=0.5, nesterov=True),
                     "momentum", 3000, 1.0),
    "SGD maximize": (lambda L: lambda p: torch.optim.SGD(p, lr=1 / L, maximize=True), "auto", 3000, -1.0),
    "Adam": (lambda L: lambda p: torch.optim.Adam(p, lr=1e-2), "adam", 3000, 1.0),
    "Adam amsgrad": (lambda L: lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True), "adam", 3000, 1.0),
    "Adam maximize": (lambda L: lambda p: torch.optim.Adam(p, lr=1e-2, maximize=True), "auto", 3000, -1.0),
    "AdamW weight_decay=0": (lambda L: lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.0), "auto", 3000, 1.0),
}


@pytest.mark.parametrize("name", list(COVERED))
def test_covered_options_reach_the_lasso(problem, name):
    make, scaling, steps, sign = COVERED[name]
    w = _run(problem, make(problem[2]), scaling, steps, sign)
    np.testing.assert_allclose(w, problem[3], atol=1e-7)


def test_dampening_without_its_factor_solves_another_lasso(problem, monkeypatch):
    """The (1 - d) factor matters: the former threshold lr / (1 - mu) solves the lasso at alpha / (1 - d)."""
    import gentoys.sim.prox as prox

    X, y, L, lasso = problem
    original = prox.L1Prox._scale
    monkeypatch.setattr(prox.L1Prox, "_scale", lambda self, group, p: original(self, {**group, "dampening": 0.0}, p))
    w = _run(problem, lambda p: torch.optim.SGD(p, lr=1 / L, momentum=0.5, dampening=0.4), "momentum", 3000)
    predicted = Lasso(alpha=ALPHA / 0.6, fit_intercept=False, tol=1e-13, max_iter=500000).fit(X, y).coef_
    np.testing.assert_allclose(w, predicted, atol=1e-7)
    assert np.abs(w - lasso).max() > 1e-3


def test_amsgrad_needs_the_running_maximum(problem, monkeypatch):
    """Reading exp_avg_sq instead of max_exp_avg_sq under amsgrad leaves a fixed point that is not the lasso."""
    import gentoys.sim.prox as prox

    original = prox.L1Prox._scale

    def wrong_scale(self, group, p):
        return original(self, {**group, "amsgrad": False}, p)

    make = lambda p: torch.optim.Adam(p, lr=3e-2, betas=(0.9, 0.9), amsgrad=True)  # noqa: E731
    right = _run(problem, make, "adam", 3000)
    monkeypatch.setattr(prox.L1Prox, "_scale", wrong_scale)
    wrong = _run(problem, make, "adam", 3000)
    assert np.abs(wrong - right).max() > 1e-6


# --- refused options, each named -------------------------------------------------------------

def _w():
    return torch.zeros(3, requires_grad=True)


@pytest.mark.parametrize("make,scaling,option", [
    (lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=1e-3), "lr", "weight_decay"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3), "momentum", "weight_decay"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "lr", "momentum"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=1.0), "momentum", "dampening"),
    (lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=1e-3), "adam", "weight_decay"),
    (lambda p: torch.optim.AdamW(p, lr=0.1), "auto", "weight_decay"),  # AdamW's default 0.01
    (lambda p: torch.optim.RMSprop(p, lr=0.1), "lr", "optimizer"),
    (lambda p: torch.optim.Adagrad(p, lr=0.1), "auto", "optimizer"),
])
def test_uncovered_options_are_refused_by_name(make, scaling, option):
    with pytest.raises(UncoveredOptionError, match=f"^{option}=") as info:
        L1Prox(make([_w()]), 0.1, scaling)
    assert info.value.option == option and isinstance(info.value, ValueError)
    L1Prox(make([_w()]), 0.1, "adam" if scaling == "adam" else "lr", strict=False)  # strict=False accepts


def test_weight_decay_is_an_elastic_net_not_a_lasso(problem):
    """Why weight_decay is refused: with it the fixed point moves off the lasso solution."""
    X, y, L, lasso = problem
    w = _run(problem, lambda p: torch.optim.SGD(p, lr=1 / L, weight_decay=0.1), "lr", 3000, strict=False)
    assert np.abs(w - lasso).max() > 1e-3


def test_refused_option_in_an_added_group_is_not_kept():
    opt = L1Prox(torch.optim.SGD([_w()], lr=0.1), 0.1)
    with pytest.raises(UncoveredOptionError, match="^weight_decay"):
        opt.add_param_group({"params": [_w()], "weight_decay": 0.5})
    assert len(opt.param_groups) == len(opt.optimizer.param_groups) == 1


@pytest.mark.parametrize("option, value, error", [
    ("l1reg", -0.1, ValueError), ("lr", float("nan"), ValueError), ("weight_decay", 0.5, UncoveredOptionError),
    ("momentum", 0.9, UncoveredOptionError),
])
def test_option_changed_between_steps_is_checked_at_the_next_step(option, value, error):
    """The per-step validation is cached on the options' values, not skipped: after steps that passed, a
    group option set out of its domain (or to an uncovered value) is refused by the next step, before it
    moves the weights; restoring it lets the steps go on."""
    w = torch.ones(3, requires_grad=True)
    opt = L1Prox(torch.optim.SGD([w], lr=0.1), 0.1)
    for _ in range(2):
        w.grad = torch.ones(3)
        opt.step()
    group = opt.param_groups[0]
    before, kept = w.detach().clone(), group.get(option)
    group[option] = value
    with pytest.raises(error, match=f"^{option}"):
        opt.step()
    assert torch.equal(w.detach(), before)
    group[option] = kept
    opt.step()
    assert not torch.equal(w.detach(), before)


def test_parameter_made_complex_between_steps_is_refused():
    """A parameter whose dtype changes after cached steps is checked again."""
    w = torch.ones(2, requires_grad=True)
    opt = L1Prox(torch.optim.SGD([w], lr=0.1), 0.1)
    w.grad = torch.ones(2)
    opt.step()
    w.data = w.data.to(torch.complex64)
    with pytest.raises(TypeError, match="^params"):
        opt.step()


# --- torch.optim machinery -------------------------------------------------------------------

def test_is_an_optimizer_sharing_the_inner_groups_and_state():
    inner = torch.optim.SGD([_w()], lr=0.1)
    opt = L1Prox(inner, 0.2)
    assert isinstance(opt, torch.optim.Optimizer)
    assert opt.param_groups is inner.param_groups and opt.state is inner.state
    assert inner.param_groups[0]["l1reg"] == 0.2
    with pytest.raises(ValueError, match="^optimizer"):
        L1Prox(opt, 0.1)


def test_step_lr_scheduler_sets_the_threshold():
    """StepLR halves lr, the inner step and the threshold follow: one step from w = 1 with zero gradient."""
    w = torch.ones(1, requires_grad=True)
    opt = L1Prox(torch.optim.SGD([w], lr=0.4), 0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    thresholds = []
    for _ in range(3):
        before = w.detach().clone()
        opt.zero_grad()
        (0 * w).sum().backward()
        opt.step()
        thresholds.append(float(before - w.detach()))
        sched.step()
    np.testing.assert_allclose(thresholds, [0.2, 0.1, 0.05], rtol=1e-6)
    assert opt.optimizer.param_groups[0]["lr"] == pytest.approx(0.05)


def test_add_param_group_then_step_uses_default_l1reg():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = L1Prox(torch.optim.SGD([a], lr=0.1), 0.5)
    opt.add_param_group({"params": [b]})
    opt.add_param_group({"params": [c := torch.ones(2, requires_grad=True)], "l1reg": 2.0, "lr": 0.2})
    (a.sum() * 0 + b.sum() * 0 + c.sum() * 0).backward()
    opt.step()
    assert [g["l1reg"] for g in opt.param_groups] == [0.5, 0.5, 2.0]
    np.testing.assert_allclose(b.detach(), 1 - 0.1 * 0.5)
    np.testing.assert_allclose(c.detach(), 1 - 0.2 * 2.0)
    opt.optimizer.add_param_group({"params": [d := torch.ones(1, requires_grad=True)]})  # behind its back
    d.sum().backward()
    opt.step()
    assert opt.param_groups[-1]["l1reg"] == 0.5


def _train(opt, w, Xt, yt, steps):
    for _ in range(steps):
        opt.zero_grad()
        _loss(Xt, yt, w).backward()
        opt.step()


@pytest.mark.parametrize("make,scaling", [
    (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1), "momentum"),
    (lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True), "adam"),
])
def test_state_dict_round_trip_continues_identically(problem, make, scaling):
    X, y = problem[:2]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = L1Prox(make([w]), ALPHA, scaling)
    _train(opt, w, Xt, yt, 20)
    saved, w_saved = copy.deepcopy(opt.state_dict()), w.detach().clone()
    assert saved["param_groups"][0]["l1reg"] == ALPHA
    _train(opt, w, Xt, yt, 20)
    w2 = w_saved.clone().requires_grad_(True)
    fresh = L1Prox(make([w2]), 1.0, scaling)  # a different default l1reg: the saved one wins
    fresh.load_state_dict(saved)
    assert fresh.state is fresh.optimizer.state and fresh.param_groups is fresh.optimizer.param_groups
    assert fresh.param_groups[0]["l1reg"] == ALPHA
    _train(fresh, w2, Xt, yt, 20)
    torch.testing.assert_close(w2.detach(), w.detach(), rtol=0, atol=1e-15)
    clone = pickle.loads(pickle.dumps(fresh))
    assert clone.param_groups is clone.optimizer.param_groups


def _compiled_vs_eager(problem, make, scaling, backend):
    X, y = problem[:2]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    out = []
    for compiled in (True, False):
        w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
        opt = L1Prox(make([w]), ALPHA, scaling)
        step = torch.compile(opt.step, backend=backend) if compiled else opt.step
        for _ in range(5):
            opt.zero_grad()
            _loss(Xt, yt, w).backward()
            step()
        out.append(w.detach())
    return out


def test_compiled_step_equals_eager(problem):
    """torch.compile traces the step (dynamo + AOT autograd, no C++ build: fast enough for the suite)."""
    torch._dynamo.reset()
    make = lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.2)  # noqa: E731
    compiled, eager = _compiled_vs_eager(problem, make, "momentum", "aot_eager")
    torch.testing.assert_close(compiled, eager, rtol=0, atol=1e-14)


@pytest.mark.skipif(not os.environ.get("GENTOYS_INDUCTOR"), reason="inductor's C++ build takes ~30 s: "
                    "set GENTOYS_INDUCTOR=1 to run it")
def test_inductor_compiled_step_equals_eager(problem):
    torch._dynamo.reset()
    make = lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.2)  # noqa: E731
    compiled, eager = _compiled_vs_eager(problem, make, "momentum", "inductor")
    torch.testing.assert_close(compiled, eager, rtol=0, atol=1e-14)
