"""Group D, beyond the seed: the lasso's generalization predicted by AMP state evolution.

Predictions come from ``theory.lasso``; the routes that test them are
quadrature (the closed forms), AMP and scikit-learn's coordinate descent on
finite instances (N), the torch lasso of ``sim.lasso`` (accelerated proximal gradient) on
independent (teacher, design) pairs at several D (M), and basis pursuit by
linear programming for the lam -> 0 limit.
"""
from __future__ import annotations

import math

import numpy as np

from gentoys.checks.evidence.lasso_runs import (SEED_DIM, SEED_LAMBDAS, SEED_Q, SEED_SPARSITY, amp_taus,
                                               basis_pursuit_recovers, finite_size_allowance, lam_at, lasso_sim,
                                               sklearn_on_run)
from gentoys.checks.evidence.numerics import soft_threshold_mse_quadrature
from gentoys.checks.framework.claim import Evidence, Outcome, SeedStatement
from gentoys.checks.framework.compare import close, within_errors
from gentoys.checks.framework.judging import judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.theory import lasso as th
from gentoys.theory.gradient_flow import ridge_plateau
from gentoys.theory.mp_limits import lambda_R

_WHERE = "beyond the seed: First example, sparse linear regression"
#: the torch solution counts as converged when its l_gen is this close (relative) to coordinate descent's
CONVERGED_GEN_GAP = 1e-3
#: (lam at D = 1000, sparsity) of the seed's setting: both penalties, sparse and random teacher
SETTINGS = tuple((lam, eps) for lam in SEED_LAMBDAS for eps in (SEED_SPARSITY, 1.0))


def _n_dim(ctx: Context) -> int:
    """The D of the instance-by-instance routes (AMP, coordinate descent): the profile's D closest to the seed's."""
    return min(ctx.profile.lasso_dims, key=lambda d: abs(d - SEED_DIM))


def _label(lam: float, eps: float) -> str:
    return f"lam={lam:g} (D=1000), eps={eps:g}"


def predict(lam: float, eps: float, q: float = SEED_Q) -> th.LassoRisk:
    """The state evolution at the seed's lam sqrt(D) (independent of D by construction); NaNs, which agree with
    no measurement, where the theory has no solution."""
    try:
        return th.lasso_risk(q, eps, lam, SEED_DIM)
    except ArithmeticError:
        nan = float("nan")
        return th.LassoRisk(nan, nan, nan, nan, lam * math.sqrt(SEED_DIM), nan)


def closed_form_evidence(ctx: Context) -> Evidence:
    """S: the SymPy closed form of the soft-threshold MSE against quadrature, at the predicted (alpha, tau)."""
    numbers, agree = {}, True
    for lam, eps in SETTINGS:
        r = predict(lam, eps)
        if not math.isfinite(r.alpha):
            numbers[_label(lam, eps)] = {"closed_form": None, "quadrature": None, "note": "no state-evolution solution"}
            agree = False
            continue
        closed = float(th.soft_threshold_mse(r.alpha, r.tau, eps))
        quad = soft_threshold_mse_quadrature(r.alpha, r.tau, eps)
        numbers[_label(lam, eps)] = {"closed_form": closed, "quadrature": quad}
        agree &= close(closed, quad, 1e-6)
    return Evidence("S", "SymPy's closed-form MSE of the soft threshold under the teacher's prior vs nested adaptive "
                    "quadrature of its definition, at each predicted (alpha, tau)", numbers, agrees=agree)


def _sim_table(ctx: Context, lam: float, eps: float, pick) -> tuple[dict, bool]:
    """Per D of the profile: mean +- se of ``pick(gen, support)`` vs the prediction; judged at the largest D."""
    target = pick(predict(lam, eps))
    rows = {}
    for dim in ctx.profile.lasso_dims:
        solution = lasso_sim(ctx, dim, SEED_Q, eps, lam_at(lam, dim)).lasso
        measured = (solution.gen_loss.cpu().numpy(), solution.support_fraction.cpu().numpy())
        cmp = within_errors(pick(measured), target, finite_size_allowance(target, dim))
        rows[f"D={dim}"] = cmp.as_dict()
    return rows, cmp.ok


def _gen(x):
    return x.gen_loss if isinstance(x, th.LassoRisk) else x[0]


def _support(x):
    return x.support_fraction if isinstance(x, th.LassoRisk) else x[1]


@claim("lasso_state_evolution", "D", "S N M", SeedStatement(
    "The converged lasso's generalization error equals the AMP state-evolution prediction (seed's D=1000, q=0.7, "
    "d=400, at both of its lasso penalties, and for the random teacher).", _WHERE))
def lasso_state_evolution(ctx: Context) -> Outcome:
    evidence = [closed_form_evidence(ctx)]
    dim, n, top = _n_dim(ctx), min(ctx.profile.lasso_sets, 8), max(ctx.profile.lasso_dims)
    amp_numbers, amp_ok, sk_numbers, sk_ok, m_numbers, m_ok = {}, True, {}, True, {}, True
    for lam, eps in SETTINGS:
        r = predict(lam, eps)
        label = _label(lam, eps)
        run = lasso_sim(ctx, dim, SEED_Q, eps, lam_at(lam, dim))
        taus = amp_taus(run, r.alpha, n)[0] if math.isfinite(r.alpha) else np.full(n, np.nan)
        cmp = within_errors(taus, r.tau, finite_size_allowance(r.tau, dim))
        amp_numbers[label] = {"amp_tau": cmp.as_dict(), "state_evolution_tau": r.tau}
        amp_ok &= cmp.ok
        gens, _, to_torch = sklearn_on_run(run, lam_at(lam, dim), n)
        cmp = within_errors(gens, r.gen_loss, finite_size_allowance(r.gen_loss, dim))
        sk_numbers[label] = {"coordinate_descent_gen": cmp.as_dict(), "torch_solution": to_torch}
        sk_ok &= cmp.ok and to_torch["max_relative_gen_gap"] < CONVERGED_GEN_GAP
        rows, ok = _sim_table(ctx, lam, eps, _gen)
        m_numbers[label] = {"predicted_gen": r.gen_loss, "alpha": r.alpha, "tau": r.tau, "by_dim": rows}
        m_ok &= ok
    evidence.append(Evidence("N", f"AMP at the predicted alpha on {n} instances at D={dim} (lam sqrt(D) fixed): "
                             "its tau_t after 300 iterations vs the state-evolution fixed point", amp_numbers,
                             agrees=amp_ok))
    evidence.append(Evidence("N", f"scikit-learn coordinate descent at the same lam on {n} instances at D={dim}: "
                             "mean l_gen vs the prediction; the torch solution's l_gen within a relative "
                             f"{CONVERGED_GEN_GAP:g} of its own (the proximal gradient has converged for what M "
                             "measures; the distance between the solutions is reported)", sk_numbers, agrees=sk_ok))
    evidence.append(Evidence("M", f"torch lasso (accelerated proximal gradient to KKT violation < "
                             f"{ctx.profile.lasso_tol:g} lam), {ctx.profile.lasso_sets} independent "
                             f"(teacher, design) pairs per D, lam = lam_seed "
                             "sqrt(1000/D); judged at the largest D within 4 s.e. + a relative allowance D^-1/2",
                             m_numbers, agrees=m_ok))
    key = ", ".join(f"{_label(lam, eps)}: {predict(lam, eps).gen_loss:.4f} vs "
                    f"{m_numbers[_label(lam, eps)]['by_dim'][f'D={top}']['mean']:.4f}" for lam, eps in SETTINGS)
    worst = max(SETTINGS, key=lambda s: m_numbers[_label(*s)]["by_dim"][f"D={top}"]["z"])
    w = m_numbers[_label(*worst)]["by_dim"][f"D={top}"]
    return judged(m_ok, evidence, key, correction=(
        f"at {_label(*worst)} the measured l_gen {w['mean']:.4g} +- {w['se']:.2g} (D={top}) differs from the "
        f"state evolution's {w['target']:.4g} beyond the allowance {w['allowance']:.2g}"))


@claim("lasso_support_fraction", "D", "N M", SeedStatement(
    "The share of non-zero coordinates of the lasso solution equals the prediction <eta'> (same settings).", _WHERE))
def lasso_support_fraction(ctx: Context) -> Outcome:
    dim, n, top = _n_dim(ctx), min(ctx.profile.lasso_sets, 8), max(ctx.profile.lasso_dims)
    sk_numbers, sk_ok, m_numbers, m_ok = {}, True, {}, True
    for lam, eps in SETTINGS:
        r = predict(lam, eps)
        label = _label(lam, eps)
        run = lasso_sim(ctx, dim, SEED_Q, eps, lam_at(lam, dim))
        _, supports, _ = sklearn_on_run(run, lam_at(lam, dim), n)
        cmp = within_errors(supports, r.support_fraction, finite_size_allowance(r.support_fraction, dim))
        sk_numbers[label] = cmp.as_dict()
        sk_ok &= cmp.ok
        rows, ok = _sim_table(ctx, lam, eps, _support)
        m_numbers[label] = {"predicted_support": r.support_fraction, "by_dim": rows}
        m_ok &= ok
    ev_n = Evidence("N", f"support share of scikit-learn's coordinate-descent solution, {n} instances at D={dim}",
                    sk_numbers, agrees=sk_ok)
    ev_m = Evidence("M", "support share of the torch lasso solution per D, judged at the largest D "
                    "within 4 s.e. + relative allowance D^-1/2", m_numbers, agrees=m_ok)
    key = ", ".join(f"{_label(lam, eps)}: {predict(lam, eps).support_fraction:.3f} vs "
                    f"{m_numbers[_label(lam, eps)]['by_dim'][f'D={top}']['mean']:.3f}" for lam, eps in SETTINGS)
    worst = max(SETTINGS, key=lambda s: m_numbers[_label(*s)]["by_dim"][f"D={top}"]["z"])
    w = m_numbers[_label(*worst)]["by_dim"][f"D={top}"]
    return judged(m_ok, [ev_n, ev_m], key, correction=(
        f"at {_label(*worst)} the measured support share {w['mean']:.4g} +- {w['se']:.2g} differs from the "
        f"predicted {w['target']:.4g}"))


def _recovery_points(q_dt: float) -> dict[str, float]:
    """q well below the line, the seed's q, and two q well above (when they fit in (0, 1))."""
    return {"below": max(q_dt - 0.2, 0.1), "seed": SEED_Q, "above": min(q_dt + 0.15, 0.98)}


@claim("lasso_exact_recovery", "D", "S N", SeedStatement(
    "As lam -> 0 the noiseless lasso recovers the eps-sparse teacher exactly iff q exceeds the Donoho-Tanner "
    "line; at eps=0.4 on both sides of it, and the seed's example's side.", _WHERE))
def lasso_exact_recovery(ctx: Context) -> Outcome:
    from scipy import optimize

    eps = SEED_SPARSITY
    q_dt = th.donoho_tanner(eps)
    # S: the parametric line against a direct minimization of the minimax risk M(alpha) at this eps
    direct = optimize.minimize_scalar(lambda a: float(th.minimax_risk(a, eps)), bounds=(1e-3, 6.0), method="bounded",
                                      options={"xatol": 1e-12}).fun
    ev_s = Evidence("S", "q_DT(eps) from the SymPy parametric form vs direct minimization of M(alpha) over alpha",
                    {"parametric": q_dt, "direct_minimum": float(direct), "rho_at_q=0.5":
                     th.donoho_tanner_sparsity(0.5) / 0.5}, agrees=close(q_dt, float(direct), 1e-8))
    dim, n = ctx.profile.recovery_dim, ctx.profile.lasso_sets
    numbers, holds = {}, True
    for name, q_value in _recovery_points(q_dt).items():
        hits = np.array([basis_pursuit_recovers(dim, q_value, eps, ctx.seed + 1000 * i + dim) for i in range(n)],
                        dtype=float)
        rate, se = float(hits.mean()), float(math.sqrt(max(hits.mean() * (1 - hits.mean()), 1 / n) / n))
        predicted = q_value > q_dt
        numbers[name] = {"q": q_value, "predicted_recovery": predicted, "recovered_share": rate, "se": se}
        if name != "seed":  # the seed's q sits 0.05 from the line, inside the finite-D transition width
            holds &= (rate > 0.5) == predicted
    ev_n = Evidence("N", f"basis pursuit (min ||x||_1 s.t. Ax = Ax0, the lam -> 0 lasso) by linear programming, "
                    f"{n} instances per q at D={dim}; recovery = relative error below 1e-4; judged by majority on "
                    "each side of the line", numbers, agrees=holds)
    side = "above" if SEED_Q > q_dt else "below"
    key = (f"q_DT(0.4) = {q_dt:.4f}; seed's q = {SEED_Q} lies {side} the line (rho = eps/q = {eps / SEED_Q:.3f} "
           f"vs rho_DT = {eps / q_dt:.3f})")
    return judged(holds, [ev_s, ev_n], key, correction=(
        f"basis pursuit at D={dim} recovered {numbers['below']['recovered_share']:.2f} of instances below the line "
        f"(q={numbers['below']['q']:.3f}) and {numbers['above']['recovered_share']:.2f} above "
        f"(q={numbers['above']['q']:.3f}), against the predicted switch at q={q_dt:.4f}"))


def ridge_prediction(q: float) -> float:
    """Ridge's plateau at lambda_R(q) per unit ||T||^2 (teacher-direction invariant: the same for any eps)."""
    return float(ridge_plateau(q, lambda_R(q)))


def log_ratio(q: float, eps: float, lam_bm: float) -> float:
    """Predicted log(l_lasso / l_ridge) at lam sqrt(D) = lam_bm and ridge at lambda_R(q)."""
    return math.log(th.lasso_risk(q, eps, lam_bm, 1).gen_loss / ridge_prediction(q))


#: (q, eps) probed on each side of the boundary at the seed's larger penalty
BOUNDARY_POINTS = ((0.7, 0.2), (0.5, 0.2), (0.9, 0.4), (0.7, 1.0), (0.3, 0.8), (0.9, 0.8))
#: a point's measured side counts when the paired difference is this many standard errors from zero
BOUNDARY_N_SE = 3.0


@claim("lasso_ridge_boundary", "D", "N M", SeedStatement(
    "The predicted boundary in (q, eps) between 'lasso beats ridge' and 'ridge beats lasso' holds in simulation "
    "at >= 3 points on each side.", _WHERE))
def lasso_ridge_boundary(ctx: Context) -> Outcome:
    dim = ctx.profile.boundary_dim
    lam_seed = SEED_LAMBDAS[0]
    lam_bm = lam_seed * math.sqrt(SEED_DIM)
    numbers, holds, sides = {}, True, {True: 0, False: 0}
    for q_value, eps in BOUNDARY_POINTS:
        predicted = log_ratio(q_value, eps, lam_bm)
        run = lasso_sim(ctx, dim, q_value, eps, lam_at(lam_seed, dim), with_ridge=True)
        lasso_gen, ridge_gen = run.lasso.gen_loss.cpu().numpy(), run.ridge_gen
        cmp = within_errors(lasso_gen - ridge_gen, 0.0, n_se=BOUNDARY_N_SE)
        agrees = cmp.below if predicted < 0 else cmp.above
        numbers[f"q={q_value:g}, eps={eps:g}"] = {"predicted_log_ratio": predicted,
                                                  "measured_log_ratio": math.log(lasso_gen.mean() / ridge_gen.mean()),
                                                  "paired_difference": cmp.as_dict()}
        holds &= agrees
        sides[predicted < 0] += 1
    ev_m = Evidence("M", f"torch lasso (lam sqrt(D) = {lam_bm:.3f}) and ridge (per-set lambda_R, its gradient flow's limit "
                    f"solved directly) on the same "
                    f"{ctx.profile.lasso_sets} (teacher, design) pairs at D={dim}; each point's paired difference "
                    f"must lie on the predicted side of zero by > {BOUNDARY_N_SE:g} s.e.", numbers, agrees=holds)
    best = {}
    for q_value in (0.3, 0.5, 0.7, 0.9):
        lo, hi = 1e-3, 1.0
        f = lambda e: best_gap(q_value, e)  # noqa: E731
        best[f"q={q_value:g}"] = {"eps_boundary_best_lam": _bisect(f, lo, hi),
                                  "eps_boundary_seed_lam": _bisect(lambda e: log_ratio(q_value, e, lam_bm), lo, hi)}
    ev_theory = Evidence("N", "the boundary eps*(q) at the seed's lam and with each method at its own best lam (ridge's "
                         "best is lam -> 0, the minimum-norm plateau (1-q)/2); prediction only, no second route",
                         best, agrees=None)
    key = f"{sides[True]} lasso-wins and {sides[False]} ridge-wins points, signs " + (
        "all as predicted" if holds else "not all as predicted")
    return judged(holds and min(sides.values()) >= 3, [ev_m, ev_theory], key, correction=(
        "measured signs " + ", ".join(f"{k}: z={v['paired_difference']['signed_z']:.1f}" for k, v in numbers.items())
        + " do not all match the predicted log ratios " + ", ".join(f"{v['predicted_log_ratio']:.2f}"
                                                                    for v in numbers.values())))


def best_gap(q_value: float, eps: float) -> float:
    """Predicted best-lasso l_gen minus ridge's best (lam -> 0: (1 - q)/2)."""
    lam_opt = th.lasso_optimal_lam(q_value, eps, 1)
    best = 0.0 if lam_opt == 0.0 else th.lasso_risk(q_value, eps, lam_opt, 1).gen_loss
    return best - (1 - q_value) / 2


def _bisect(f, lo: float, hi: float) -> float | None:
    """The eps at which ``f`` changes sign in (lo, hi), or None when it does not."""
    from scipy import optimize

    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        return None
    return float(optimize.brentq(f, lo, hi, xtol=1e-4))
