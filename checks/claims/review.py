"""Group G: statements of the seed added on review.

The caption's sparsity, flat directions and the convergence rate, the L1 strength the network examples
actually apply, the ridge plateau's growth with λ, slow learning as λ → 0, and the figure's hand-typed 3 %.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch
from sklearn.linear_model import ElasticNet, Lasso

from gentoys.checks.claims import seed
from gentoys.checks.evidence.numerics import best_gd_step, mp_average, sampled_spectra
from gentoys.checks.evidence.runs import describe, linear_run, network_run
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.compare import close, mean_se, within_tolerance
from gentoys.checks.framework.judging import against_seed_all, cross_check, decided, judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.checks.framework.text import math_text
from gentoys.sim import networks
from gentoys.sim.linear import LinearSetting, draw_problem
from gentoys.sim.spectra import GramSample
from gentoys.theory import gradient_flow as gf
from gentoys.theory import mp_limits as mpl
from gentoys.theory import tuning as tn
from gentoys.theory import two_layer
from gentoys.theory.core.domain import RATIO, validate_int
from gentoys.theory.core.symbols import beta, h, lam, lam_max, lam_min, q
from gentoys.theory.curves import Hyper, expected_curves, mp_nodes
from gentoys.theory.iterates import derive as iterates
from gentoys.theory.marchenko_pastur import mp_edges
from gentoys.theory.ridge import correction_at_lambda_R

_EDGES = ((lam_min, 0.05, 1.0), (lam_max, 1.5, 6.0), (lam, 0.01, 1.0))


def _pct(x: float, digits: int = 3) -> str:
    return f"{100 * x:.{digits}f} %"


# -- sparse_caption_fraction -----------------------------------------------------------------------------------

_D, _d = sp.symbols("D d", positive=True)


def zero_share() -> sp.Expr:
    """Share of zero entries of a teacher supported on d of D coordinates, at the text's D and d."""
    share = (_D - _d) / _D  # the D - d padded coordinates over all D
    return share.subs({_D: seed.sparse_text_support["dim"], _d: seed.sparse_text_support["d"]})


SPARSE_CAPTION = SeedStatement(
    "The figure of the sparse example calls the sparse teacher 70 % sparse; the text builds that teacher as a unit "
    "vector on d = 400 of the D = 1000 coordinates, padded with zeros.",
    "Toy Examples, First example: sparse linear regression (the figure's caption)",
    (SeedFormula("share of the sparse teacher's entries that are zero", lambda: seed.sparse_caption_zero_share,
                 zero_share, ()),),
    reading="'x % sparse' means x % of the teacher's entries are zero: the text calls the zero-padded teacher "
            "sparse, and fixes d = 400, D = 1000 (the notebook: the first 400 coordinates, zeros on the other 600)")


@claim("sparse_caption_fraction", "G", "S", SPARSE_CAPTION)
def sparse_caption_fraction(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, SPARSE_CAPTION)
    dim, d = seed.sparse_text_support["dim"], seed.sparse_text_support["d"]
    teacher, _, _ = draw_problem(LinearSetting(dim=dim, q=0.05, n_sets=1, teacher="sparse", sparse_dim=d,
                                               seed=ctx.seed, dtype=torch.float64))
    drawn = float((teacher == 0).double().mean())
    ev.numbers["zero_share_of_the_simulated_sparse_teacher"] = drawn
    derived, caption = float(zero_share()), float(seed.sparse_caption_zero_share)
    density = 1 - derived
    readings = [Reading("70 % of the entries are non-zero", "erratum",
                        f"the text's teacher has {density:.0%} non-zero entries, not {caption:.0%}")]
    return judged(ok and abs(drawn - caption) < 1e-12, [ev],
                  f"zeros: text d = {d} of D = {dim} → {derived:.0%}, caption {caption:.0%} (simulated teacher "
                  f"{drawn:.0%})",
                  f"The sparse teacher of the example (d = {d} non-zero coordinates of D = {dim}) is {derived:.0%} "
                  f"sparse ({derived:.0%} of its entries zero, {density:.0%} non-zero), not {caption:.0%}; "
                  f"{caption:.0%} is the example's q = N_tr/D. The comparison the caption describes (lasso far ahead "
                  f"on the sparse teacher, ridge ahead on the random one) is the one run at d = 0.4 D "
                  f"(lasso_wins_sparse, ridge_wins_random)", readings=readings, conclusion_stands=True)


# -- null_modes_rate ----------------------------------------------------------------------------------------------

def _mode_factor() -> tuple[sp.Expr, sp.Symbol]:
    """One GD step's factor on a mode, from the solved per-mode recurrence (theory.iterates): e_1 / e_0."""
    d = iterates()
    hh = next(s for s in d.gd_solution.free_symbols if s.name == "h_\\lambda")
    s0 = next(s for s in d.gd_solution.free_symbols if s.name == "S_0")
    n = next(s for s in d.gd_solution.free_symbols if s.name == "n")
    return sp.simplify(d.gd_solution.subs(n, 1) / s0), hh


def null_mode_factor_ridge() -> sp.Expr:
    """The factor of a flat direction of Σ_tr (curvature h = 0, so h + λ = λ) at the optimal ridge step."""
    factor, hh = _mode_factor()
    return sp.simplify(factor.subs(hh, lam).subs(sp.Symbol("eta", positive=True), tn.eta_gd_ridge.expr))


def rate_ridge_without_null_modes() -> sp.Expr:
    """The optimal ridge factor if the flat directions were left out: curvatures [λ_min + λ, λ_max + λ]."""
    return sp.simplify(tn.rate_gd.expr.subs({lam_min: lam_min + lam, lam_max: lam_max + lam}, simultaneous=True))


NULL_MODES = SeedStatement(
    "The convergence rate depends on the largest and smallest non-vanishing eigenvalues of the Hessian (Σ_tr, or "
    "Σ_tr + λI with ridge); vanishing eigenvalues belong to flat directions that do not learn, so they do not "
    "affect the rate.", "Numerics",
    (SeedFormula("GD: optimal factor over the non-vanishing curvatures [λ_min, λ_max]", lambda: seed.null_modes_rate_gd,
                 lambda: tn.rate_gd, _EDGES),
     SeedFormula("ridge: factor of a flat direction of Σ_tr (Hessian eigenvalue λ) at the optimal step η_λ",
                 lambda: seed.null_modes_rate_ridge, null_mode_factor_ridge, _EDGES)),
    reading="the vanishing eigenvalues are the Hessian's: Σ_tr's without ridge; with ridge the Hessian Σ_tr + λI has "
            "none, its smallest eigenvalue λ belongs to Σ_tr's flat directions, and the seed's η_λ and R_λ take it as "
            "the smallest curvature")


def _sampled_null_modes(ctx: Context) -> tuple[Evidence, dict]:
    """Per sampled set (its own λ_R): the optimal ridge factor with and without the flat directions, by direct
    minimization of the worst factor, against the closed forms; and the step ratio the flat directions cost."""
    numbers, agree, summary = {}, True, {}
    for qv in ctx.profile.ratios:
        gram, ev = sampled_spectra(ctx, qv)
        with_, without, ratio = [], [], []
        for spectrum in ev[: min(len(ev), 12)]:  # 12 sets: each a few bounded 1-d minimizations
            lo, hi = float(spectrum[0]), float(spectrum[-1])
            lr = float(tn.lambda_R(lo, hi))
            direct_with = best_gd_step(lr, hi + lr)[1]  # curvatures: λ (flat directions) ... λ_max + λ
            direct_without = best_gd_step(lo + lr, hi + lr)[1]
            closed_with = float(tn.rate_gd_ridge(hi, lr))
            closed_without = float(tn.rate_gd(lo + lr, hi + lr))
            agree &= close(direct_with, closed_with, 1e-6) and close(direct_without, closed_without, 1e-6)
            with_.append(closed_with)
            without.append(closed_without)
            ratio.append(math.log(closed_without) / math.log(closed_with))
        gd_frozen = best_gd_step(1e-300, float(ev[0, -1]))[1]  # a zero curvature: no step moves it
        m, se = mean_se(ratio)
        numbers[f"q={qv}"] = {"R_lambda_with_flat": float(np.mean(with_)), "R_without_flat": float(np.mean(without)),
                              "steps_with_over_without": {"mean": m, "se": se, "n": len(ratio)},
                              "gd_worst_factor_if_a_zero_curvature_counted": gd_frozen}
        summary[qv] = (float(np.mean(with_)), float(np.mean(without)), m, se, gram.dim)
    ev = Evidence("N", f"sampled Σ_tr (D = {ctx.profile.dim}, 12 sets per q, each tuned with its own λ_R): bounded "
                  "Brent minimization over η of the worst factor |1 − η c| on a 4001-point grid of curvatures c, "
                  "with the flat directions (c = λ) and without them (c ≥ λ_min + λ), against the closed forms "
                  "R_λ and R₀(λ_min + λ, λ_max + λ); agreement to 1e-6", numbers, agrees=agree)
    return ev, summary


def _null_decay_measured(run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From a trained linear run: per set, GD's flat-direction movement ‖P₀(S_T − S₀)‖² / ‖S_T − S₀‖², the ridge
    run's per-step factor on the flat directions (‖P₀S_T‖ / ‖P₀S₀‖)^(1/T), and 1 − ηλ of that set's tuning."""
    gram = GramSample(run.X.double())
    T = run.setting.epochs
    g, r = run.method_index("gd"), run.method_index("ridge")
    moved_delta = run.student[:, g].double() - run.init.double()
    moved = (gram.null_projection_norm2(moved_delta) / (moved_delta * moved_delta).sum(-1)).abs().cpu().numpy()
    p0_final = gram.null_projection_norm2(run.student[:, r].double()).cpu().numpy()
    p0_init = gram.null_projection_norm2(run.init.double()).cpu().numpy()
    factor = (np.sqrt(p0_final / p0_init)) ** (1.0 / T)
    predicted = (1 - run.hyper.eta[:, r, 0] * run.hyper.lam[:, r, 0]).double().cpu().numpy()
    return moved, factor, predicted


#: float64 training: each step rounds at ~1e-16 relative, so the T-th root of a norm ratio is exact to ~1e-14;
#: 1e-10 leaves four orders of magnitude and is still 1e-7 of the smallest gap 1 − R_λ probed
FLOAT64_FACTOR_TOLERANCE = 1e-10


@claim("null_modes_rate", "G", "S N M", NULL_MODES)
def null_modes_rate(ctx: Context) -> Outcome:
    (ev_gd, ev_ridge), ok = against_seed_all(ctx, NULL_MODES)
    factor, hh = _mode_factor()
    eta_sym = sp.Symbol("eta", positive=True)
    frozen = sp.simplify(factor.subs(hh, 0)) == 1  # GD, h = 0: the factor is 1 whatever η
    top = sp.simplify(sp.Abs(factor.subs(hh, lam_max + lam).subs(eta_sym, tn.eta_gd_ridge.expr)))
    tie = sp.simplify(top - null_mode_factor_ridge()) == 0
    without = rate_ridge_without_null_modes()
    gap = sp.factor(sp.simplify(null_mode_factor_ridge() - without))
    ev_s = Evidence("S", "per-mode factor 1 − η(h + λ) from the solved recurrence: a flat direction (h = 0) without "
                    "ridge keeps its error for every η; with ridge it contracts by 1 − η_λλ, which at the optimal "
                    "η_λ equals R_λ and ties with the top mode, while leaving the flat directions out would give the "
                    "smaller factor R₀(λ_min + λ, λ_max + λ)",
                    {"mode_factor": math_text(factor), "gd_flat_factor_is_1": frozen, "flat_ties_top_mode": tie,
                     "without_flat_directions": math_text(without), "R_lambda_minus_that": math_text(gap)},
                    agrees=None)
    ev_n, sampled = _sampled_null_modes(ctx)
    run = linear_run(ctx)
    moved, measured, predicted = _null_decay_measured(run)
    cmp = within_tolerance(measured - predicted, 0.0, FLOAT64_FACTOR_TOLERANCE)
    ev_m = cross_check("M", f"trained GD and GD + ridge ({describe(run)}): GD's flat-direction share of S_T − S₀ "
                       f"(largest {moved.max():.1e}: it never moves); ridge: the measured per-step factor "
                       "(‖P₀S_T‖/‖P₀S₀‖)^(1/T) on the flat directions minus the set's 1 − η_λλ (= R_λ), paired "
                       f"per set, tolerance {FLOAT64_FACTOR_TOLERANCE:g} (float64 rounding)", cmp,
                       gd_flat_share_moved_max=float(moved.max()), ridge_flat_factor=float(measured.mean()),
                       predicted=float(predicted.mean()))
    holds = ok and frozen and bool(moved.max() < 1e-10)
    q0 = 0.7 if 0.7 in sampled else ctx.profile.ratios[-1]
    lo, hi = (float(v) for v in mp_edges(q0))
    lr = float(mpl.lambda_R(q0))
    r_with, r_without = float(tn.rate_gd_ridge(hi, lr)), float(tn.rate_gd(lo + lr, hi + lr))
    s_with, s_without, ratio, ratio_se, dim = sampled[q0]
    readings = [Reading(
        "the flat directions of Σ_tr never affect the rate, with ridge too", "refuted",
        f"with ridge, the flat directions (h = 0, the eigenvalue of Σ_tr) contract by 1 − η_λλ per step (e^(−λt) "
        f"in the flow): they are the slowest modes and set R_λ (tied with the top mode). At q = {q0:g} (MP, "
        f"λ = λ_R = {lr:.4f}) R_λ = {r_with:.4f}; without them the optimal factor would be {r_without:.4f}. Sampled "
        f"sets (D = {dim}, own λ_R): {s_with:.4f} against {s_without:.4f}, i.e. {ratio:.3f} times "
        f"the steps (± {ratio_se:.1g})")]
    return judged(holds, [ev_gd, ev_ridge, ev_s, ev_n, ev_m],
                  f"GD: flat directions frozen (moved ≤ {moved.max():.0e}); ridge: flat factor 1 − η_λλ = R_λ = "
                  f"{r_with:.4f} at q = {q0:g} (MP; {r_without:.4f} without them); trained, D = {run.setting.dim}, "
                  f"{run.setting.n_sets} sets, {run.setting.epochs} epochs: {measured.mean():.6f} vs "
                  f"{predicted.mean():.6f}",
                  lambda: (f"the rate of GD is set by the non-vanishing curvatures only if the flat directions do not "
                           f"move (largest moved share measured {moved.max():.1e}); with ridge R_λ = "
                           f"{math_text(tn.rate_gd_ridge.expr)} is the flat directions' own factor"),
                  readings=readings)


# -- network_l1_effective ------------------------------------------------------------------------------------------

def effective_strengths() -> tuple[sp.Expr, sp.Expr]:
    """(L1, L2) strengths of the problem whose stationary points the heavy-ball step + soft threshold λ₁ + shrink c
    has (theory.two_layer's derivation): g = −(1 − β)(λ₁ + c w) at a fixed point w > 0."""
    d = two_layer.derive()
    grad = d.effective_gradient
    w = next(s for s in grad.free_symbols if s.name == "w")
    return sp.factor(-grad.subs(w, 0)), sp.factor(-sp.diff(grad, w))


def _l1_symbols() -> tuple[sp.Symbol, sp.Symbol]:
    l1, l2 = effective_strengths()
    names = {s.name: s for s in l1.free_symbols | l2.free_symbols}
    return names["lambda_1"], names["c"]


def effective_l1() -> sp.Expr:
    return effective_strengths()[0]


NETWORK_L1 = SeedStatement(
    "The two network examples regularize with L1 strength 3.5e-4 (two-layer linear, SGD momentum 0.9) and 1e-3 "
    "(ReLU, momentum 0.5), applied as the soft threshold at lr·λ₁ after each SGD step (plus the shrink "
    "w ← w/(1 + lr·c), c = 0.1 and 0.05).",
    "Gradient descent with L1 regularization; the two network examples (settings in seed/NOTES.md)",
    (SeedFormula("L1 strength of the problem the iteration solves", lambda: seed.network_l1_strength, effective_l1,
                 ((beta, 0.0, 0.95), (sp.Symbol("lambda_1", real=True), 1e-4, 1e-2))),),
    reading="the L1 strength an example 'uses' is that of the problem its iteration converges to (the seed: the "
            "threshold step solves ℓ₀ + λ‖w‖₁ 'for whichever optimizer'); the shrink, which the text does not "
            "mention, is an extra L2 term reported beside")


def _run_update_rule(X: np.ndarray, y: np.ndarray, method: networks.Method, steps: int) -> np.ndarray:
    """The network examples' own update (sim.networks: heavy ball, soft threshold lr·l1, shrink) on the convex
    problem 1/(2n)‖Xw − y‖², float64, from w = 0."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64)
    buf = torch.zeros_like(w)
    for _ in range(steps):
        g = Xt.T @ (Xt @ w - yt) / len(y)
        buf.mul_(method.momentum).add_(g)
        networks._sgd_step(w, buf, method)
    return w.numpy()


def _elastic_net_kkt(X, y, w, l1: float, l2: float) -> float:
    """Largest violation of the stationarity conditions of 1/(2n)‖Xw − y‖² + l1‖w‖₁ + (l2/2)‖w‖²."""
    g = X.T @ (X @ w - y) / len(y) + l2 * w
    on = w != 0
    return float(np.concatenate([np.maximum(np.abs(g[~on]) - l1, 0), np.abs(g[on] + l1 * np.sign(w[on])), [0]]).max())


def _convex_route(ctx: Context, l1_of) -> tuple[Evidence, dict]:
    """Each example's update rule run to convergence on a convex regression, against scikit-learn's elastic net at
    the derived strengths and its lasso at the nominal one."""
    rng = np.random.default_rng(ctx.seed + 31)
    n, d = 80, 30  # n > d: well conditioned, so both momenta converge to rounding in a few thousand steps
    X = rng.normal(size=(n, d))
    w_true = np.where(rng.random(d) < 0.5, rng.normal(size=d), 0.0)
    y0 = X @ w_true + 0.1 * rng.normal(size=n)
    L = float(np.linalg.eigvalsh(X.T @ X / n).max())
    numbers, agree, shifts = {}, True, {}
    for name, cfg in seed.network_l1.items():
        b, l1, c = cfg["momentum"], cfg["l1"], cfg["shrink"]
        y = y0 * 2 * l1 / np.abs(X.T @ y0 / n).max()  # the nominal threshold then zeroes a fair share of w
        eff_l1, eff_l2 = l1_of(b, l1, c)
        alpha = eff_l1 + eff_l2
        target = ElasticNet(alpha=alpha, l1_ratio=eff_l1 / alpha, fit_intercept=False, tol=1e-14,
                            max_iter=500000).fit(X, y).coef_
        nominal = Lasso(alpha=l1, fit_intercept=False, tol=1e-14, max_iter=500000).fit(X, y).coef_
        lr = 0.5 * (1 - b) / L
        ran = _run_update_rule(X, y, networks.Method(name, lr, b, l1=l1, shrink=c), 20000)
        scale = float(np.abs(target).max())
        entry = {"effective_l1": eff_l1, "effective_l2": eff_l2,
                 "max_abs_to_elastic_net_at_derived_strengths": float(np.abs(ran - target).max()) / scale,
                 "max_abs_to_lasso_at_nominal_strength": float(np.abs(ran - nominal).max()) / scale,
                 "kkt_of_scikit_learn_solution": _elastic_net_kkt(X, y, target, eff_l1, eff_l2) / eff_l1,
                 "zeros_run": int((ran == 0).sum()), "zeros_elastic_net": int((target == 0).sum()),
                 "zeros_nominal_lasso": int((nominal == 0).sum())}
        agree &= (entry["max_abs_to_elastic_net_at_derived_strengths"] < 1e-6
                  and entry["kkt_of_scikit_learn_solution"] < 1e-6)
        shifts[name] = entry["max_abs_to_lasso_at_nominal_strength"]
        numbers[name] = entry
    return Evidence("N", f"each example's own update (momentum, soft threshold lr·λ₁, shrink) run to convergence "
                    f"(20000 steps, float64) on a {n} × {d} regression, against scikit-learn's elastic net at the "
                    "derived strengths (its KKT residual checked, relative to the L1 strength) and its lasso at the "
                    "nominal λ₁; distances relative to the largest weight; agreement to 1e-6", numbers,
                    agrees=agree), shifts


def _stationarity(run: networks.NetworkRun, method: str, l1: float, c: float) -> np.ndarray:
    """Per data set: k fitted by least squares in g = −k (λ₁ sign w + c w) over the non-zero weights of M and V,
    g the full-batch training gradient at the final weights (autograd); k = 1 − β at a fixed point of the
    momentum iteration, k = 1 for the problem the nominal strengths name."""
    s, p, j = run.setting, run.problem, run.method(method)
    M = run.M[j].double().clone().requires_grad_(True)
    V = run.V[j].double().clone().requires_grad_(True)
    X = p.X.double()
    prob = networks.Problem(X, p.M0.double(), p.V0.double(), tuple(t.double() for t in p.teacher))
    y = networks.targets(s, prob, X)
    out = networks.relu_net(X, M, V) if s.model == "relu" else networks.rowvec(networks.rowvec(V, M), X)
    loss = 0.5 * ((out - y) ** 2).sum()
    gM, gV = torch.autograd.grad(loss, (M, V))
    ks = []
    for i in range(s.n_sets):
        w = torch.cat([M[i].detach().ravel(), V[i].detach().ravel()])
        g = torch.cat([gM[i].ravel(), gV[i].ravel()])
        on = w != 0
        a = l1 * torch.sign(w[on]) + c * w[on]
        ks.append(float(-(g[on] * a).sum() / (a * a).sum()))
    return np.asarray(ks)


@claim("network_l1_effective", "G", "S N M", NETWORK_L1)
def network_l1_effective(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, NETWORK_L1)
    l1_expr, l2_expr = effective_strengths()
    l1_sym, c_sym = _l1_symbols()
    l1_of = lambda b, l1, c: (float(l1_expr.subs({beta: b, l1_sym: l1})),  # noqa: E731
                              float(l2_expr.subs({beta: b, c_sym: c})))
    eff = {name: l1_of(cfg["momentum"], cfg["l1"], cfg["shrink"]) for name, cfg in seed.network_l1.items()}
    ev.numbers["effective_l2"] = math_text(l2_expr)
    ev.numbers["at_the_examples"] = {k: {"l1": v[0], "l2": v[1]} for k, v in eff.items()}
    ev_n, shifts = _convex_route(ctx, l1_of)
    evidence, fits = [ev, ev_n], {}
    for model in ("two_layer", "relu"):
        cfg = seed.network_l1[model]
        run = network_run(ctx, model)
        k = _stationarity(run, "lasso", cfg["l1"], cfg["shrink"])
        b = cfg["momentum"]
        derived_k = eff[model][0] / cfg["l1"]  # the derived L1 strength over the nominal one: 1 − β
        # the check decides between two candidate values, 1 − β and 1 (the nominal problem): a quarter of their
        # gap, β/4, keeps the two bands disjoint, and absorbs a run that is near but not at its fixed point
        cmp = within_tolerance(k, derived_k, b / 4)
        fits[model] = (cmp, k)
        summary = (f"{model}: trained lasso ({describe(run)}), stationarity of the final weights: k in "
                   "g = −k(λ₁ sign w + c w) fitted over the non-zero weights per set (g the training gradient, "
                   f"λ₁ = {cfg['l1']:g}, c = {cfg['shrink']:g} the shrink), against the derived "
                   f"{derived_k:g} = 1 − β (tolerance β/4 = {b / 4:g}; the nominal problem has k = 1)")
        seed_epochs = (networks.TWO_LAYER if model == "two_layer" else networks.RELU).epochs
        if run.setting.epochs < seed_epochs:  # the derivation describes a fixed point; a short run is not at it
            evidence.append(Evidence("M", f"{summary}: {cmp.describe()}; not compared: {run.setting.epochs} epochs "
                                     f"of the seed's {seed_epochs} leave the weights short of the fixed point the "
                                     "derivation describes (a run of the seed's length decides)",
                                     {"comparison": cmp.as_dict()}, agrees=None, undecided=True))
        else:
            evidence.append(cross_check("M", summary, cmp, nominal_k=1.0))
    two, relu = eff["two_layer"], eff["relu"]
    key = (f"L1 solved: {two[0]:.2g} (two-layer, 3.5e-4 × (1 − 0.9)), {relu[0]:.2g} (ReLU, 1e-3 × (1 − 0.5)); "
           f"fitted k = {fits['two_layer'][0].mean:.3f} ± {fits['two_layer'][0].se:.3f} (target 0.1), "
           f"{fits['relu'][0].mean:.3f} ± {fits['relu'][0].se:.3f} (target 0.5); "
           f"D = {network_run(ctx, 'two_layer').setting.dim} and {network_run(ctx, 'relu').setting.dim}, "
           f"{ctx.profile.net_sets} sets each")
    correction = (f"A soft threshold at lr·λ₁ after heavy ball with momentum β converges to the stationary points of "
                  f"ℓ + (1 − β)λ₁‖w‖₁ + (1 − β)(c/2)‖w‖² (c the shrink): the two-layer example solves the L1 "
                  f"strength {two[0]:.2g} (not 3.5e-4) with an extra L2 strength {two[1]:.2g}, the ReLU example "
                  f"{relu[0]:.2g} (not 1e-3) with L2 {relu[1]:.2g}. The threshold lr·λ₁/(1 − β) "
                  f"(gentoys.sim.prox.L1Prox(..., scaling=\"momentum\")) would apply the named strengths. The "
                  f"examples' findings are measured on what was run, so they stand, at these strengths")
    return judged(ok, evidence, key, correction, conclusion_stands=True)


# -- gen_loss_increases_with_lambda ------------------------------------------------------------------------------

def plateau_slope() -> sp.Expr:
    """d/dλ of the Marchenko-Pastur ridge plateau per unit ‖T‖² (Eq. 2 averaged, theory.gradient_flow)."""
    return sp.simplify(sp.diff(gf.ridge_plateau.expr, lam))


def mode_slope() -> sp.Expr:
    """d/dλ of one mode's share of the ridge plateau, per unit T² (theory.gradient_flow's limit)."""
    T = next(s for s in gf.derive().ridge_mode_plateau.free_symbols if s.name == "T")
    return sp.factor(sp.diff(gf.derive().ridge_mode_plateau / T**2, lam))


GEN_LOSS_LAMBDA = SeedStatement(
    "From Eq. 2, the generalization loss (its t → ∞ plateau with ridge) increases with λ, which favours the smallest "
    "λ possible.", "Numerics",
    (SeedFormula("Eq. 2's mode term the statement reads off", lambda: seed.eq2_mode,
                 lambda: sp.simplify(gf.derive().ridge_mode_plateau / sp.Symbol("T", real=True) ** 2),
                 ((h, 0.0, 6.0), (lam, 1e-3, 2.0))),),
    reading="ℓ_gen is the t → ∞ plateau of Eq. 2 (with ridge it forgets S₀), averaged over data sets; 'increasing' "
            "is strict growth in λ > 0")

_LAMBDA_GRID = (1e-6, 1e-4, 1e-2, 0.1, 1.0, 10.0)


def _finite_time_gen_loss(qv: float, lams, epochs: int, s0_norm2: float) -> np.ndarray:
    """MP-averaged ℓ_gen after ``epochs`` GD + ridge steps at the optimal η_λ for each λ (theory.curves)."""
    x, w = mp_nodes(qv, 800)
    hi = float(mp_edges(qv)[1])
    return np.array([expected_curves(x, w, Hyper(float(tn.eta_gd_ridge(hi, lv)), 0.0, lv), epochs,
                                     s0_norm2=s0_norm2)[0][-1] for lv in lams])


@claim("gen_loss_increases_with_lambda", "G", "S N", GEN_LOSS_LAMBDA)
def gen_loss_increases_with_lambda(ctx: Context) -> Outcome:
    ([ev_eq2], ok_eq2) = against_seed_all(ctx, GEN_LOSS_LAMBDA)
    m_slope = mode_slope()
    mode_positive = bool(sp.simplify(m_slope.subs(h, sp.Symbol("h", positive=True))).is_positive)
    slope = plateau_slope()
    f_slope = sp.lambdify((q, lam), slope, "mpmath")
    small = sp.factor(sp.limit(slope / lam, lam, 0))
    ev_s = Evidence("S", "d/dλ of a mode's plateau λ²T²/(2(h + λ)²) is positive for every h > 0, so the average "
                    "(Eq. 2, Marchenko-Pastur) grows strictly; as λ → 0 its slope vanishes linearly (Eq. 3's O(λ²))",
                    {"mode_slope": math_text(m_slope), "mode_slope_positive_for_h_gt_0": mode_positive,
                     "plateau_slope_over_lambda_as_lambda_to_0": math_text(small)}, agrees=None)
    numbers, agree, positive, rising = {}, True, True, True
    for qv in ctx.profile.ratios:
        closed = [float(f_slope(qv, lv)) for lv in _LAMBDA_GRID]
        quad = [float(mp_average(qv, lambda x, lv=lv: lv * x / (lv + x) ** 3)) for lv in _LAMBDA_GRID]
        plateaus = [float(mp_average(qv, lambda x, lv=lv: lv**2 / (lv + x) ** 2 / 2)) for lv in _LAMBDA_GRID]
        agree &= all(close(a, b, 1e-8) for a, b in zip(closed, quad))
        positive &= all(v > 0 for v in quad)
        rising &= all(b > a for a, b in zip(plateaus, plateaus[1:]))
        numbers[f"q={qv}"] = {f"lambda={lv:g}": {"slope_closed_form": a, "slope_quadrature": b, "plateau": p}
                              for lv, a, b, p in zip(_LAMBDA_GRID, closed, quad, plateaus)}
    ev_n = Evidence("N", f"mpmath quadrature (30 digits) of ⟨λx/(λ + x)³⟩ over the MP law against the closed-form "
                    f"slope, and of the plateau itself, at λ = {', '.join(f'{v:g}' for v in _LAMBDA_GRID)}; "
                    "agreement to 1e-8 relative", numbers, agrees=agree)
    q_seed = float(seed.linear_example["q"])
    epochs = int(seed.linear_example["epochs"])
    lams = np.geomspace(1e-4, 1.0, 13)
    finite = _finite_time_gen_loss(q_seed, lams, epochs, s0_norm2=1 / q_seed)
    best = float(lams[int(np.argmin(finite))])
    holds = ok_eq2 and mode_positive and positive and rising
    readings = [Reading(
        f"ℓ_gen after the seed's {epochs} epochs (not the plateau)",
        "refuted" if np.any(np.diff(finite) < 0) else "confirmed",
        f"at q = {q_seed:g}, E‖S₀‖² = 1/q (the notebook's init), optimal η_λ, MP: ℓ_gen({epochs}) falls from "
        f"{finite[0]:.4f} at λ = 1e-4 to {finite.min():.4f} at λ ≈ {best:.2g}, then rises to {finite[-1]:.4f} at "
        f"λ = 1: small λ leaves the flat directions' share of S₀ undecayed in {epochs} epochs")]
    lr = float(mpl.lambda_R(q_seed))
    return judged(holds, [ev_eq2, ev_s, ev_n],
                  f"d/dλ plateau > 0 at every λ probed (q = {', '.join(map(str, ctx.profile.ratios))}); slope at "
                  f"λ_R({q_seed:g}) = {float(f_slope(q_seed, lr)):.4f}, at λ = 1e-6: "
                  f"{float(f_slope(q_seed, 1e-6)):.2e} (t → ∞, S₀-independent)",
                  lambda: f"the plateau's slope in λ is {math_text(slope)}, not positive everywhere",
                  readings=readings)


# -- small_lambda_slow -------------------------------------------------------------------------------------------

SMALL_LAMBDA = SeedStatement(
    "R_λ = (λ_max/λ)/(λ_max/λ + 2) shows that learning becomes very slow as λ → 0.", "Numerics",
    (SeedFormula("R_λ", lambda: seed.rate_ridge, lambda: tn.rate_gd_ridge, _EDGES),),
    reading="learning = the ridge iteration at its optimal step η_λ converging at the factor R_λ (the seed's "
            "'convergence rate R_λ above'); 'very slow' = R_λ → 1, steps to a given accuracy unbounded")

#: accuracy at which steps are counted: the largest mode error below EPS of its start
EPS = 1e-3
_SMALL_LAMBDAS = (1e-2, 1e-3, 1e-4)


def _steps_iterated(curvatures: np.ndarray, eta_values: np.ndarray, lam_value: float, eps: float,
                    block: int = 4096) -> np.ndarray:
    """Per set: the first step at which every mode's error |e_t| ≤ eps, iterating e ← (1 − η(h + λ)) e from e = 1.

    Every mode's |e_t| is |f|^t multiplied up step by step, and rounding is monotone, so the largest |e_t| is always
    the slowest mode's (largest |f|): that mode alone is iterated, ``block`` steps at a time by a running product
    (the same sequence of roundings as one multiplication per step)."""
    f = np.abs(1 - eta_values[:, None] * (curvatures + lam_value)).max(1)
    steps = np.zeros(len(f), dtype=int)
    for i, factor in enumerate(f):
        e, t = 1.0, 0
        while True:
            run = np.cumprod(np.concatenate([[e], np.full(block, factor)]))[1:]
            below = np.flatnonzero(run <= eps)
            if below.size:
                steps[i] = t + below[0] + 1
                break
            e, t = run[-1], t + block
            if t > 10**7:
                raise ArithmeticError("the iteration did not reach eps in 1e7 steps")
    return steps


@claim("small_lambda_slow", "G", "S N", SMALL_LAMBDA)
def small_lambda_slow(ctx: Context) -> Outcome:
    ([ev_r], ok_r) = against_seed_all(ctx, SMALL_LAMBDA)
    rate = tn.rate_gd_ridge.expr
    limit = sp.limit(rate, lam, 0, "+")
    k = sp.Symbol("k", positive=True)  # the accuracy ε = e^(−k), 0 < ε < 1
    steps_expr = -k / sp.log(rate)  # log ε / log R_λ
    leading = sp.simplify(sp.limit(steps_expr * lam, lam, 0, "+").subs(k, -sp.log(sp.Symbol("ε", positive=True))))
    ok_s = limit == seed.small_lambda_rate_limit and sp.limit(steps_expr * lam, lam, 0, "+").is_positive is True
    ev_s = Evidence("S", "R_λ → 1 as λ → 0, and the steps to reduce the error to ε, log ε / log R_λ, grow like 1/λ",
                    {"limit_R_lambda": math_text(limit), "steps_times_lambda_as_lambda_to_0": math_text(leading)},
                    agrees=None)
    qv = 0.7 if 0.7 in ctx.profile.ratios else ctx.profile.ratios[-1]
    gram, spectra = sampled_spectra(ctx, qv)
    curv = np.concatenate([np.zeros((len(spectra), 1)), spectra], axis=1)  # one flat direction stands for all
    hi = spectra[:, -1]
    counted, closed = {}, {}
    for lv in _SMALL_LAMBDAS:
        eta_v = tn.eta_gd_ridge(hi, lv)
        counted[lv] = _steps_iterated(curv, eta_v, lv, EPS)
        closed[lv] = np.ceil(np.log(EPS) / np.log(tn.rate_gd_ridge(hi, lv)) - 1e-9).astype(int)
    agree = all(np.all(np.abs(counted[lv] - closed[lv]) <= 1) for lv in _SMALL_LAMBDAS)
    slopes = np.log(counted[_SMALL_LAMBDAS[-1]] / counted[_SMALL_LAMBDAS[-2]]) / math.log(
        _SMALL_LAMBDAS[-1] / _SMALL_LAMBDAS[-2])
    # "grows like 1/λ": the exponent -1, to 1 %; the next order of log ε / log R_λ moves it by ~λ/λ_max ≈ 1e-4 here
    cmp = within_tolerance(slopes, -1.0, 0.01)
    ev_n = Evidence("N", f"{len(spectra)} sampled Σ_tr (D = {gram.dim}, q = {qv:g}): each mode's error iterated at "
                    f"the optimal η_λ until every mode (a flat one included) is below ε = {EPS:g} of its start, against "
                    f"⌈log ε / log R_λ⌉ (agreement: within one step); the exponent of the step count in λ between "
                    f"{_SMALL_LAMBDAS[-2]:g} and {_SMALL_LAMBDAS[-1]:g}: {cmp.describe()}",
                    {f"lambda={lv:g}": {"steps_iterated_mean": float(counted[lv].mean()),
                                         "steps_closed_form_mean": float(closed[lv].mean())} for lv in _SMALL_LAMBDAS}
                    | {"exponent": cmp.as_dict()}, agrees=agree)
    lo_mp, hi_mp = (float(v) for v in mp_edges(qv))
    lr = float(mpl.lambda_R(qv))
    tr_only = float(tn.rate_gd(lo_mp + 1e-4, hi_mp + 1e-4))
    readings = [Reading(
        "learning = ℓ_tr alone, with the step best for it", "refuted",
        f"ℓ_tr does not see the flat directions: with η = 2/(λ_min + λ_max + 2λ) (λ_min, λ_max the extreme non-zero "
        f"eigenvalues) its factor tends to R₀ = {float(mpl.rate_gd(qv)):.4f} as λ → 0 ({tr_only:.4f} at λ = 1e-4, "
        f"q = {qv:g}, MP, where R_λ = {float(tn.rate_gd_ridge(hi_mp, 1e-4)):.5f}); what slows down is the flat "
        "directions' decay, i.e. ℓ_gen's approach to its plateau")]
    holds = ok_r and ok_s and cmp.ok
    steps_at = {lv: float(counted[lv].mean()) for lv in _SMALL_LAMBDAS}
    key = (f"R_λ → {math_text(limit)}; steps to ε = {EPS:g} ≈ {math_text(leading / lam)}: "
           + ", ".join(f"{steps_at[lv]:.3g} at λ = {lv:g}" for lv in _SMALL_LAMBDAS)
           + f" (λ_R = {lr:.3g}); exponent {cmp.mean:.4f} (target −1 ± 0.01); D = {gram.dim}, {len(spectra)} sets"
           ).replace("exponent -", "exponent −")
    if cmp.decision == "undecided":
        return decided(cmp, [ev_r, ev_s, ev_n], key, "", readings=readings)
    return judged(holds, [ev_r, ev_s, ev_n], key,
                  lambda: f"R_λ tends to {math_text(limit)} as λ → 0 and the step count grows with exponent "
                          f"{cmp.mean:.3f} in λ", readings=readings)


# -- ridge_figure_factor -----------------------------------------------------------------------------------------

RIDGE_FIGURE = SeedStatement(
    "The first post's figure draws the ridge theory line at (1 − q)/2 × 1.03, as Eq. 3 with its finite-λ "
    "correction, for D = 1000, q = 0.7, λ = λ_R.",
    "Ridge regularization (the figure's caption) and seed/NOTES.md (the hand-typed 3 %)",
    reading="1.03 stands in for 1 + c, c the relative finite-λ correction to Eq. 3 at the figure's setting (q = 0.7, "
            "D = 1000, λ = λ_R per data set); a fair stand-in is one the figure cannot tell from the exact line: "
            "within the standard error of its own 100-set mean")


def figure_resolution(qv: float, dim: int, n_sets: int) -> float:
    """Relative standard error of the figure's mean plateau over ``n_sets`` data sets with one teacher.

    The plateau is ≈ ½‖P₀T‖² (1 + c); for a Haar null space of dimension D − N and a unit T, ‖P₀T‖² is
    Beta((D − N)/2, N/2): mean 1 − q, variance q(1 − q)/(D/2 + 1).
    """
    RATIO.validate("q", qv)
    validate_int("dim", dim)
    validate_int("n_sets", n_sets)
    return math.sqrt(qv / ((1 - qv) * (dim / 2 + 1))) / math.sqrt(n_sets)


@claim("ridge_figure_factor", "G", "S N", RIDGE_FIGURE)
def ridge_figure_factor(ctx: Context) -> Outcome:
    q_seed = sp.nsimplify(seed.linear_example["q"])
    dim = int(seed.linear_example["dim"])
    figure_sets = 100  # the figure's data sets (seed: "averaged over 100 randomly generated data sets")
    factor = float(seed.ridge_figure_factor)
    # the figure resolves its mean plateau to a relative s.e.; on the line (1 − q)/2 × (1 + c) that is ± s.e. × 1.03 in c
    tol = figure_resolution(float(q_seed), dim, figure_sets) * factor
    exact = sp.simplify(correction_at_lambda_R.expr.subs(q, q_seed))
    c_mp = float(sp.N(exact, 30))
    ev_s = Evidence("S", f"the exact correction at λ_R in the MP limit, c(q) from theory.ridge at q = {q_seed}, against "
                    f"the figure's {math_text(seed.ridge_figure_factor - 1)}",
                    {"c_exact": math_text(exact), "c_value": c_mp, "figure": factor - 1,
                     "gap": factor - 1 - c_mp, "tolerance": tol}, agrees=None)
    quad = float(mp_average(float(q_seed), lambda x: mpl.lambda_R(float(q_seed)) ** 2
                            / (mpl.lambda_R(float(q_seed)) + x) ** 2) / (1 - float(q_seed)) - 1)
    gram, spectra = sampled_spectra(ctx, float(q_seed), dim=dim)
    lo, hi = spectra[:, 0], spectra[:, -1]
    per_set_lam = tn.lambda_R(lo, hi)
    null = dim - spectra.shape[1]
    c_sets = ((per_set_lam[:, None] ** 2 / (per_set_lam[:, None] + spectra) ** 2).sum(1)) / null
    lam_mp = float(mpl.lambda_R(float(q_seed)))
    c_sets_mp = ((lam_mp**2 / (lam_mp + spectra) ** 2).sum(1)) / null
    cmp = within_tolerance(c_sets, factor - 1, tol)
    vs_mp = within_tolerance(c_sets_mp, c_mp, 5 / dim)  # finite-D allowance 5/D, as the ridge plateau checks
    teacher = torch.randn(gram.n_sets, dim, generator=torch.Generator().manual_seed(ctx.seed + 5), dtype=torch.float64)
    overlap = gram.null_projection_norm2(teacher / teacher.norm(dim=1, keepdim=True)).cpu().numpy()
    measured_res = float(overlap.std(ddof=1) / overlap.mean()) / math.sqrt(figure_sets)
    ev_n = [
        Evidence("N", f"mpmath quadrature of ⟨λ_R²/(λ_R + x)²⟩/(1 − q) − 1 over the MP law at q = {q_seed} against "
                 "the closed form", {"quadrature": quad, "closed_form": c_mp}, agrees=close(quad, c_mp, 1e-9)),
        cross_check("N", f"{len(spectra)} sampled Σ_tr at the seed's D = {dim}, q = {q_seed}, at the MP λ_R: the "
                    "per-set exact correction Σ λ²/(λ + x_i)²/(D − N) − 1 against the MP limit (finite-D allowance "
                    "5/D)", vs_mp),
        Evidence("N", f"the figure's case: the same per-set correction with each set's own λ_R (its extreme "
                 f"eigenvalues, as the notebook tunes): {cmp.describe()}; tolerance = the relative s.e. of a "
                 f"{figure_sets}-set mean plateau, from ‖P₀T‖² ~ Beta((D − N)/2, N/2): {tol:.4f} (measured on the "
                 f"sampled sets with random unit teachers: {measured_res:.4f})",
                 {"correction": cmp.as_dict(), "figure_resolution_derived": tol,
                  "figure_resolution_measured": measured_res}, agrees=None)]
    key = (f"1.03 vs 1 + c: c = {_pct(c_mp)} (MP, λ_R), {_pct(cmp.mean)} ± {_pct(cmp.se)} (D = {dim}, "
           f"{len(spectra)} sets, per-set λ_R); tolerance ± {_pct(tol, 2)} (the figure's 100-set resolution)")
    mp_inside = abs(factor - 1 - c_mp) < tol
    outcome = decided(cmp, [ev_s, *ev_n], key,
                      lambda: (f"at q = {q_seed}, λ = λ_R the finite-λ correction is {_pct(c_mp)} in the MP limit and "
                               f"{_pct(cmp.mean)} ± {_pct(cmp.se)} at D = {dim} with per-set λ_R: the line belongs at "
                               f"(1 − q)/2 × {1 + cmp.mean:.4f}, not × {factor:g}"),
                      readings=[Reading("1.03 against the MP limit", "confirmed" if mp_inside else "refuted",
                                        f"c(0.7) = {_pct(c_mp)}: 1.03 is off by {abs(factor - 1 - c_mp):.1e}, "
                                        f"{abs(factor - 1 - c_mp) / tol:.3f} of the figure's resolution")])
    return outcome
