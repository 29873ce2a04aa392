"""Group B: step sizes, rates, lambda_R, the ridge correction and momentum."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from gentoys.checks.claims import seed
from gentoys.checks.evidence import simulated
from gentoys.checks.evidence.numerics import (best_gd_step, best_heavy_ball, gd_worst_factor, mp_average,
                                              mp_excess_fraction, sampled_spectra)
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.text import math_text
from gentoys.checks.framework.compare import StatComparison, close, mean_se, within_errors
from gentoys.checks.framework.judging import against_seed_all, fmt, judged, probes
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.theory import mp_limits as mpl
from gentoys.theory import tuning as tn
from gentoys.theory.core.symbols import beta, lam, lam_max, lam_min, q
from gentoys.theory.curves import mp_curves
from gentoys.theory.iterates import fixed_point, mode_errors
from gentoys.theory.marchenko_pastur import mp_edges
from gentoys.theory.momentum_speedup import (excess_fraction, momentum_factor_ratio, momentum_step_speedup,
                                             momentum_step_speedup_limit, momentum_steps)
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


def _crossing_with_se(qs, means, ses, level: float) -> tuple[float | None, float | None]:
    """Where the linearly interpolated means rise through ``level``, with its delta-method standard error
    (None when no pair of neighbouring points brackets the level)."""
    for (q1, y1, s1), (q2, y2, s2) in zip(zip(qs, means, ses), list(zip(qs, means, ses))[1:]):
        if y1 < level <= y2:
            span, rise = q2 - q1, y2 - y1
            value = q1 + (level - y1) * span / rise
            d1, d2 = span * (level - y2) / rise**2, -span * (level - y1) / rise**2
            return value, math.sqrt((d1 * s1) ** 2 + (d2 * s2) ** 2)
    return None, None


def _ridge_correction_at_seed_dim(ctx: Context, bound: float) -> tuple[Evidence, dict]:
    """The finite-D correction at the seed's D, from the ridge_correction sweep's per-point function (exact
    per-set spectra, no training), at the seed's q and around the limit crossing."""
    from gentoys.checks.sweeps.ridge_correction import run_point

    dim, q_seed = int(seed.linear_example["dim"]), float(seed.linear_example["q"])
    n_sets = max(2, ctx.profile.n_sets // 6)
    grid = (0.55, 0.6, 0.65, 0.7, 0.75) if ctx.profile.name == "full" else (0.6, q_seed)
    rows = ctx.cached(("ridge_correction_points", dim, n_sets, grid), lambda: {
        qv: run_point({"q": qv, "D": dim, "n_sets": n_sets}, ctx.seed + round(1000 * qv), ctx.device) for qv in grid})
    at_seed = rows[q_seed]
    limit = correction_at_lambda_R(q_seed)
    vs_limit = StatComparison(at_seed["c_trace_mean"], at_seed["c_trace_se"], limit, 5 / dim, 4.0, n_sets)
    vs_bound = StatComparison(at_seed["c_trace_mean"], at_seed["c_trace_se"], bound, 0.0, 4.0, n_sets)
    cross, cross_se = _crossing_with_se(grid, [rows[v]["c_trace_mean"] for v in grid],
                                        [rows[v]["c_trace_se"] for v in grid], bound)
    numbers = {"D": dim, "sets_per_q": n_sets, "lambda": "lambda_R(q), MP",
               f"q={q_seed:g}": {**vs_limit.as_dict(), "z_above_bound": vs_bound.signed_z},
               "by_q": {f"q={v:g}": {"mean": rows[v]["c_trace_mean"], "se": rows[v]["c_trace_se"],
                                     "mp_limit": rows[v]["theory"]} for v in grid},
               "q_where_it_reaches_bound": cross, "q_where_it_reaches_bound_se": cross_se}
    ev = Evidence("N", f"the ridge_correction sweep's point at the seed's D = {dim}: per sampled set, "
                  "sum_i lam^2/(lam + x_i)^2 / (D - N) - 1 over its non-zero eigenvalues (the set's exact plateau, "
                  f"averaged over teacher directions), mean +- s.e. over {n_sets} sets per q, vs the MP correction "
                  f"(allowance 5/D); crossing of {bound:.0%} by linear interpolation over q = {grid}", numbers,
                  agrees=vs_limit.ok)
    return ev, {"value": at_seed["c_trace_mean"], "se": at_seed["c_trace_se"], "cross": cross, "cross_se": cross_se,
                "dim": dim, "q": q_seed, "limit": limit, "n_sets": n_sets}


@claim("ridge_correction_below_3pct", "B", "S N M", SeedStatement(
    "In the MP limit at lambda = lambda_R the finite-lambda correction to Eq. 3 stays below 3 % for every q < 1.",
    "Numerics"))
def ridge_correction_below_3pct(ctx: Context) -> Outcome:
    sup = ridge_correction_sup()
    bound = float(seed.ridge_correction_bound)
    crossing = ridge_correction_crossing(bound)
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
    evd, at_d = _ridge_correction_at_seed_dim(ctx, bound)
    holds = float(sup) < bound

    def at_seed_dim() -> str:
        value = f"{100 * at_d['value']:.3f} ± {100 * at_d['se']:.3f} %"
        where = (f"it reaches {bound:.0%} at q = {at_d['cross']:.3f} ± {at_d['cross_se']:.3f}" if at_d["cross"]
                 else f"no crossing of {bound:.0%} was bracketed on the q grid")
        return (f"At the seed's own D = {at_d['dim']} (mean over {at_d['n_sets']} sampled data sets per q, exact "
                f"per-set plateau) the correction at q = {at_d['q']:g} is {value} (the limit gives "
                f"{100 * at_d['limit']:.3f} %), and {where}, against q = {crossing:.4f} in the limit.")

    sup_text = math_text(sup)
    return judged(
        holds, [ev, evn, evd, simulated.ridge_correction_measured(ctx)],
        (f"sup = {sup_text} = {float(sup):.4%}; > {bound:.0%} for q > {crossing:.4f} (D = {at_d['dim']}: "
         f"q > {at_d['cross']:.3f})" if crossing and at_d["cross"] else f"sup = {sup_text} = {float(sup):.4%}"),
        lambda: (f"With c(q) the relative correction to Eq. 3 at λ = λ_R(q), in the Marchenko–Pastur limit c rises "
                 f"with q and exceeds {bound:.0%} for q > {crossing:.4f}; its supremum, approached as q → 1, is "
                 f"{sup_text} ≈ {float(sup):.4%}, the bound that holds for all q < 1 (c(0.7) = "
                 f"{correction_at_lambda_R(0.7):.3%}). " + at_seed_dim()))


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


#: fractions of the initial excess l_gen at which the step counts are compared
STEP_TARGETS = (1e-3, 1e-6)


def _step_counts_vs_quadrature(qv: float, targets: tuple[float, ...]) -> Evidence:
    """The closed-form step counts against scipy quadrature of the MP density with the iterated recursions:
    at each count the quadrature's excess must have reached the target, one step earlier not yet."""
    gd_hyper, hb_hyper = (mpl.eta_gd(qv), 0.0), (mpl.eta_momentum(qv), mpl.beta_momentum(qv))
    numbers, agree = {}, True
    for eps in targets:
        n_gd, n_hb = momentum_steps(qv, eps)
        row = {}
        for name, steps, (eta_v, beta_v) in (("gd", n_gd, gd_hyper), ("momentum", n_hb, hb_hyper)):
            at, before = (mp_excess_fraction(qv, k, eta_v, beta_v) for k in (steps, steps - 1))
            row[name] = {"steps": steps, "quadrature_at_steps": at, "quadrature_one_step_earlier": before}
            agree &= at <= eps < before
        row["speedup"] = momentum_step_speedup(qv, eps)
        numbers[f"eps={eps:g}"] = row
    return Evidence("N", f"steps until the excess l_gen falls to eps of its start at q = {qv:g} (MP limit, optimal "
                    "tuning, isotropic start): closed forms (heavy ball q^t, GD a binomial sum) against adaptive "
                    "quadrature (scipy) of the MP density with the residuals iterated step by step; agreement: the "
                    "quadrature reaches eps at the closed form's count and not one step earlier", numbers,
                    agrees=agree)


def _step_counts_sampled(ctx: Context, qv: float, targets: tuple[float, ...]) -> tuple[Evidence, dict]:
    """Step ratios of sampled data sets, each tuned from its own extreme eigenvalues (the seed's procedure),
    from the set's expected excess: <e_t(x_i)^2> over its non-zero eigenvalues."""
    gram, ev = sampled_spectra(ctx, qv)
    horizon = {eps: momentum_steps(qv, eps) for eps in targets}
    longest = max(h for pair in horizon.values() for h in pair)
    ratios = {eps: [] for eps in targets}
    for spectrum in ev:
        lo, hi = float(spectrum[0]), float(spectrum[-1])
        curves = {
            "gd": (mode_errors(spectrum, tn.eta_gd(lo, hi), 0.0, 3 * longest) ** 2).mean(1),
            "momentum": (mode_errors(spectrum, tn.eta_momentum(lo, hi), tn.beta_momentum(lo, hi), 3 * longest)
                         ** 2).mean(1)}
        for eps in targets:
            steps = {m: int(np.argmax(c <= eps * c[0])) if (c <= eps * c[0]).any() else math.nan
                     for m, c in curves.items()}
            ratios[eps].append(steps["gd"] / steps["momentum"])
    numbers = {"D": gram.dim, "sets": len(ev)}
    out = {}
    for eps in targets:
        m, se = mean_se(ratios[eps])
        numbers[f"eps={eps:g}"] = {"mean": m, "se": se, "n": len(ev), "mp_limit": momentum_step_speedup(qv, eps)}
        out[eps] = (m, se)
    return Evidence("N", f"the same step ratio for {len(ev)} sampled Sigma_tr at D = {gram.dim}, q = {qv:g}, each set "
                    "tuned from its own extreme non-zero eigenvalues, from its expected excess <e_t(x_i)^2>; a "
                    "finite-D value reported beside the MP limit (modes at the band's edges, where heavy ball has a "
                    "double root, slow it down at finite D), not a cross-check", numbers, agrees=None), out


def _step_counts_simulated(ctx: Context, qv: float, eps: float) -> tuple[Evidence, dict]:
    """The momentum_speedup sweep's point: trained GD and heavy ball, per-set tuning, epochs to eps."""
    from gentoys.checks.sweeps.momentum_speedup import run_point

    dim = ctx.profile.sim_dim
    row = ctx.cached(("momentum_speedup_point", qv, eps, dim),
                     lambda: run_point({"q": qv, "eps": eps, "D": dim}, ctx.seed, ctx.device))
    numbers = {"D": dim, "eps": eps, "speedup": {"mean": row["speedup_mean"], "se": row["speedup_se"]},
               "epochs_gd": row["epochs_gd_mean"], "epochs_momentum": row["epochs_momentum_mean"],
               "mp_limit_at_eps": momentum_step_speedup(qv, eps), "mp_limit_eps_to_0": row["theory_mp"]}
    return Evidence("M", f"the momentum_speedup sweep's point at D = {dim}, q = {qv:g}, eps = {eps:g}: trained GD and "
                    "heavy ball (per-set tuning, float64), the first epoch at which l_gen minus the set's exact "
                    "plateau is below eps of its start; epochs GD / epochs heavy ball, mean +- s.e. over the sweep's "
                    "sets; a measurement reported beside the MP values, not a cross-check", numbers,
                    agrees=None), row


@claim("momentum_rate", "B", "S N M", MOMENTUM_RATE)
def momentum_rate(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, MOMENTUM_RATE)
    gain = float(seed.momentum_speedup_bound)
    q_seed, epochs_seed = float(seed.linear_example["q"]), int(seed.linear_example["epochs"])
    ratio_expr = momentum_factor_ratio.expr
    inf_ratio, sup_ratio = (float(sp.limit(ratio_expr, q, end, side)) for end, side in ((0, "+"), (1, "-")))
    grid = np.linspace(0.01, 0.99, 99)
    factor_ok = bool(np.all(momentum_factor_ratio(grid) >= 1 - gain)) and inf_ratio >= 1 - gain
    evr = Evidence("S", "the seed's 'rate' is the per-step factor R (its R_0 = (kappa - 1)/(kappa + 1)); heavy ball's "
                   "factor over GD's, derived: sqrt(q)/R_0", {"factor_ratio": sp.sstr(ratio_expr),
                   "limit_q_to_0": inf_ratio, "limit_q_to_1": sup_ratio,
                   f"at_q={q_seed:g}": momentum_factor_ratio(q_seed)}, agrees=None)
    direct = _heavy_ball_numbers(ctx)
    agree = all(close(f_, math.sqrt(qv), 2e-3) for qv, (e_, b_, f_) in direct.items())
    evn = Evidence("N", "worst spectral radius at the direct optimum", {f"q={qv}": {"direct": f_, "sqrt_q": math.sqrt(qv)}
                   for qv, (e_, b_, f_) in direct.items()}, agrees=agree)
    # the seed's own target: the fraction GD's excess reaches in the seed's epochs
    seed_target = excess_fraction(q_seed, epochs_seed, "gd")
    evq = _step_counts_vs_quadrature(q_seed, STEP_TARGETS + (seed_target,))
    evs, sampled = _step_counts_sampled(ctx, q_seed, STEP_TARGETS)
    evm, sim = _step_counts_simulated(ctx, q_seed, STEP_TARGETS[0])
    asymptote = momentum_step_speedup_limit(q_seed)
    at = {eps: momentum_step_speedup(q_seed, eps) for eps in STEP_TARGETS}
    hb_at_seed = momentum_steps(q_seed, seed_target)[1]
    step_reading = (
        f"with r the excess ℓ_gen over its start (MP limit, isotropic start), GD needs more steps than heavy ball "
        f"to reach r ≤ ε by {at[1e-3]:.2f}× at ε = 1e-3 and {at[1e-6]:.2f}× at ε = 1e-6 (q = {q_seed:g}); GD's "
        f"{epochs_seed} epochs reach r = {seed_target:.2g}, which heavy ball reaches in {hb_at_seed} "
        f"({epochs_seed / hb_at_seed:.1f}×); as ε → 0 the ratio tends to log √q / log R₀ = {asymptote:.2f}. "
        f"Sampled sets at D = {evs.numbers['D']} tuned per set: {sampled[1e-3][0]:.2f} ± {sampled[1e-3][1]:.2f} "
        f"(ε = 1e-3), {sampled[1e-6][0]:.2f} ± {sampled[1e-6][1]:.2f} (ε = 1e-6); trained at D = {evm.numbers['D']}: "
        f"{sim['speedup_mean']:.2f} ± {sim['speedup_se']:.2f} (ε = 1e-3). Far more than 2× fewer steps")
    readings = [
        Reading("faster = smaller per-step factor R (the seed's rate)", "confirmed" if factor_ok else "refuted",
                f"√q / R₀ = {math_text(ratio_expr)} runs from {inf_ratio:g} (q → 0) to {sup_ratio:g} (q → 1): the "
                f"factor is at most {1 - inf_ratio:.0%} smaller ({momentum_factor_ratio(q_seed):.2f} R₀ at "
                f"q = {q_seed:g})"),
        Reading("faster = fewer steps to a given accuracy", "refuted" if at[1e-3] > 1 / (1 - gain) else "confirmed",
                step_reading),
    ]
    holds = ok and factor_ok
    return judged(
        holds, [ev, evr, evn, evq, evs, evm, simulated.training_speed(ctx, 1 / (1 - gain))],
        f"rate √q = {math_text(ratio_expr)} R₀; steps GD/HB at q={q_seed:g}: {at[1e-3]:.1f}× (ε=1e-3), "
        f"{at[1e-6]:.1f}× (1e-6), → {asymptote:.1f}×",
        lambda: (f"the heavy-ball factor is {math_text(mpl.rate_momentum.expr)}, R₀ times {math_text(ratio_expr)}"
                 if ok else f"the heavy-ball factor is {math_text(mpl.rate_momentum.expr)}, not "
                 f"{math_text(seed.mp_rate_momentum)}") + (
                 "" if factor_ok else f"; it is not within {gain:.0%} of R₀: √q / R₀ = {math_text(ratio_expr)} "
                 f"reaches {inf_ratio:g}"), readings=readings)


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
