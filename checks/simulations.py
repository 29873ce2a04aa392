"""Shared simulation runs for the M evidence, one per (context, variant), cached."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from sim.linear import LinearRun, LinearSetting, train
from theory.curves import mp_curves

from .profile import Context

METHODS = ("gd", "ridge", "momentum", "momentum_ridge")


def setting_for(ctx: Context, **changes) -> LinearSetting:
    """The seed's linear experiment, sized by the profile."""
    p = ctx.profile
    base = LinearSetting(dim=p.sim_dim, q=0.7, epochs=p.sim_epochs, n_sets=p.sim_sets, methods=METHODS,
                         seed=ctx.seed, device=ctx.device, dtype=torch.float64)
    return base.with_(**changes)


@lru_cache(maxsize=8)
def linear_run(ctx: Context, **changes) -> LinearRun:
    return train(setting_for(ctx, **changes))


def final(run: LinearRun, method: str, which: str = "gen") -> np.ndarray:
    """Per-set loss at the last epoch."""
    hist = run.gen_loss if which == "gen" else run.train_loss
    return hist[-1, :, run.method_index(method)].cpu().numpy()


def unconverged_excess(run: LinearRun, method: str) -> float:
    """MP prediction of how far l_gen still is from its plateau at the last epoch: the allowance
    for comparing a finite-length run with a t -> infinity formula."""
    s = run.setting
    return _excess(s.q, method, s.epochs, float(run.init @ run.init), float(run.init @ run.teacher))


@lru_cache(maxsize=64)
def _excess(q: float, method: str, epochs: int, s0_norm2: float, overlap: float) -> float:
    gen, _ = mp_curves(q, method, 4 * epochs, s0_norm2=s0_norm2, overlap=overlap, nodes=600)
    return float(abs(gen[epochs] - gen[-1]))
