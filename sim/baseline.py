"""The straightforward implementation the batched trainer is measured against.

One data set at a time, one ``torch.optim.SGD`` per method, a Python loop per
step and a Python float per step for the loss history: how one would write
the experiment without thinking about speed. It shares the problem draw and
the hyperparameters with ``sim.linear`` so both must give the same curves.
"""
from __future__ import annotations

import torch

from gentoys.sim.linear import Hyperparameters, LinearSetting
from gentoys.sim.prox import prox_lasso


def train_baseline(setting: LinearSetting, problem, hyper: Hyperparameters) -> torch.Tensor:
    """l_gen history of shape (epochs + 1, R, M), computed set by set and method by method."""
    teacher, init, X = problem
    dt = setting.dtype
    out = torch.empty(setting.epochs + 1, setting.n_sets, len(setting.methods), dtype=torch.float64)
    T = teacher.to(dt)
    for i in range(setting.n_sets):
        sigma = (X[i] @ X[i].T / setting.n_samples).to(dt)
        for j, _ in enumerate(setting.methods):
            S = init.to(dt).clone().requires_grad_(True)
            opt = torch.optim.SGD([S], lr=float(hyper.eta[i, j]), momentum=float(hyper.beta[i, j]),
                                  weight_decay=float(hyper.lam[i, j]))
            history = []
            for _ in range(setting.epochs):
                with torch.no_grad():
                    history.append(0.5 * float(((S - T) ** 2).sum()))
                opt.zero_grad()
                delta = S - T
                (0.5 * delta @ sigma @ delta).backward()
                opt.step()
            with torch.no_grad():
                history.append(0.5 * float(((S - T) ** 2).sum()))
            out[:, i, j] = torch.tensor(history, dtype=torch.float64)
    return out


def train_network_baseline(setting, problem, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One data set of ``sim.networks``, one method after the other, with autograd and torch.optim.SGD.

    The L1 step follows the optimizer step as plain tensor code. Returns the training and validation
    losses at every epoch, each of shape (epochs + 1, K).
    """
    from gentoys.sim.networks import relu_net, targets

    X = problem.X[index]
    y = targets(setting, _one(problem, index), X[None])[0]
    if setting.model == "relu":
        X_val = problem.X_val[index]
        y_val = targets(setting, _one(problem, index), X_val[None])[0]
    train_hist = torch.empty(setting.epochs + 1, len(setting.methods), dtype=torch.float64)
    val_hist = torch.empty_like(train_hist)
    for j, method in enumerate(setting.methods):
        M = problem.M0[index].clone().requires_grad_(True)
        V = problem.V0[index].clone().requires_grad_(True)
        opt = torch.optim.SGD([M, V], lr=method.lr, momentum=method.momentum, weight_decay=method.weight_decay)

        def losses():
            if setting.model == "two_layer":
                S = M @ V
                return 0.5 * ((X @ S - y) ** 2).sum(), 0.5 * ((S - problem.teacher[0][index]) ** 2).sum()
            return (0.5 * ((relu_net(X, M, V) - y) ** 2).sum(), 0.5 * ((relu_net(X_val, M, V) - y_val) ** 2).sum())

        for epoch in range(setting.epochs + 1):
            opt.zero_grad()
            loss, val = losses()
            train_hist[epoch, j], val_hist[epoch, j] = loss.item(), val.item()
            if epoch == setting.epochs:
                break
            loss.backward()
            opt.step()
            with torch.no_grad():
                for p in (M, V):
                    if method.l1:
                        p.copy_(prox_lasso(p, method.lr * method.l1, check=False))
                    if method.shrink:
                        p.copy_(p / (1 + method.lr * method.shrink))
    return train_hist, val_hist


def _one(problem, index: int):
    from gentoys.sim.networks import _slice

    return _slice(problem, slice(index, index + 1))
