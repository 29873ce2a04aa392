"""The straightforward implementation the batched trainer is measured against.

One data set at a time, one ``torch.optim.SGD`` per method, a Python loop per
step and a Python float per step for the loss history: how one would write
the experiment without thinking about speed. It shares the problem draw and
the hyperparameters with ``sim.linear`` so both must give the same curves.
"""
from __future__ import annotations

import torch

from .linear import Hyperparameters, LinearSetting


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
