"""The input-error table: every public entry point, a bad input, and the message it raises.

``CASES`` lists (call, parameter, bad input) triples; ``render()`` runs each
one and writes the markdown table of docs/errors.md from the messages that
are actually raised, so the document cannot drift from the code.
``python -m tools.errors`` (or ``gentoys errors``) rewrites the file, ``--check`` exits 1 when the
committed one is stale (tests/test_errors.py runs the same comparison).

Every message must name the parameter (tests/test_errors.py checks that it
contains ``param`` and the bad value as shown in ``bad``, case-insensitively).
"""
from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "errors.md"
NAN, INF = math.nan, math.inf


@dataclass(frozen=True)
class Case:
    call: str  # how the call reads in the table
    param: str  # the parameter the message must name
    bad: str  # the bad input, as the message shows it
    run: Callable[[], object]
    kind: str = "python"  # "python" (raises ValueError / TypeError) or "cli" (click usage error, exit 2)


class NoError(AssertionError):
    """A case that should have raised did not."""


def _theory_cases() -> list[Case]:
    import numpy as np

    from gentoys import theory
    from gentoys.theory import curves, factorization, iterates, tuning
    from gentoys.theory.curves import Hyper

    mp = lambda: theory.MarchenkoPastur(0.5)  # noqa: E731
    cases = [
        Case("MarchenkoPastur(q)", "q", "1.5", lambda: theory.MarchenkoPastur(1.5)),
        Case("MarchenkoPastur(q)", "q", "NaN", lambda: theory.MarchenkoPastur(NAN)),
        Case("MarchenkoPastur(q)", "q", "0", lambda: theory.MarchenkoPastur(0.0)),
        Case("MarchenkoPastur(q, sigma2)", "sigma2", "0", lambda: theory.MarchenkoPastur(0.5, 0.0)),
        Case("MarchenkoPastur(q, sigma2)", "sigma2", "inf", lambda: theory.MarchenkoPastur(0.5, INF)),
        Case("MarchenkoPastur(0.5).pdf(x)", "x", "'a'", lambda: mp().pdf("a")),
        Case("MarchenkoPastur(0.5).cdf(x)", "x", "NaN", lambda: mp().cdf(NAN)),
        Case("MarchenkoPastur(0.5).ppf(p)", "p", "1.5", lambda: mp().ppf(1.5)),
        Case("MarchenkoPastur(0.5).isf(p)", "p", "-0.1", lambda: mp().isf(-0.1)),
        Case("MarchenkoPastur(0.5).interval(confidence)", "confidence", "1.5", lambda: mp().interval(1.5)),
        Case("MarchenkoPastur(0.5).stats(moments)", "moments", "'mz'", lambda: mp().stats("mz")),
        Case("MarchenkoPastur(0.5).expect(func, lb, ub)", "lb", "2", lambda: mp().expect(lb=2.0, ub=1.0)),
        Case("MarchenkoPastur(0.5).expect(func, lb, ub, conditional=True)", "lb", "100",
             lambda: mp().expect(lb=100.0, conditional=True)),
        Case("MarchenkoPastur(0.5).rvs_eigenvalues(dim, size)", "dim", "0", lambda: mp().rvs_eigenvalues(0)),
        Case("MarchenkoPastur(0.1).rvs_eigenvalues(dim, size)", "dim", "4",
             lambda: theory.MarchenkoPastur(0.1).rvs_eigenvalues(4)),
        Case("MarchenkoPastur(0.5).plot_histogram(dim, size, bins)", "bins", "0",
             lambda: mp().plot_histogram(dim=10, size=1, bins=0)),
        Case("MarchenkoPastur(0.5).moment(k)", "k", "2.0", lambda: mp().moment(2.0)),
        Case("MarchenkoPastur(0.5).moment(k)", "k", "9", lambda: mp().moment(9)),
        Case("MarchenkoPastur(0.5).stieltjes(z)", "z", "1", lambda: mp().stieltjes(1.0)),
        Case("MarchenkoPastur(0.5).stieltjes(z)", "z", "inf", lambda: mp().stieltjes(INF)),
        Case("MarchenkoPastur(0.5).rvs(size)", "size", "-1", lambda: mp().rvs(-1)),
        Case("MarchenkoPastur(0.5).rvs(size)", "size", "1.5", lambda: mp().rvs(1.5)),
        Case("mp_edges(q)", "q", "NaN", lambda: theory.mp_edges(NAN)),
        Case("MarchenkoPastur(q)", "q", "'0.7'", lambda: theory.MarchenkoPastur("0.7")),
        Case("MarchenkoPastur(0.5).ppf(p)", "p", "'0.5'", lambda: mp().ppf("0.5")),
        Case("MarchenkoPastur(0.5).cdf(x)", "x", "complex128", lambda: mp().cdf(np.array([1 + 1j]))),
        Case("MarchenkoPastur(0.5).stieltjes(z)", "z", "'a'", lambda: mp().stieltjes("a")),
        Case("MarchenkoPastur(0.5).expect(func)", "func", "x=0", lambda: mp().expect(lambda v: 1 / v)),
    ]
    for name in ("lambda_R", "eta_gd", "eta_ridge", "beta_momentum", "eta_momentum", "eta_momentum_ridge",
                 "rate_gd", "rate_momentum", "unregularized_plateau"):
        cases.append(Case(f"{name}(q)", "q", "1", lambda name=name: getattr(theory, name)(1.0)))
    cases += [
        Case("lambda_R(q)", "q", "-0.2", lambda: theory.lambda_R(-0.2)),
        Case("lambda_R(q)", "q", "'0.5'", lambda: theory.lambda_R("0.5")),
        Case("lambda_R(q)", "q", "True", lambda: theory.lambda_R(True)),
        Case("lambda_R(q)", "q", "complex128", lambda: theory.lambda_R(np.complex128(0.5 + 0.1j))),
        Case("lambda_R(q)", "q", "1e-300", lambda: theory.lambda_R(1e-300)),
        Case("ridge_correction_crossing(level)", "level", "(2,)", lambda: theory.ridge_correction_crossing([0.01, 0.02])),
        Case("lasso_risk(q, sparsity, lam, dim)", "lam", "1e+308", lambda: theory.lasso_risk(0.7, 0.4, 1e308, 1000)),
        Case("prox_lasso(x, l1reg, scaling)", "l1reg * scaling", "1e+308",
             lambda: theory.prox_lasso(1.0, 1e308, 10.0)),
        Case("eta_gd(q)", "q", "inf", lambda: theory.eta_gd(INF)),
        Case("ridge_plateau(q, lam)", "lam", "-1", lambda: theory.ridge_plateau(0.5, -1.0)),
        Case("ridge_plateau(q, lam)", "q", "NaN", lambda: theory.ridge_plateau(NAN, 1.0)),
        Case("ridge_correction(q, lam)", "lam", "0", lambda: theory.ridge_correction(0.5, 0.0)),
        Case("ridge_correction(q, lam)", "lam", "inf", lambda: theory.ridge_correction(0.5, INF)),
        Case("ridge_correction_crossing(level)", "level", "1", lambda: theory.ridge_correction_crossing(1.0)),
        Case("tuning.eta_gd(lam_min, lam_max)", "lam_min", "-1", lambda: tuning.eta_gd(-1.0, 2.0)),
        Case("tuning.lambda_R(lam_min, lam_max)", "lam_min", "2", lambda: tuning.lambda_R(2.0, 1.0)),
        Case("tuning.eta_gd_ridge(lam_max, lam)", "lam", "0", lambda: tuning.eta_gd_ridge(2.0, 0.0)),
        Case("tuning.beta_momentum(lam_min, lam_max)", "lam_max", "NaN", lambda: tuning.beta_momentum(1.0, NAN)),
        Case("soft_threshold(x, threshold)", "threshold", "-0.1", lambda: theory.soft_threshold(1.0, -0.1)),
        Case("soft_threshold(x, threshold)", "x", "NaN", lambda: theory.soft_threshold(NAN, 1.0)),
        Case("prox_lasso(x, l1reg, scaling)", "l1reg", "inf", lambda: theory.prox_lasso(1.0, INF)),
        Case("prox_lasso(x, l1reg, scaling)", "scaling", "0", lambda: theory.prox_lasso(1.0, 1.0, 0.0)),
        Case("lasso_risk(q, sparsity, lam, dim)", "q", "-0.1", lambda: theory.lasso_risk(-0.1, 0.4, 5e-3, 1000)),
        Case("lasso_risk(q, sparsity, lam, dim)", "sparsity", "0", lambda: theory.lasso_risk(0.7, 0.0, 5e-3, 1000)),
        Case("lasso_risk(q, sparsity, lam, dim)", "lam", "-1", lambda: theory.lasso_risk(0.7, 0.4, -1.0, 1000)),
        Case("lasso_risk(q, sparsity, lam, dim)", "lam", "NaN", lambda: theory.lasso_risk(0.7, 0.4, NAN, 1000)),
        Case("lasso_risk(q, sparsity, lam, dim)", "dim", "0", lambda: theory.lasso_risk(0.7, 0.4, 5e-3, 0)),
        Case("lasso_risk(q, sparsity, lam, dim, noise)", "noise", "-1",
             lambda: theory.lasso_risk(0.7, 0.4, 5e-3, 1000, -1.0)),
        Case("lasso_risk_teacher(teacher, q, lam)", "teacher", "all zero",
             lambda: theory.lasso_risk_teacher(np.zeros(5), 0.7, 5e-3)),
        Case("lasso_risk_teacher(teacher, q, lam)", "teacher", "shape (2, 3)",
             lambda: theory.lasso_risk_teacher(np.ones((2, 3)), 0.7, 5e-3)),
        Case("lasso_optimal_lam(q, sparsity, dim)", "sparsity", "1.5", lambda: theory.lasso_optimal_lam(0.7, 1.5, 1000)),
        Case("donoho_tanner(sparsity)", "sparsity", "NaN", lambda: theory.donoho_tanner(NAN)),
        Case("donoho_tanner_sparsity(q)", "q", "1.5", lambda: theory.donoho_tanner_sparsity(1.5)),
        Case("mode_errors(curvature, eta, beta, steps, lam)", "beta", "1", lambda: theory.mode_errors(1.0, 0.1, 1.0, 3)),
        Case("mode_errors(curvature, eta, beta, steps, lam)", "eta", "0", lambda: theory.mode_errors(1.0, 0.0, 0.5, 3)),
        Case("mode_errors(curvature, eta, beta, steps, lam)", "lam", "-0.5",
             lambda: theory.mode_errors(1.0, 0.1, 0.5, 3, -0.5)),
        Case("mode_errors(curvature, eta, beta, steps, lam)", "steps", "3.0", lambda: theory.mode_errors(1.0, 0.1, 0.5, 3.0)),
        Case("mode_errors(curvature, eta, beta, steps, lam)", "curvature", "NaN",
             lambda: theory.mode_errors(NAN, 0.1, 0.5, 3)),
        Case("iterates.mode_trajectory(..., S_init, teacher, ...)", "S_init", "NaN",
             lambda: iterates.mode_trajectory(1.0, NAN, 1.0, 0.1, 0.0, 3)),
        Case("iterates.mode_trajectory(..., S_init, teacher, ...)", "teacher", "inf",
             lambda: iterates.mode_trajectory(1.0, 1.0, INF, 0.1, 0.0, 3)),
        Case("mp_hyperparameters(q, method)", "method", "'sgd'", lambda: theory.mp_hyperparameters(0.5, "sgd")),
        Case("mp_curves(q, method, steps, ...)", "steps", "-1", lambda: theory.mp_curves(0.5, "gd", -1)),
        Case("mp_curves(q, method, steps, ..., nodes)", "nodes", "0", lambda: theory.mp_curves(0.5, "gd", 3, nodes=0)),
        Case("mp_curves(q, method, steps, ..., overlap)", "overlap", "NaN",
             lambda: theory.mp_curves(0.5, "gd", 3, overlap=NAN)),
        Case("expected_curves(eigenvalues, ...)", "eigenvalues", "-1",
             lambda: theory.expected_curves([-1.0], [1.0], Hyper(0.1), 3)),
        Case("expected_curves(..., weights, ...)", "weights", "NaN",
             lambda: theory.expected_curves([1.0], [NAN], Hyper(0.1), 3)),
        Case("expected_curves(..., s0_norm2)", "s0_norm2", "inf",
             lambda: theory.expected_curves([1.0], [1.0], Hyper(0.1), 3, s0_norm2=INF)),
        Case("curves.mp_nodes(q, n)", "n", "5", lambda: curves.mp_nodes(0.5, 5)),
        Case("factorization.frobenius_expansion_residual(dim)", "dim", "0",
             lambda: factorization.frobenius_expansion_residual(0)),
        Case("two_layer_mu(q, lam, norm_T)", "q", "1.2", lambda: theory.two_layer_mu(1.2, 0.04)),
        Case("two_layer_mu(q, lam, norm_T)", "lam", "-1", lambda: theory.two_layer_mu(0.5, -1.0)),
        Case("two_layer_ridge_plateau(q, lam, norm_T)", "norm_T", "0",
             lambda: theory.two_layer_ridge_plateau(0.5, 0.04, 0.0)),
        Case("group_ridge_solution(curvatures, teacher_modes, lam)", "curvatures", "-1",
             lambda: theory.group_ridge_solution([-1.0, 1.0], [1.0, 1.0], 0.1)),
        Case("group_ridge_solution(curvatures, teacher_modes, lam)", "lam", "NaN",
             lambda: theory.group_ridge_solution([1.0], [1.0], NAN)),
    ]
    return cases


def _sim_cases() -> list[Case]:
    import numpy as np
    import torch

    from gentoys.sim.core.device import generator, resolve_device, set_cpu_threads
    from gentoys.sim.factors import train_factors, train_two_pairs
    from gentoys.sim.lasso import solve_lasso
    from gentoys.sim.linear import Hyperparameters, LinearSetting, train
    from gentoys.sim.networks import RELU, TWO_LAYER, Method
    from gentoys.sim.amp import amp_lasso
    from gentoys.sim.prox import L1Prox, prox_lasso
    from gentoys.sim.spectra import sample_gram

    def small_hyper(**change):
        ones = torch.ones(2, 1, 1, dtype=torch.float64)
        fields = dict(eta=0.1 * ones, beta=0 * ones, lam=0 * ones, l1=0 * ones)
        fields.update({k: v * ones for k, v in change.items()})
        return Hyperparameters(**fields)

    def l1prox_changed_group():
        w = torch.zeros(2, requires_grad=True)
        opt = L1Prox(torch.optim.SGD([w], lr=0.1), 0.1)
        opt.param_groups[0]["l1reg"] = -5.0
        w.grad = torch.zeros(2)
        return opt.step()

    tiny = LinearSetting(dim=10, q=0.5, epochs=2, n_sets=2, methods=("gd",), dtype=torch.float64)
    sgd = lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)  # noqa: E731
    eye = torch.eye(3, dtype=torch.float64)[None]
    ones2 = torch.ones(2, dtype=torch.float64)
    return [
        Case("resolve_device(name)", "device", "'tpu'", lambda: resolve_device("tpu")),
        Case("generator(seed, device)", "seed", "-1", lambda: generator(-1, torch.device("cpu"))),
        Case("sample_gram(n_sets, dim, n_samples, seed)", "n_sets", "0", lambda: sample_gram(0, 5, 3)),
        Case("sample_gram(n_sets, dim, n_samples, seed)", "D", "5.0", lambda: sample_gram(2, 5.0, 3)),
        Case("sample_gram(n_sets, dim, n_samples, seed)", "N_tr", "8", lambda: sample_gram(2, 5, 8)),
        Case("sample_gram(n_sets, dim, n_samples, seed)", "seed", "1.5", lambda: sample_gram(2, 5, 3, seed=1.5)),
        Case("sample_gram(n_sets, dim, n_samples, seed)", "seed", "18446744073709551616",
             lambda: sample_gram(2, 5, 3, seed=2**64)),
        Case("sample_gram(n_sets, dim, n_samples, seed, dtype)", "dtype", "torch.complex64",
             lambda: sample_gram(2, 5, 3, dtype=torch.complex64)),
        Case("GramSample.null_projection_norm2(v)", "v", "torch.complex64",
             lambda: sample_gram(2, 5, 3).null_projection_norm2(torch.ones(5, dtype=torch.complex64))),
        Case("amp_lasso(A, y, x0, alpha)", "A", "complex128",
             lambda: amp_lasso(np.eye(3, dtype=complex), np.ones(3), np.ones(3), 1.0)),
        Case("prox_lasso(x, l1reg, scaling) (sim)", "l1reg", "-1", lambda: prox_lasso(ones2, -1.0)),
        Case("prox_lasso(x, l1reg, scaling) (sim)", "l1reg", "-1", lambda: prox_lasso(ones2, torch.tensor(-1.0))),
        Case("prox_lasso(x, l1reg, scaling) (sim)", "l1reg", "NaN", lambda: prox_lasso(ones2, NAN)),
        Case("prox_lasso(x, l1reg, scaling) (sim)", "x", "torch.complex64",
             lambda: prox_lasso(torch.ones(2, dtype=torch.complex64), 0.1)),
        Case("GramSample.null_projection_norm2(v)", "v", "NaN",
             lambda: sample_gram(2, 5, 3).null_projection_norm2(torch.full((5,), NAN))),
        Case("GramSample.null_projection_norm2(v)", "v", "(4,)",
             lambda: sample_gram(2, 5, 3).null_projection_norm2(torch.ones(4))),
        Case("GramSample.ridge_residual_norm2(teacher, lam)", "lam", "-1",
             lambda: sample_gram(2, 5, 3).ridge_residual_norm2(torch.ones(5), -1.0)),
        Case("GramSample.ridge_residual_norm2(teacher, lam)", "teacher", "NaN",
             lambda: sample_gram(2, 5, 3).ridge_residual_norm2(torch.full((5,), NAN), 1.0)),
        Case("LinearSetting(dim)", "dim", "0", lambda: LinearSetting(dim=0)),
        Case("LinearSetting(dim)", "dim", "10.0", lambda: LinearSetting(dim=10.0)),
        Case("LinearSetting(q)", "q", "1.2", lambda: LinearSetting(q=1.2)),
        Case("LinearSetting(q)", "q", "NaN", lambda: LinearSetting(q=NAN)),
        Case("LinearSetting(q, dim)", "q", "0.99", lambda: LinearSetting(dim=20, q=0.99)),
        Case("LinearSetting(q, dim)", "q", "0.05", lambda: LinearSetting(dim=20, q=0.05)),
        Case("LinearSetting(epochs)", "epochs", "-1", lambda: LinearSetting(epochs=-1)),
        Case("LinearSetting(n_sets)", "n_sets", "2.5", lambda: LinearSetting(n_sets=2.5)),
        Case("LinearSetting(methods)", "methods", "'sgd'", lambda: LinearSetting(methods=("sgd",))),
        Case("LinearSetting(teacher)", "teacher", "'dense'", lambda: LinearSetting(teacher="dense")),
        Case("LinearSetting(sparse_dim)", "sparse_dim", "5000", lambda: LinearSetting(teacher="sparse", sparse_dim=5000)),
        Case("LinearSetting(tuning)", "tuning", "'best'", lambda: LinearSetting(tuning="best")),
        Case("LinearSetting(init_variance)", "init_variance", "NaN", lambda: LinearSetting(init_variance=NAN)),
        Case("LinearSetting(lasso_eta)", "lasso_eta", "inf", lambda: LinearSetting(lasso_eta=INF)),
        Case("LinearSetting(lasso_lam)", "lasso_lam", "0", lambda: LinearSetting(lasso_lam=0.0)),
        Case("LinearSetting(zero_tol)", "zero_tol", "-1", lambda: LinearSetting(zero_tol=-1.0)),
        Case("LinearSetting(seed)", "seed", "-1", lambda: LinearSetting(seed=-1)),
        Case("LinearSetting(chunk_sets)", "chunk_sets", "0", lambda: LinearSetting(chunk_sets=0)),
        Case("LinearSetting(gradient)", "gradient", "'qr'", lambda: LinearSetting(gradient="qr")),
        Case("LinearSetting(gradient, methods)", "gradient", "'rowspace'",
             lambda: LinearSetting(gradient="rowspace", methods=("gd", "lasso"))),
        Case("LinearSetting(extremes)", "extremes", "'power'", lambda: LinearSetting(extremes="power")),
        Case("set_cpu_threads(n)", "threads", "0", lambda: set_cpu_threads(0)),
        Case("LinearSetting(device)", "device", "'tpu'", lambda: LinearSetting(device="tpu")),
        Case("LinearSetting(dtype)", "dtype", "torch.int64", lambda: LinearSetting(dtype=torch.int64)),
        Case("LinearSetting(dtype)", "dtype", "torch.float16", lambda: LinearSetting(dtype=torch.float16)),
        Case("LinearSetting(dtype)", "dtype", "torch.bfloat16", lambda: LinearSetting(dtype=torch.bfloat16)),
        Case("LinearSetting(seed)", "seed", "18446744073709551616", lambda: LinearSetting(seed=2**64)),
        Case("train(setting, problem)", "problem.teacher", "torch.complex128",
             lambda: train(tiny, problem=tuple(torch.ones(s, dtype=torch.complex128) for s in ((10,), (10,), (2, 10, 5))))),
        Case("train(setting, hyper)", "hyper.eta", "-0.1", lambda: train(tiny, hyper=small_hyper(eta=-0.1))),
        Case("train(setting, hyper)", "hyper.beta", "1", lambda: train(tiny, hyper=small_hyper(beta=1.0))),
        Case("train(setting, hyper)", "hyper.lam", "NaN", lambda: train(tiny, hyper=small_hyper(lam=NAN))),
        Case("train(setting(gradient='rowspace'), hyper)", "hyper.l1", "0.001",
             lambda: train(tiny.with_(gradient="rowspace"), hyper=small_hyper(l1=1e-3))),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "targets", "NaN",
             lambda: train_factors(torch.full((1, 3, 3), NAN), 2, 0.1)),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "targets", "(3, 3)",
             lambda: train_factors(eye[0], 2, 0.1)),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "dk", "1.0",
             lambda: train_factors(eye, 1.0, 0.1)),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "lam", "NaN",
             lambda: train_factors(eye, 2, NAN)),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "method", "'sgd'",
             lambda: train_factors(eye, 2, 0.1, method="sgd")),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "lr", "inf",
             lambda: train_factors(eye, 2, 0.1, lr=INF)),
        Case("train_factors(targets, dk, lam, method, lr, steps, seed, init_scale)", "init_scale", "NaN",
             lambda: train_factors(eye, 2, 0.1, init_scale=NAN)),
        Case("train_two_pairs(V, U, n_seeds, lam, method, lr, steps, seed, init_scale)", "lr", "-1",
             lambda: train_two_pairs(ones2, ones2, 2, 0.1, lr=-1.0)),
        Case("train_two_pairs(V, U, n_seeds, lam, method, lr, steps, seed, init_scale)", "steps", "2.5",
             lambda: train_two_pairs(ones2, ones2, 2, 0.1, steps=2.5)),
        Case("train_two_pairs(V, U, n_seeds, lam, method, lr, steps, seed, init_scale)", "V", "NaN",
             lambda: train_two_pairs(torch.full((2,), NAN), ones2, 2, 0.1)),
        Case("train_two_pairs(V, U, n_seeds, lam, method, lr, steps, seed, init_scale)", "n_seeds", "0",
             lambda: train_two_pairs(ones2, ones2, 0, 0.1)),
        Case("L1Prox(optimizer, l1reg, scaling)", "l1reg", "NaN", lambda: L1Prox(sgd(), NAN)),
        Case("L1Prox(optimizer, l1reg, scaling)", "scaling", "'newton'", lambda: L1Prox(sgd(), 0.1, "newton")),
        Case("L1Prox(optimizer, l1reg, scaling)", "optimizer", "NoneType", lambda: L1Prox(None, 0.1)),
        Case("L1Prox(SGD(weight_decay), l1reg, scaling)", "weight_decay", "0.001",
             lambda: L1Prox(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, weight_decay=1e-3), 0.1)),
        Case("L1Prox(SGD(momentum), l1reg, scaling='lr')", "momentum", "0.9",
             lambda: L1Prox(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9), 0.1)),
        Case("L1Prox(SGD(momentum, dampening), l1reg, scaling='momentum')", "dampening", "1.0",
             lambda: L1Prox(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9,
                                            dampening=1.0), 0.1, "momentum")),
        Case("L1Prox(AdamW(), l1reg, scaling='auto')", "weight_decay", "0.01",
             lambda: L1Prox(torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.1), 0.1, "auto")),
        Case("L1Prox(SGD(momentum), l1reg, scaling='momentum')", "momentum", "1",
             lambda: L1Prox(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=1.0), 0.1,
                            "momentum")),
        Case("L1Prox(...).step() after param_groups[0]['l1reg'] = -5", "l1reg", "-5", l1prox_changed_group),
        Case("L1Prox(SGD(complex params), l1reg)", "params", "torch.complex64",
             lambda: L1Prox(torch.optim.SGD([torch.zeros(1, dtype=torch.complex64, requires_grad=True)], lr=0.1), 0.1)),
        Case("L1Prox(RMSprop(), l1reg, scaling)", "optimizer", "RMSprop",
             lambda: L1Prox(torch.optim.RMSprop([torch.zeros(1, requires_grad=True)], lr=0.1), 0.1)),
        Case("L1Prox(...).add_param_group(group)", "l1reg", "-1",
             lambda: L1Prox(sgd(), 0.1).add_param_group({"params": [torch.zeros(1, requires_grad=True)],
                                                         "l1reg": -1.0})),
        Case("networks.Method(name, lr, momentum, ...)", "lr", "0", lambda: Method("gd", 0.0)),
        Case("networks.Method(name, lr, momentum, ...)", "momentum", "1", lambda: Method("gd", 0.1, 1.0)),
        Case("networks.Method(name, lr, ..., l1, shrink)", "l1", "-0.001", lambda: Method("lasso", 0.1, l1=-1e-3)),
        Case("networks.RELU.with_(model)", "model", "'cnn'", lambda: RELU.with_(model="cnn")),
        Case("networks.RELU.with_(dim)", "dim", "0", lambda: RELU.with_(dim=0)),
        Case("networks.TWO_LAYER.with_(n_sets)", "n_sets", "2.5", lambda: TWO_LAYER.with_(n_sets=2.5)),
        Case("networks.TWO_LAYER.with_(seed)", "seed", "18446744073709551616", lambda: TWO_LAYER.with_(seed=2**64)),
        Case("networks.TWO_LAYER.with_(dtype)", "dtype", "torch.float16", lambda: TWO_LAYER.with_(dtype=torch.float16)),
        Case("networks.TWO_LAYER.with_(device)", "device", "'tpu'", lambda: TWO_LAYER.with_(device="tpu")),
        Case("lasso.solve_lasso(X, teacher, lam, lam_max)", "lam", "-1",
             lambda: solve_lasso(eye, torch.ones(1, 3, dtype=torch.float64), -1.0, ones2[:1])),
    ]


def _cli(*args: str) -> Callable[[], str]:
    def run() -> str:
        import os
        import tempfile

        from click.testing import CliRunner

        from gentoys.checks.cli import main

        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as scratch:  # the bad paths the cases name, by the same relative names
            os.chdir(scratch)
            try:
                Path("target.json").write_text("{}\n")
                Path("link.json").symlink_to("target.json")
                os.mkfifo("fifo")
                Path("folder").mkdir()
                Path("plain").write_text("a plain file\n")
                result = CliRunner().invoke(main, list(args))
            finally:
                os.chdir(cwd)
        if result.exit_code != 2:
            raise NoError(f"gentoys {' '.join(args)} exited {result.exit_code}, not 2 (a usage error)")
        lines = [ln for ln in result.output.splitlines() if ln.lower().startswith("error:")]
        return lines[0][len("Error:"):].strip() if lines else result.output.strip()

    return run


def _cli_cases() -> list[Case]:
    return [
        Case(f"gentoys {shlex.join(args)}", param, bad, _cli(*args), kind="cli")
        for args, param, bad in [
            (("verify", "--profile", "slow"), "--profile", "'slow'"),
            (("verify", "--device", "tpu"), "--device", "'tpu'"),
            (("verify", "--seed", "-1"), "--seed", "-1"),
            (("verify", "--seed", "1.5"), "--seed", "'1.5'"),
            (("verify", "--seed", str(2**64)), "--seed", str(2**64)),
            (("verify", "--only", "no_such_claim"), "--only", "'no_such_claim'"),
            (("verify", "--json", ""), "--json", "''"),
            (("verify", "--json", "-"), "--json", "'-'"),
            (("verify", "--json", "newdir/"), "--json", "'newdir/'"),
            (("verify", "--json", "link.json"), "--json", "'link.json'"),
            (("verify", "--json", "fifo"), "--json", "'fifo'"),
            (("verify", "--json", "folder"), "--json", "'folder'"),
            (("verify", "--json", "plain/report.json"), "--json", "'plain'"),
            (("verify", "--json", "/proc/report.json"), "--json", "'/proc/report.json'"),
            (("derive", "--out", ""), "--out", "''"),
            (("derive", "--out", "fifo"), "--out", "'fifo'"),
            (("figures", "--out", ""), "--out", "''"),
            (("figures", "--out", "fifo"), "--out", "'fifo'"),
            (("figures", "--out", "plain"), "--out", "'plain'"),
            (("figures", "--out", "link.json"), "--out", "'link.json'"),
            (("figures", "--seed", str(2**64)), "--seed", str(2**64)),
            (("bench", "--json", "folder"), "--json", "'folder'"),
            (("verify", "--threads", "0"), "--threads", "0"),
            (("figures", "--profile", "huge"), "--profile", "'huge'"),
            (("figures", "--seed", "-3"), "--seed", "-3"),
            (("figures", "--device", "gpu"), "--device", "'gpu'"),
            (("bench", "--sets", "0"), "--sets", "0"),
            (("bench", "--sets", "2.5"), "--sets", "'2.5'"),
            (("bench", "--device", "tpu"), "--device", "'tpu'"),
            (("bench", "--threads", "0"), "--threads", "0"),
            (("report", "--from", "no-such-report.json"), "--from", "no-such-report.json"),
            (("report", "--from", "pyproject.toml"), "--from", "pyproject.toml"),
            (("report", "--profile", "huge"), "--profile", "'huge'"),
            (("sweep", "nope"), "sweep", "'nope'"),
            (("sweep", "finite_size", "--grid", "q=0.5"), "--grid", "'q'"),
            (("sweep", "ridge_correction", "--grid", "q=0:1"), "--grid", "'q=0:1'"),
            (("sweep", "ridge_correction", "--grid", "D=10:x:3"), "--grid", "'D=10:x:3'"),
            (("sweep", "ridge_correction", "--workers", "0"), "--workers", "0"),
            (("sweep", "ridge_correction", "--grid", "q=abc"), "--grid q=abc", "'abc'"),
            (("sweep", "ridge_correction", "--grid", "q=0.5,1.5"), "--grid q=0.5,1.5", "1.5"),
            (("sweep", "ridge_correction", "--grid", "D=40.5"), "--grid D=40.5", "40.5"),
            (("sweep", "finite_size", "--grid", "method=sgd"), "--grid method=sgd", "'sgd'"),
            (("sweep", "ridge_correction", "--seed", str(2**64)), "--seed", str(2**64)),
            (("sweep", "ridge_correction", "--scheduler", "bad://x"), "--scheduler", "'bad'"),
            (("sweep", "ridge_correction", "--scheduler", "tcp://host"), "--scheduler", "'tcp://host'"),
            (("sweep", "ridge_correction", "--connect-timeout", "0"), "--connect-timeout", "0"),
            (("sweep", "ridge_correction", "--out", "fifo"), "--out", "'fifo'"),
        ]
    ]


def cases() -> list[Case]:
    return _theory_cases() + _sim_cases() + _cli_cases()


def message(case: Case) -> str:
    """The message ``case`` raises (for the CLI: click's error line); NoError when it raises nothing."""
    if case.kind == "cli":
        return case.run()
    try:
        case.run()
    except (ValueError, TypeError) as exc:
        return str(exc)
    raise NoError(f"{case.call} with {case.param}={case.bad} raised nothing")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    lines = [
        "# Input errors",
        "",
        "Generated by `tools/errors.py` from the messages the code actually raises "
        "(`gentoys errors` rewrites it, `--check` compares); do not edit by hand.",
        "",
        "Every public function of `theory/` and `sim/` and every CLI option checks its domain and names the "
        "parameter, the value and the allowed range. Python calls raise `ValueError` (`TypeError` for a wrong "
        "number of arguments, and for an input of the wrong type: a string, a bool, a complex number, None; that "
        "error is a `ValueError` too); the CLI exits 2 with one `Error:` (click's usage error) or `error:` line, "
        "before any work starts.",
        "",
        "| call | parameter | bad input | message |",
        "|---|---|---|---|",
    ]
    for case in cases():
        lines.append(f"| `{_cell(case.call)}` | `{case.param}` | `{_cell(case.bad)}` | {_cell(message(case))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from gentoys.checks.outputs.files import write_atomic

    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else None
        if current != text:
            print(f"{DOC_PATH.absolute()} is stale: run `gentoys errors` and commit it", file=sys.stderr)
            return 1
        print(f"{DOC_PATH.absolute()} is current")
        return 0
    write_atomic(DOC_PATH, text)
    print(f"wrote {DOC_PATH.absolute()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
