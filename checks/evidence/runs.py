"""Shared simulation runs for the M evidence, one per (context, variant), cached."""
from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from gentoys.checks.framework.profile import Context
from gentoys.sim import networks
from gentoys.sim.linear import LinearRun, LinearSetting, train
from gentoys.theory.curves import Hyper, expected_curves

METHODS = ("gd", "ridge", "momentum", "momentum_ridge")


def setting_for(ctx: Context, **changes) -> LinearSetting:
    """The seed's linear experiment, sized by the profile."""
    p = ctx.profile
    base = LinearSetting(dim=p.sim_dim, q=0.7, epochs=p.sim_epochs, n_sets=p.sim_sets, methods=METHODS,
                         seed=ctx.seed, device=ctx.device, dtype=torch.float64)
    return base.with_(**changes)


def sparse_teacher_runs(ctx: Context, lasso_lam: float) -> dict[str, LinearRun]:
    """GD, ridge and lasso on the random and on the sparse teacher (d = 0.4 D), same designs and S0."""
    p = ctx.profile
    common = dict(methods=("gd", "ridge", "lasso"), epochs=p.sparse_epochs, n_sets=p.sparse_sets,
                  lasso_lam=lasso_lam, lasso_eta=0.4, sparse_dim=round(0.4 * p.sim_dim))
    return {t: linear_run(ctx, teacher=t, **common) for t in ("random", "sparse")}


def linear_run(ctx: Context, **changes) -> LinearRun:
    """The seed's linear experiment with ``changes``, trained once per context. MP-tuned hyperparameters are
    the infinite-D limit's: a set whose top eigenvalue lies past the edge they assume is unstable under them, and
    its pairs are kept as they ran (``LinearRun.stable`` marks the others) instead of stopping the run."""
    return ctx.cached(("linear_run", tuple(sorted(changes.items()))),
                      lambda: train(setting_for(ctx, **changes), allow_unstable=changes.get("tuning") == "mp"))


def final(run: LinearRun | networks.NetworkRun, method: str, which: str = "gen") -> np.ndarray:
    """Per-data-set loss at the last epoch: "gen" or "train" of a linear run; "val" (the two-layer model's exact
    l_gen), "train" or "test" (ReLU, fresh samples) of a network run."""
    if isinstance(run, LinearRun):
        hist = run.gen_loss if which == "gen" else run.train_loss
        return hist[-1, :, run.method_index(method)].cpu().numpy()
    j = run.method(method)
    if which == "test":
        return run.test_loss[:, j].double().cpu().numpy()
    hist = run.val_loss if which == "val" else run.train_loss
    return hist[-1, :, j].double().cpu().numpy()


def describe(run: LinearRun | networks.NetworkRun) -> str:
    """The sizes behind a piece of evidence, as its summary quotes them."""
    s = run.setting
    if isinstance(run, LinearRun):
        teacher = f", d={s.sparse_dim}" if s.teacher == "sparse" else ""
        tuning = "per-set" if s.tuning == "per_set" else "MP"
        return (f"{s.n_sets} data sets, D={s.dim}, q={s.q:g}{teacher}, {s.epochs} epochs, {tuning} tuning, "
                f"{str(s.dtype).replace('torch.', '')}")
    width = f"widths {s.teacher_hidden} and {s.hidden}" if s.model == "relu" else f"width {s.hidden}"
    return f"{s.n_sets} data sets, D={s.dim}, {width}, N_tr={s.n_train}, {s.epochs} epochs"


def expected_excess(ctx: Context, run: LinearRun, method: str) -> np.ndarray:
    """Per set: how far l_gen is still expected to be from its plateau at the last epoch, from that set's
    own spectrum and hyperparameters (``theory.curves.expected_curves``, averaged over the eigenbasis).
    Several claims ask for the same (run, method): computed once per context (which also holds the run)."""
    return ctx.cached(("expected_excess", id(run), method), lambda: _expected_excess(run, method))


def _expected_excess(run: LinearRun, method: str) -> np.ndarray:
    s = run.setting
    j = run.method_index(method)
    spectrum = run.spectrum.double().cpu().numpy()
    zeros = s.dim - spectrum.shape[1]
    weights = np.full(spectrum.shape[1] + 1, 1.0 / s.dim)
    weights[0] = zeros / s.dim
    s0, overlap = float(run.init @ run.init), float(run.init @ run.teacher)
    out = np.empty(s.n_sets)
    for i in range(s.n_sets):
        hyper = Hyper(float(run.hyper.eta[i, j]), float(run.hyper.beta[i, j]), float(run.hyper.lam[i, j]))
        nodes = np.concatenate([[0.0], np.clip(spectrum[i], 0.0, None)])
        gen, _ = expected_curves(nodes, weights, hyper, 6 * s.epochs, s0_norm2=s0, overlap=overlap)
        out[i] = gen[s.epochs] - gen[-1]
    return out


def network_setting(ctx: Context, model: str) -> networks.NetworkSetting:
    """The seed's over-parametrized example ``model`` ("two_layer" or "relu"), sized by the profile.

    The profile scales the two-layer example's D, width and N_tr together (q and D/width stay the seed's)
    and both examples' epochs; the ReLU example keeps the seed's sizes, which are already small.
    """
    p = ctx.profile
    base = networks.TWO_LAYER if model == "two_layer" else networks.RELU
    sizes = {}
    if model == "two_layer":
        sizes = {k: max(1, round(getattr(base, k) * p.net_scale)) for k in ("dim", "hidden", "n_train")}
    epochs = max(1, round(base.epochs * p.net_epochs))
    return base.with_(n_sets=p.net_sets, epochs=epochs, record_every=max(1, epochs // 500), seed=ctx.seed,
                      device=ctx.device, **sizes)


def network_run(ctx: Context, model: str) -> networks.NetworkRun:
    """The seed's over-parametrized example ``model``, trained once per context."""
    return ctx.cached(("network_run", model), lambda: networks.train(network_setting(ctx, model)))


def _train_in_worker(setting: networks.NetworkSetting, threads: int) -> networks.NetworkRun:
    from gentoys.sim.core.device import set_cpu_threads

    set_cpu_threads(threads)
    return networks.train(setting)


@contextmanager
def prefetch_networks(ctx: Context, models: tuple[str, ...] = ("two_layer", "relu")) -> Iterator[None]:
    """Train the network examples in a second process while the other claims run in this one.

    They are the largest pure-compute item of a run (a quarter of the quick profile) and share nothing with the
    other checks, so on two cores this takes their time off the wall clock. The worker trains with this
    process's CPU thread count, the same code and the same settings: the same numbers as training here (tested).
    ``network_run`` then waits for the worker's result; an error in the worker is raised there, in the claim
    that asked. CPU only (a GPU run keeps one process)."""
    if ctx.device != "cpu":
        yield
        return
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        for model in models:
            key = ("network_run", model)
            if key not in ctx.cache:
                ctx.cache[key] = pool.submit(_train_in_worker, network_setting(ctx, model), torch.get_num_threads())
        yield
    finally:
        left = [m for m in models if isinstance(ctx.cache.get(("network_run", m)), Future)]
        for model in left:  # not asked for (the run stopped early): no future stays in the cache
            del ctx.cache[("network_run", model)]
        if left:  # a training nobody waits for is stopped, not waited for
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
