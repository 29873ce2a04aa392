"""Group B: step sizes, rates, lambda_R, the ridge correction and momentum."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from gentoys.checks.claims import seed
from gentoys.checks.evidence import simulated
from gentoys.checks.evidence.numerics import best_gd_step, best_heavy_ball, gd_worst_factor, mp_average, sampled_spectra
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.compare import close, within_errors
from gentoys.checks.framework.judging import against_seed_all, fmt, judged, probes
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.theory import mp_limits as mpl
from gentoys.theory import tuning as tn
from gentoys.theory.core.symbols import beta, lam, lam_max, lam_min, q
from gentoys.theory.curves import mp_curves
from gentoys.theory.iterates import fixed_point, mode_errors
from gentoys.theory.marchenko_pastur import mp_edges
from gentoys.theory.ridge import correction_at_lambda_R, ridge_correction_crossing, ridge_correction_sup
from gentoys.theory.tracy_widom import tracy_widom_scale

_RATIO = (q, 0.05, 0.95)
_EDGE_PROBES = dict(lo=(lam_min, 0.05, 1.0), hi=(lam_max, 1.5, 6.0), lam=(lam, 0.01, 1.0))
_EDGES = tuple(_EDGE_PROBES.values())


def _edge_pairs(ctx: Context) -> list[tuple[float, float]]:
    return [(p[lam_min], p[lam_max]) for p in probes(ctx, **_EDGE_PROBES)]


DISTILL_ETA = SeedStatement(
    "The optimal GD step sizes are eta_0 = 2/(lambda_+ + lambda_-) and eta_lambda = 2/(lambda_+ + 2 lambda).",
    "Numerics",
    (SeedFormula("eta_0: minimax of |1 - eta h| over [lambda_min, lambda_max]", lambda: seed.eta_gd, lambda: tn.eta_gd,
                 _EDGES, "tuning_gd"),
     SeedFormula("eta_lambda: minimax over [lambda, lambda_max + lambda]", lambda: seed.eta_ridge, lambda: tn.eta_gd_ridge,
                 _EDGES, "tuning_gd")))


@claim("distill_eta", "B", "S N", DISTILL_ETA)
def distill_eta(ctx: Context) -> Outcome:
    pts = probes(ctx, **_EDGE_PROBES)
    (ev0, evl), ok = against_seed_all(ctx, DISTILL_ETA)
    numbers, agree = {}, True
    for p in pts[:4]:
        mu, L, lv = p[lam_min], p[lam_max], p[lam]
        num0, _ = best_gd_step(mu, L)
        numl, _ = best_gd_step(lv, L + lv)
        numbers[f"mu={mu:.3g}, L={L:.3g}, lam={lv:.3g}"] = {
            "eta_0": {"direct_minimization": num0, "derived": tn.eta_gd(mu, L)},
            "eta_lambda": {"direct_minimization": numl, "derived": tn.eta_gd_ridge(L, lv)}}
        agree &= close(num0, tn.eta_gd(mu, L), 1e-6) and close(numl, tn.eta_gd_ridge(L, lv), 1e-6)
    evn = Evidence("N", "bounded Brent minimization of the worst factor over a 4001-point curvature grid", numbers,
                   agrees=agree)
    return judged(ok, [ev0, evl, evn], f"eta_0 = {sp.sstr(tn.eta_gd.expr)}",
                  readings=[Reading("lambda_- is the smallest non-zero eigenvalue", "confirmed" if ok else "refuted",
                                     "flat directions do not move, so they do not limit the step"),
                             Reading("lambda_- is literally the smallest eigenvalue, 0", "refuted",
                                     "eta = 2/lambda_+ leaves the worst factor at 1: no convergence guarantee")])


DISTILL_RATES = SeedStatement(
    "The optimal factors are R_0 = (kappa - 1)/(kappa + 1) with kappa = lambda_max/lambda_min, and "
    "R_lambda = (lambda_max/lambda)/(lambda_max/lambda + 2).", "Numerics",
    (SeedFormula("R_0", lambda: seed.rate_gd, lambda: tn.rate_gd, _EDGES, "tuning_gd"),
     SeedFormula("R_lambda", lambda: seed.rate_ridge, lambda: tn.rate_gd_ridge, _EDGES, "tuning_gd")))


@claim("distill_rates", "B", "S N", DISTILL_RATES)
def distill_rates(ctx: Context) -> Outcome:
    pts = probes(ctx, **_EDGE_PROBES)
    (ev0, evl), ok = against_seed_all(ctx, DISTILL_RATES)
    rng = np.random.default_rng(ctx.seed)
    numbers, agree = {}, True
    for p in pts[:3]:
        mu, L = p[lam_min], p[lam_max]
        # GD on a dense quadratic with curvatures spread over [mu, L], measured decay per step.
        curv = np.concatenate([[mu, L], rng.uniform(mu, L, 48)])
        basis, _ = np.linalg.qr(rng.normal(size=(50, 50)))
        hess = basis @ np.diag(curv) @ basis.T
        x = rng.normal(size=50)
        eta = tn.eta_gd(mu, L)
        norms = []
        for _ in range(400):
            x = x - eta * hess @ x
            norms.append(np.linalg.norm(x))
        measured = (norms[-1] / norms[-201]) ** (1 / 200)
        numbers[f"mu={mu:.3g}, L={L:.3g}"] = {"measured_factor": measured, "derived": tn.rate_gd(mu, L),
                                             "grid_worst_factor": gd_worst_factor(eta, mu, L)}
        agree &= close(measured, tn.rate_gd(mu, L), 1e-3) and close(gd_worst_factor(eta, mu, L), tn.rate_gd(mu, L), 1e-9)
    evn = Evidence("N", "decay per step of GD on a rotated 50-d quadratic, and the worst factor on a grid", numbers,
                   agrees=agree)
    return judged(ok, [ev0, evl, evn], key=f"R_0 = {sp.sstr(tn.rate_gd.expr)}")


LAMBDA_R_EQUAL_RATES = SeedStatement(
    "Setting R_0 = R_lambda gives lambda_R = lambda_+ lambda_- / (lambda_+ - lambda_-).", "Numerics",
    (SeedFormula("solve R_0 = R_lambda for lambda", lambda: seed.lambda_R, lambda: tn.lambda_R, _EDGES, "tuning_gd"),))


@claim("lambda_R_equal_rates", "B", "S N", LAMBDA_R_EQUAL_RATES)
def lambda_R_equal_rates(ctx: Context) -> Outcome:
    from scipy.optimize import brentq

    ([ev], ok) = against_seed_all(ctx, LAMBDA_R_EQUAL_RATES)
    numbers, agree = {}, True
    for mu, L in _edge_pairs(ctx)[:3]:
        r0 = best_gd_step(mu, L)[1]
        root = brentq(lambda lv: best_gd_step(lv, L + lv)[1] - r0, 1e-6, 100.0, xtol=1e-12)
        numbers[f"mu={mu:.3g}, L={L:.3g}"] = {"root_of_numeric_rates": root, "derived": tn.lambda_R(mu, L)}
        agree &= close(root, tn.lambda_R(mu, L), 1e-5)
    evn = Evidence("N", "root of (numerically minimized) R_lambda - R_0 in lambda", numbers, agrees=agree)
    return judged(ok, [ev, evn], key=f"lambda_R = {sp.sstr(tn.lambda_R.expr)}")


def _sampled_tuning(ctx: Context, finite, limit, name: str) -> tuple[Evidence, float]:
    """A tuning formula on sampled spectra (mean over data sets) vs its MP limit."""
    numbers, agree = {}, True
    for qv in ctx.profile.ratios:
        gram, ev = sampled_spectra(ctx, qv)
        values = finite(ev[:, 0], ev[:, -1])
        s_lo, s_hi = tracy_widom_scale(gram.dim, gram.n_samples)
        lo, hi = mp_edges(qv)
        # propagate three edge fluctuation scales through the formula
        allowance = abs(finite(lo + 3 * s_lo, hi) - finite(lo, hi)) + abs(finite(lo, hi + 3 * s_hi) - finite(lo, hi))
        cmp = within_errors(values, limit(qv), allowance=float(allowance))
        numbers[f"q={qv}"] = cmp.as_dict()
        agree &= cmp.ok
    return Evidence("N", f"{name} from the extreme eigenvalues of {ctx.profile.n_sets} sampled Sigma_tr "
                    f"(D={ctx.profile.dim}) vs the MP limit; allowance: 3 Tracy-Widom edge scales propagated",
                    numbers, agrees=agree), 0.0


MP_LAMBDA_R = SeedStatement(
    "In the MP limit lambda_R = (1 - q)^2 / (4 q^(3/2)).", "Numerics",
    (SeedFormula("lambda_R at the MP edges", lambda: seed.mp_lambda_R, lambda: mpl.lambda_R, (_RATIO,), "mp_limits"),))


@claim("mp_lambda_R", "B", "S N", MP_LAMBDA_R)
def mp_lambda_R(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, MP_LAMBDA_R)
    evn, _ = _sampled_tuning(ctx, tn.lambda_R, mpl.lambda_R, "lambda_R")
    return judged(ok, [ev, evn], f"lambda_R(0.7) = {fmt(mpl.lambda_R(0.7))}",
                  f"lambda_R = {sp.sstr(mpl.lambda_R.expr)}")


MP_ETA = SeedStatement(
    "In the MP limit eta_0 = q/(1 + q) and eta_lambda = 4 q^(3/2) / ((1 + q)(1 + sqrt q)^2).", "Numerics",
    (SeedFormula("eta_0 at the MP edges", lambda: seed.mp_eta_gd, lambda: mpl.eta_gd, (_RATIO,), "mp_limits"),
     SeedFormula("eta_lambda at the MP edges and lambda_R", lambda: seed.mp_eta_ridge, lambda: mpl.eta_ridge, (_RATIO,),
                 "mp_limits")))


@claim("mp_eta", "B", "S N", MP_ETA)
def mp_eta(ctx: Context) -> Outcome:
    (ev0, evl), ok = against_seed_all(ctx, MP_ETA)
    evn0, _ = _sampled_tuning(ctx, tn.eta_gd, mpl.eta_gd, "eta_0")
    evnl, _ = _sampled_tuning(ctx, lambda lo, hi: tn.eta_gd_ridge(hi, tn.lambda_R(lo, hi)), mpl.eta_ridge,
                              "eta_lambda at the sampled lambda_R")
    return judged(ok, [ev0, evl, evn0, evnl],
                  key=f"eta_0(0.7) = {fmt(mpl.eta_gd(0.7))}, eta_lambda(0.7) = {fmt(mpl.eta_ridge(0.7))}")


@claim("ridge_correction_below_3pct", "B", "S N M", SeedStatement(
    "In the MP limit at lambda = lambda_R the finite-lambda correction to Eq. 3 stays below 3 % for every q < 1.",
    "Numerics"))
def ridge_correction_below_3pct(ctx: Context) -> Outcome:
    sup = ridge_correction_sup()
    crossing = ridge_correction_crossing(float(seed.ridge_correction_bound))
    ev = Evidence("S", "exact correction c(q) at lambda_R(q), increasing in q (no interior extremum); its supremum "
                  "is the limit q -> 1", {"c(q)": sp.sstr(correction_at_lambda_R.expr), "sup": sp.sstr(sup),
                                          "sup_value": float(sup), "q_where_c_reaches_3pct": crossing},
                  agrees=None)
    numbers, agree = {}, True
    for qv in (0.5, 0.7, 0.72, 0.9, 0.99, 0.999):
        lr = mpl.lambda_R(qv)
        quad = float(mp_average(qv, lambda v: lr**2 / (lr + v) ** 2) / (1 - qv) - 1)
        closed = correction_at_lambda_R(qv)
        numbers[f"q={qv}"] = {"quadrature": quad, "closed_form": closed}
        agree &= abs(quad - closed) <= 1e-9
    evn = Evidence("N", "mpmath quadrature of <lambda^2/(lambda + x)^2> at lambda_R vs the closed form", numbers,
                   agrees=agree)
    bound = float(seed.ridge_correction_bound)
    holds = float(sup) < bound
    return judged(
        holds, [ev, evn, simulated.ridge_correction_measured(ctx)],
        f"sup = {sp.sstr(sup)} = {float(sup):.4%}; exceeds {bound:.0%} for q > {crossing:.4f}" if crossing
        else f"sup = {sup}",
        lambda: f"the correction rises with q and exceeds {bound:.0%} for q > {crossing:.4f}; its supremum, "
        f"approached as q -> 1, is {sp.sstr(sup)} = {float(sup):.4%}, the bound that holds for all q < 1 (at the "
        f"seed's q = 0.7 it is {correction_at_lambda_R(0.7):.3%})")


@claim("ridge_slower_in_gen_loss", "B", "N M", SeedStatement(
    "With R_lambda = R_0 the ridge curve of l_gen still looks slower than GD's, because the rates govern l_tr, "
    "not l_gen.", "Numerics"))
def ridge_slower_in_gen_loss(ctx: Context) -> Outcome:
    qv, steps, level = 0.7, 600, 1e-2
    curves = {m: mp_curves(qv, m, steps) for m in ("gd", "ridge")}
    epochs = {m: {"l_gen": simulated.epochs_to(g, level), "l_tr": simulated.epochs_to(t, level)} for m, (g, t) in curves.items()}
    null_factor = abs(1 - mpl.eta_ridge(qv) * mpl.lambda_R(qv))
    slower_gen = epochs["ridge"]["l_gen"] > epochs["gd"]["l_gen"]
    same_tr = abs(epochs["ridge"]["l_tr"] - epochs["gd"]["l_tr"]) <= max(1, 0.1 * epochs["gd"]["l_tr"])
    ev = Evidence("N", f"MP-averaged expected curves at q={qv} (E||S0||^2 = ||T||^2 = 1): epochs until the excess "
                  f"over the plateau falls below {level:g} of its start; with ridge the flat directions are the "
                  "slowest modes, contracting by exactly R_lambda per step, and they weigh 1 - q in l_gen but "
                  "nothing in l_tr", {"epochs": epochs, "flat_mode_factor_ridge": null_factor,
                                      "R_0": mpl.rate_gd(qv)}, agrees=close(null_factor, mpl.rate_gd(qv), 1e-12))
    holds = slower_gen and same_tr
    measured = simulated.averaged_curve_epochs(ctx, level)
    evm = Evidence("M", f"the same epochs read off the simulated curves averaged over {ctx.profile.sim_sets} data sets",
                   measured, agrees=(measured["ridge"]["l_gen"] > measured["gd"]["l_gen"]) == slower_gen)
    return judged(holds, [ev, evm, simulated.curves_follow_theory(ctx)],
                  f"l_gen epochs: GD {epochs['gd']['l_gen']}, ridge {epochs['ridge']['l_gen']}; "
                  f"l_tr: {epochs['gd']['l_tr']} vs {epochs['ridge']['l_tr']}",
                  f"epochs until the excess falls below {level:g} of its start: {epochs}")


def _heavy_ball_numbers(ctx: Context) -> dict[float, tuple[float, float, float]]:
    out = {}
    for qv in ctx.profile.ratios[:2]:
        lo, hi = mp_edges(qv)
        out[qv] = best_heavy_ball(float(lo), float(hi))
    return out


MOMENTUM_BETA = SeedStatement(
    "The optimal heavy-ball momentum is beta = q, with and without ridge.", "Numerics",
    (SeedFormula("beta at the MP edges", lambda: seed.mp_beta, lambda: mpl.beta_momentum, (_RATIO,), "mp_limits"),
     SeedFormula("beta at the MP edges with lambda_R", lambda: seed.mp_beta, lambda: mpl.beta_momentum_ridge, (_RATIO,),
                 "mp_limits")))


@claim("momentum_beta_q", "B", "S N", MOMENTUM_BETA)
def momentum_beta_q(ctx: Context) -> Outcome:
    (ev0, evl), ok = against_seed_all(ctx, MOMENTUM_BETA)
    direct = _heavy_ball_numbers(ctx)
    numbers = {f"q={qv}": {"beta_direct": b_, "eta_direct": e_, "factor_direct": f_} for qv, (e_, b_, f_) in direct.items()}
    agree = all(close(b_, qv, 2e-3) for qv, (e_, b_, f_) in direct.items())
    evn = Evidence("N", "Nelder-Mead over (eta, beta) of the worst spectral radius on an 801-point grid of the MP "
                   "support (tolerance 0.2 %: the objective has a kink at the optimum)", numbers, agrees=agree)
    return judged(ok, [ev0, evl, evn], key="beta = q (both)")


MOMENTUM_ETA = SeedStatement(
    "With momentum the optimal steps are eta_0 = q and eta_lambda = (1 - sqrt q)^2 / lambda_R.", "Numerics",
    (SeedFormula("eta_0 with momentum", lambda: seed.mp_eta_momentum, lambda: mpl.eta_momentum, (_RATIO,), "mp_limits"),
     SeedFormula("eta_lambda with momentum", lambda: seed.mp_eta_momentum_ridge, lambda: mpl.eta_momentum_ridge, (_RATIO,),
                 "mp_limits")))


@claim("momentum_eta", "B", "S N", MOMENTUM_ETA)
def momentum_eta(ctx: Context) -> Outcome:
    (ev0, evl), ok = against_seed_all(ctx, MOMENTUM_ETA)
    direct = _heavy_ball_numbers(ctx)
    numbers = {f"q={qv}": {"eta_direct": e_, "derived": mpl.eta_momentum(qv)} for qv, (e_, b_, f_) in direct.items()}
    agree = all(close(e_, mpl.eta_momentum(qv), 2e-3) for qv, (e_, b_, f_) in direct.items())
    evn = Evidence("N", "step size of the direct (eta, beta) minimization", numbers, agrees=agree)
    return judged(ok, [ev0, evl, evn], key=f"eta_lambda = {sp.sstr(mpl.eta_momentum_ridge.expr)}")


MOMENTUM_RATE = SeedStatement(
    "The optimal momentum factor is sqrt(N_tr/D), up to 50 % faster than without momentum.", "Numerics",
    (SeedFormula("heavy-ball factor at the MP edges", lambda: seed.mp_rate_momentum, lambda: mpl.rate_momentum, (_RATIO,),
                 "mp_limits"),))


@claim("momentum_rate", "B", "S N M", MOMENTUM_RATE)
def momentum_rate(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, MOMENTUM_RATE)
    factor_ratio = sp.simplify(mpl.rate_momentum.expr / mpl.rate_gd.expr)
    step_ratio = lambda qv: math.log(mpl.rate_momentum(qv)) / math.log(mpl.rate_gd(qv))  # noqa: E731
    inf_ratio = float(sp.limit(factor_ratio, q, 0, "+"))
    ev.numbers.update({"factor_ratio_momentum_over_gd": sp.sstr(factor_ratio), "its_infimum": inf_ratio,
                       "steps_gd_over_steps_momentum": {f"q={v}": step_ratio(v) for v in (0.1, 0.5, 0.7, 0.9, 0.99)}})
    direct = _heavy_ball_numbers(ctx)
    agree = all(close(f_, math.sqrt(qv), 2e-3) for qv, (e_, b_, f_) in direct.items())
    evn = Evidence("N", "worst spectral radius at the direct optimum", {f"q={qv}": {"direct": f_, "sqrt_q": math.sqrt(qv)}
                   for qv, (e_, b_, f_) in direct.items()}, agrees=agree)
    # "up to 50 % faster" read in steps: at most 1 / (1 - 0.5) = 2 times fewer steps, the most generous reading
    gain = float(seed.momentum_speedup_bound)
    max_step_ratio = 1 / (1 - gain)
    grid = np.linspace(0.01, 0.99, 99)
    worst = max(step_ratio(v) for v in grid)
    bounded = worst <= max_step_ratio
    sup_ratio = float(sp.limit(factor_ratio, q, 1, "-"))
    readings = [
        Reading("faster = smaller factor per step", "confirmed" if inf_ratio >= 1 - gain - 1e-12 else "refuted",
                f"R_mom / R_0 = {sp.sstr(factor_ratio)} lies in ({inf_ratio:g}, {sup_ratio:g}): at most "
                f"{1 - inf_ratio:.0%} smaller"),
        Reading("faster = fewer steps to a given accuracy", "confirmed" if bounded else "refuted",
                f"log R_mom / log R_0 runs from {step_ratio(grid[0]):.2f} (q = {grid[0]:g}) to {worst:.1f} "
                f"(q = {grid[-1]:g}) and without bound as q -> 1: {step_ratio(0.7):.1f}x fewer steps at q = 0.7"),
    ]
    return judged(
        ok and bounded, [ev, evn, simulated.training_speed(ctx, max_step_ratio)],
        f"rate sqrt(q); {step_ratio(0.7):.1f}x fewer steps at q=0.7",
        lambda: (f"the factor is sqrt(q) as stated, but the gain is not bounded by {gain:.0%}: momentum needs "
                 f"log R_0 / log sqrt(q) times fewer steps, a ratio that grows without bound as q -> 1 "
                 f"({step_ratio(0.7):.1f}x at q = 0.7); only the per-step factor is at most "
                 f"{1 - inf_ratio:.0%} smaller, {sp.sstr(factor_ratio)} times R_0") if ok
        else f"factor {mpl.rate_momentum.expr}", readings=readings)


@claim("momentum_keeps_plateaus", "B", "S N M", SeedStatement(
    "Momentum changes neither lambda_R nor the final l_gen.", "Numerics"))
def momentum_keeps_plateaus(ctx: Context) -> Outcome:
    beta_free = beta not in fixed_point.free_symbols
    flat = mode_errors(0.0, 0.3, 0.7, 50)
    flat_still = bool(np.all(flat == 1.0))
    same_lambda = sp.simplify(tn.derive().momentum["lambda_R"] - tn.lambda_R.expr) == 0
    ev = Evidence("S", "the fixed point of the heavy-ball step has no beta; a flat mode (h = 0, no ridge) keeps its "
                  "error (velocity starts at zero); equal momentum rates again mean equal condition numbers",
                  {"fixed_point": sp.sstr(fixed_point), "beta_free": beta_free, "flat_mode_frozen": flat_still,
                   "lambda_R_unchanged": same_lambda}, agrees=None)
    plateaus = {m: mp_curves(0.7, m, 1000, nodes=800)[0][-1] for m in ("gd", "momentum", "ridge", "momentum_ridge")}
    agree = close(plateaus["gd"], plateaus["momentum"], 1e-9) and close(plateaus["ridge"], plateaus["momentum_ridge"], 1e-6)
    evn = Evidence("N", "MP-averaged l_gen after 1000 epochs at q = 0.7", plateaus, agrees=agree)
    ok = beta_free and flat_still and same_lambda
    return judged(ok, [ev, evn, simulated.momentum_plateaus(ctx)], correction=lambda: (
                  f"the heavy-ball fixed point {sp.sstr(fixed_point)} (beta-free: {beta_free}), flat modes frozen: "
                  f"{flat_still}, lambda_R unchanged: {same_lambda}; MP plateaus after 1000 epochs {plateaus}"),
                  key=f"plateaus GD {fmt(plateaus['gd'])} = HB {fmt(plateaus['momentum'])}")
