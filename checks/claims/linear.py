"""Group A: spectra, gradient flow and plateaus of the linear teacher-student."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
import torch

from gentoys.checks.claims import seed
from gentoys.checks.evidence import simulated
from gentoys.checks.evidence.numerics import mp_average, sampled_spectra, unit_vector
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.compare import same_expression, within_errors
from gentoys.checks.framework.judging import against_seed, fmt, judged, probe_points, probes
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.sim import sample_gram
from gentoys.theory import gradient_flow as gf
from gentoys.theory import marchenko_pastur as mpl
from gentoys.theory.core.symbols import S0, T, h, lam, norm_delta0, norm_S0, norm_T, q, t
from gentoys.theory.mp_limits import lambda_R
from gentoys.theory.ridge import ridge_correction, ridge_correction_sup
from gentoys.theory.tracy_widom import tracy_widom_scale

_RATIO = (q, 0.05, 0.95)


MP_EDGES = SeedStatement(
    "The non-zero eigenvalues of Sigma_tr fill [lambda_-, lambda_+] with lambda_pm = (1 pm sqrt(D/N_tr))^2 "
    "as D grows at fixed q, and at least D - N_tr eigenvalues are zero.", "Numerics; Unregularized case",
    (SeedFormula("lower edge", lambda: seed.edges[0], lambda: mpl.lower_edge_expr, (_RATIO,), "marchenko_pastur"),
     SeedFormula("upper edge", lambda: seed.edges[1], lambda: mpl.upper_edge_expr, (_RATIO,), "marchenko_pastur")))


@claim("mp_edges", "A", "S N", MP_EDGES)
def mp_edges(ctx: Context) -> Outcome:
    (ev_lo, eq_lo), (ev_hi, eq_hi) = (against_seed(ctx, f) for f in MP_EDGES.formulas)
    evidence = [ev_lo, ev_hi]
    all_ok = True
    numbers = {}
    for qv in ctx.profile.ratios:
        gram, ev = sampled_spectra(ctx, qv)
        lo, hi = mpl.mp_edges(qv)
        s_lo, s_hi = tracy_widom_scale(gram.dim, gram.n_samples)
        c_lo = within_errors(ev[:, 0], lo, allowance=3 * s_lo)
        c_hi = within_errors(ev[:, -1], hi, allowance=3 * s_hi)
        mass = float(mp_average(qv, lambda v: 1 if v > 0 else 0))
        all_ok &= c_lo.ok and c_hi.ok and abs(mass - qv) < 1e-12
        numbers[f"q={qv}"] = {"lower": c_lo.as_dict(), "upper": c_hi.as_dict(), "continuous_mass_quadrature": mass}
    evidence.append(Evidence(
        "N", f"extreme non-zero eigenvalues of {ctx.profile.n_sets} sampled Sigma_tr at D={ctx.profile.dim} vs the "
        "derived edges (allowance: 3 Tracy-Widom scales of the edge); quadrature mass of the density = q",
        numbers, agrees=all_ok))
    zeros = _zero_counts(ctx)
    evidence.append(zeros)
    holds = eq_lo and eq_hi and zeros.numbers["all_exact"]
    return judged(holds, evidence,
                  key=f"edges at q=0.7: {fmt(mpl.lower_edge(0.7))}, {fmt(mpl.upper_edge(0.7))}")


def _zero_counts(ctx: Context) -> Evidence:
    dim, n = 200, 140
    gram = sample_gram(6, dim, n, seed=ctx.seed + 5, device=ctx.device)
    full = gram.full_eigenvalues()
    tol = 1e-9 * full.abs().amax(dim=1, keepdim=True)
    counts = (full.abs() <= tol).sum(dim=1).tolist()
    return Evidence("N", f"zero eigenvalues of 6 full D x D spectra (D={dim}, N={n}): exactly D - N in every set",
                    {"counts": counts, "expected": dim - n, "all_exact": all(c == dim - n for c in counts)},
                    agrees=all(c == dim - n for c in counts))


@claim("null_fraction_exact", "A", "S N M", SeedStatement(
    "On average exactly D - N_tr eigenvalues vanish, and by isotropy every direction is equally likely to lie "
    "in the null space.", "Unregularized case"))
def null_fraction_exact(ctx: Context) -> Outcome:
    atom_ok = sp.simplify(mpl.atom_expr - (1 - q)) == 0
    evidence = [Evidence("S", "rank X X^T = N_tr almost surely, so exactly D - N_tr zeros in every data set "
                         "(not only on average); the derived MP atom is 1 - q",
                         {"atom": sp.sstr(mpl.atom_expr), "atom_is_1_minus_q": bool(atom_ok)}, agrees=atom_ok)]
    zeros = _zero_counts(ctx)
    evidence.append(zeros)
    qv = 0.7
    gram, _ = sampled_spectra(ctx, qv)
    dim, n = gram.dim, gram.n_samples
    target = 1 - n / dim
    axis = torch.zeros(dim, dtype=torch.float64)
    axis[0] = 1
    random_dir = unit_vector(dim, ctx.seed + 3)
    cmp_axis = within_errors(gram.null_projection_norm2(axis).cpu().numpy(), target)
    cmp_rand = within_errors(gram.null_projection_norm2(random_dir).cpu().numpy(), target)
    iso_ok = cmp_axis.ok and cmp_rand.ok
    evidence.append(Evidence(
        "N", f"||P_0 v||^2 over {gram.n_sets} data sets (D={dim}, N={n}) for a coordinate axis and a random "
        "direction vs the exact finite-D value 1 - N/D (no allowance: isotropy is exact)",
        {"axis": cmp_axis.as_dict(), "random": cmp_rand.as_dict()}, agrees=iso_ok))
    evidence.append(simulated.null_space_untouched(ctx))
    holds = atom_ok and zeros.numbers["all_exact"] and iso_ok
    return judged(holds, evidence,
                  key=f"null fraction {fmt(cmp_axis.mean)} (axis), {fmt(cmp_rand.mean)} (random) vs {fmt(target)}")


_MODE = ((h, 0, 3), (t, 0, 5), (S0, -2, 2), (T, -2, 2))
GF_SOLUTION = SeedStatement(
    "Without regularization each eigen-component relaxes exponentially: S_i(t) = T_i + (S_i0 - T_i) "
    "exp(-lambda_i t).", "Unregularized case",
    (SeedFormula("dsolve of the one-mode flow vs the printed solution", lambda: seed.gf_solution,
                 lambda: gf.unreg_solution, _MODE, "gf_unregularized"),))


@claim("gf_unregularized_solution", "A", "S", GF_SOLUTION)
def gf_unregularized_solution(ctx: Context) -> Outcome:
    ev, ok = against_seed(ctx, GF_SOLUTION.formulas[0])
    return judged(ok, [ev], "dsolve matches" if ok else "differs", f"S_i(t) = {gf.unreg_solution}")


GF_LOSS = SeedStatement(
    "The generalization loss along the flow is 1/2 sum_i (S_i0 - T_i)^2 exp(-2 lambda_i t).", "Unregularized case",
    (SeedFormula("per-mode share of l_gen", lambda: seed.gf_gen_loss, lambda: gf.unreg_gen_loss, _MODE, "gf_unregularized"),))


@claim("gf_unregularized_loss", "A", "S", GF_LOSS)
def gf_unregularized_loss(ctx: Context) -> Outcome:
    ev, ok = against_seed(ctx, GF_LOSS.formulas[0])
    return judged(ok, [ev], "matches" if ok else "differs", f"per mode: {gf.unreg_gen_loss}")


def _plateau_samples(ctx: Context, qv: float, fresh_init: bool) -> tuple[np.ndarray, float]:
    """Exact t -> infinity l_gen of GD/GF per sampled data set, with its finite-D target."""
    gram, _ = sampled_spectra(ctx, qv)
    dim, n = gram.dim, gram.n_samples
    teacher = unit_vector(dim, ctx.seed + 1)
    g = torch.Generator().manual_seed(ctx.seed + 2)
    if fresh_init:  # S0 redrawn per data set with E||S0||^2 = 1
        inits = torch.randn(gram.n_sets, dim, generator=g, dtype=torch.float64) / math.sqrt(dim)
        return 0.5 * gram.null_projection_norm2(inits - teacher).cpu().numpy(), 0.5 * (1 - n / dim) * (1.0 + 1.0)
    init = torch.randn(dim, generator=g, dtype=torch.float64) / math.sqrt(dim)
    delta = init - teacher
    values = 0.5 * gram.null_projection_norm2(delta).cpu().numpy()
    return values, 0.5 * (1 - n / dim) * float(delta @ delta)


EQ1 = SeedStatement(
    "Eq. 1: the data-averaged plateau is 1/2 (1 - N_tr/D) ||S0 - T||^2, and with a zero-mean random S0 it is "
    "1/2 (1 - N_tr/D)(<||S0||^2> + ||T||^2).", "Unregularized case, Eq. 1",
    (SeedFormula("plateau for a fixed S0", lambda: seed.eq1, lambda: gf.unreg_plateau_expr, (_RATIO, (norm_delta0, 0.1, 3)),
                 "gf_unregularized"),
     SeedFormula("plateau averaged over a zero-mean S0", lambda: seed.eq1_random_init, lambda: gf.unreg_plateau_random_init,
                 (_RATIO, (norm_S0, 0.1, 3), (norm_T, 0.1, 3)), "gf_unregularized")))


@claim("eq1_unregularized_plateau", "A", "S N M", EQ1)
def eq1_unregularized_plateau(ctx: Context) -> Outcome:
    (ev1, ok1), (ev2, ok2) = (against_seed(ctx, f) for f in EQ1.formulas)
    numbers, agree = {}, True
    for fresh in (False, True):
        values, target = _plateau_samples(ctx, 0.7, fresh)
        cmp = within_errors(values, target)
        numbers["random S0 per set" if fresh else "fixed S0"] = cmp.as_dict()
        agree &= cmp.ok
    ev3 = Evidence("N", "exact plateau 1/2 ||P_0 (S0 - T)||^2 of sampled data sets (q=0.7) vs the formula at finite "
                   "D (exact at every D: no allowance)", numbers, agrees=agree)
    ok = ok1 and ok2
    return judged(ok, [ev1, ev2, ev3, simulated.unregularized_plateau(ctx)],
                  key=f"fixed S0: {fmt(numbers['fixed S0']['mean'])} vs {fmt(numbers['fixed S0']['target'])}")


_S_I = sp.Symbol("S_i", real=True)
_RIDGE_MODE = ((h, 0, 3), (lam, 0.01, 2), (T, -2, 2), (_S_I, -2, 2))


def _flow_as_written() -> sp.Expr:
    """The flow of the penalty as the seed writes it, derived here from its transcription."""
    return sp.expand(-sp.diff(h / 2 * (_S_I - T) ** 2 + seed.ridge_penalty, _S_I))


GF_RIDGE_EQUATION = SeedStatement(
    "With the ridge penalty lambda ||S||^2 the modes follow dS_i/dt = -(lambda_i + lambda) S_i + lambda_i T_i.",
    "Ridge regularization",
    (SeedFormula("flow of h/2 (S-T)^2 + lambda S^2 (penalty as written)", lambda: seed.ridge_flow_rhs, _flow_as_written,
                 _RIDGE_MODE),
     SeedFormula("flow of h/2 (S-T)^2 + lambda/2 S^2", lambda: seed.ridge_flow_rhs,
                 lambda: gf.ridge_ode.rhs.subs(sp.Function("S")(t), _S_I), _RIDGE_MODE, "gf_ridge")))


@claim("gf_ridge_equation", "A", "S", GF_RIDGE_EQUATION)
def gf_ridge_equation(ctx: Context) -> Outcome:
    written, half_penalty = GF_RIDGE_EQUATION.formulas
    as_written, half = written.derived_expr(), half_penalty.derived_expr()
    (ev_w, ok_w), (ev_h, ok_h) = against_seed(ctx, written), against_seed(ctx, half_penalty)
    readings = [
        Reading("penalty lambda ||S||^2, as written", "confirmed" if ok_w else "refuted",
                f"the flow is dS_i/dt = {sp.sstr(as_written)}"),
        Reading("penalty (lambda/2) ||S||^2 (Hessian Sigma_tr + lambda I, as the step sizes assume)",
                "confirmed" if ok_h else "refuted", "the printed flow follows"),
    ]
    key = "matches" if ok_w else ("needs penalty (lambda/2)||S||^2" if ok_h else "matches neither penalty")
    fits = "belongs to the penalty (lambda/2)||S||^2" if ok_h else f"solves neither; the derived one is {sp.sstr(half)}"
    return judged(ok_w, [ev_w, ev_h], key, f"the printed flow {fits}; with the penalty as written, "
                  f"{sp.sstr(seed.ridge_penalty)}, it reads dS_i/dt = {sp.sstr(as_written)}", readings=readings)


GF_RIDGE_SOLUTION = SeedStatement(
    "The ridge flow is solved by S_i(t) = (S_i0 - lambda_i T_i/(lambda + lambda_i)) exp(-(lambda + lambda) t) "
    "+ lambda_i T_i/(lambda + lambda_i), as printed.", "Ridge regularization",
    (SeedFormula("dsolve of the ridge flow (penalty lambda/2 ||S||^2) vs the printed solution", lambda: seed.ridge_solution,
                 lambda: gf.ridge_solution, ((h, 0.05, 3), (lam, 0.01, 2), (t, 0.1, 5), (S0, -2, 2), (T, -2, 2)),
                 "gf_ridge"),))


@claim("gf_ridge_solution", "A", "S", GF_RIDGE_SOLUTION)
def gf_ridge_solution(ctx: Context) -> Outcome:
    (formula,) = GF_RIDGE_SOLUTION.formulas
    ev, ok = against_seed(ctx, formula)
    pts = probe_points(formula.ranges, ctx.profile.n_probes, ctx.seed + 17)
    residual = sp.simplify(sp.diff(seed.ridge_solution, t) - gf.ridge_ode.rhs.subs(sp.Function("S")(t), seed.ridge_solution))
    ev.numbers["printed_solution_ode_residual"] = sp.sstr(residual)
    # is the printed exponent the only error? put the derived rate in its place and compare again
    exponent_fixed = seed.ridge_solution.replace(sp.exp, lambda arg: sp.exp(-(h + lam) * t))
    only_exponent = same_expression(exponent_fixed, gf.ridge_solution, pts).equal
    ev.numbers["only_the_exponent_is_wrong"] = only_exponent
    if only_exponent:
        key = f"exponent should be -({sp.sstr(h + lam)}) t"
        correction = (f"S_i(t) = {sp.sstr(exponent_fixed)}: the printed exponent does not solve the flow; it leaves "
                      f"the residual {sp.sstr(residual)}")
    else:
        key = f"printed solution leaves the ODE residual {sp.sstr(residual)}"
        correction = f"S_i(t) = {sp.sstr(gf.ridge_solution)} (dsolve); the printed form leaves the residual " \
                     f"{sp.sstr(residual)}"
    return judged(ok, [ev], "matches dsolve" if ok else key, correction)


EQ2 = SeedStatement(
    "Eq. 2: with ridge the data-averaged plateau is 1/2 ||T||^2 <lambda^2/(lambda + lambda_i)^2>.",
    "Ridge regularization, Eq. 2",
    (SeedFormula("t -> infinity share of one mode, per T_i^2", lambda: seed.eq2_mode * T**2, lambda: gf.ridge_mode_plateau,
                 ((h, 0, 3), (lam, 0.01, 2), (T, -2, 2)), "gf_ridge"),))


@claim("eq2_ridge_plateau", "A", "S N M", EQ2)
def eq2_ridge_plateau(ctx: Context) -> Outcome:
    ev_s, ok = against_seed(ctx, EQ2.formulas[0])
    quad_numbers, quad_ok = {}, True
    for p in probes(ctx, q=_RATIO, lam=(lam, 0.005, 2.0)):
        qv, lv = p[q], p[lam]
        closed = gf.ridge_plateau(qv, lv)
        quad = float(mp_average(qv, lambda v: lv**2 / (lv + v) ** 2) / 2)
        quad_numbers[f"q={qv:.4g}, lam={lv:.4g}"] = {"closed_form": closed, "quadrature": quad}
        quad_ok &= abs(closed - quad) <= 1e-10 * max(abs(quad), 1e-300)
    ev_q = Evidence("N", "closed form -lambda^2 g'(lambda)/2 vs mpmath quadrature of the MP law", quad_numbers,
                    agrees=quad_ok)
    sampled, s_ok = {}, True
    for qv in ctx.profile.ratios:
        gram, _ = sampled_spectra(ctx, qv)
        lv = float(lambda_R(qv))
        values = 0.5 * gram.ridge_residual_norm2(unit_vector(gram.dim, ctx.seed + 1), lv).cpu().numpy()
        target = gf.ridge_plateau(qv, lv)
        cmp = within_errors(values, target, allowance=5 * target / gram.dim)
        sampled[f"q={qv}"] = cmp.as_dict()
        s_ok &= cmp.ok
    ev_n = Evidence("N", f"exact plateau 1/2 ||lambda (Sigma_tr + lambda)^-1 T||^2 of sampled data sets at "
                    f"lambda = lambda_R(q), D={ctx.profile.dim}, vs the MP closed form (allowance 5/D relative: "
                    "the O(1/D) finite-size bias of a smooth spectral average)", sampled, agrees=s_ok)
    return judged(ok, [ev_s, ev_q, ev_n, simulated.ridge_plateau(ctx)],
                  key=f"MP at q=0.7, lambda_R: {fmt(gf.ridge_plateau(0.7, float(lambda_R(0.7))))}")


EQ3 = SeedStatement(
    "Eq. 3: for small lambda the averaged ridge plateau is 1/2 (1 - N_tr/D) ||T||^2 + O(lambda^2), whatever S0.",
    "Ridge regularization, Eq. 3",
    (SeedFormula("constant term of the small-lambda expansion", lambda: seed.eq3, lambda: gf.small_lambda_constant,
                 (_RATIO,), "gf_ridge"),))


@claim("eq3_ridge_small_lambda", "A", "S N M", EQ3)
def eq3_ridge_small_lambda(ctx: Context) -> Outcome:
    ev_c, ok_c = against_seed(ctx, EQ3.formulas[0])
    series = sp.series(gf.ridge_plateau_mp, lam, 0, 2).removeO()
    linear_zero = sp.simplify(series.coeff(lam, 1)) == 0
    no_s0 = S0 not in gf.ridge_mode_plateau.free_symbols
    ev_c.numbers.update({"linear_term_vanishes": linear_zero, "independent_of_S0": no_s0,
                         "lambda^2_coefficient": sp.sstr(gf.small_lambda_coefficient)})
    coef = sp.lambdify(q, gf.small_lambda_coefficient)
    numbers, agree = {}, True
    for qv in (0.3, 0.7):
        lv = 1e-6  # the next term is O(lambda^3): relative error ~ lambda c3 / c2 < 1e-4 here
        with mpmath.workdps(50):
            quad = (mp_average(qv, lambda v: mpmath.mpf(lv) ** 2 / (lv + v) ** 2, dps=50) / 2 - (1 - mpmath.mpf(qv)) / 2)
            quad = float(quad / mpmath.mpf(lv) ** 2)
        numbers[f"q={qv}"] = {"quadrature_(plateau-(1-q)/2)/lambda^2": quad, "derived_coefficient": float(coef(qv))}
        agree &= abs(quad - coef(qv)) <= 1e-3 * abs(coef(qv))
    ev_n = Evidence("N", "lambda^2 coefficient: mpmath quadrature at lambda = 1e-6 vs the derived series", numbers,
                    agrees=agree)
    ok = ok_c and linear_zero and no_s0
    return judged(ok, [ev_c, ev_n, simulated.ridge_correction_measured(ctx)],
                  key=f"plateau = (1-q)/2 + {sp.sstr(gf.small_lambda_coefficient)} lambda^2 + ...")


@claim("ridge_beats_unregularized", "A", "S M", SeedStatement(
    "The ridge plateau (Eq. 3) is generally lower than the unregularized one (Eq. 1).", "Ridge regularization"))
def ridge_beats_unregularized(ctx: Context) -> Outcome:
    # ridge / unregularized = (1 + c) ||T||^2 / (<||S0||^2> + ||T||^2), c the finite-lambda correction.
    numbers = {}
    ratios_probed = (0.3, 0.7, 0.9)
    for qv in ratios_probed:
        c = float(ridge_correction(qv))
        numbers[f"q={qv}"] = {"correction_at_lambda_R": c, "ratio_if_E|S0|^2=|T|^2": (1 + c) / 2,
                              "ratio_if_S0=0": 1 + c}
    ev = Evidence("S", "Eq. 2 over Eq. 1 = (1 + c(q, lambda)) ||T||^2 / (<||S0||^2> + ||T||^2): ridge is lower "
                  "exactly when <||S0||^2> > c ||T||^2", numbers, agrees=None)
    seed_size = [v["ratio_if_E|S0|^2=|T|^2"] for v in numbers.values()]
    zero_init = [v["ratio_if_S0=0"] for v in numbers.values()]
    corr = (f"ridge is lower exactly when <||S0||^2> > c(q, lambda) ||T||^2, with c the relative finite-lambda "
            f"correction (at most {float(ridge_correction_sup()):.2%} at lambda_R); with a zero initialization "
            f"the ratio is {min(zero_init):.4g} to {max(zero_init):.4g} at q in {sorted(ratios_probed)}")
    readings = [Reading("for an initialization of the seed's size (<||S0||^2> = ||T||^2)",
                        "confirmed" if max(seed_size) < 1 else "refuted",
                        f"ridge / unregularized = {min(seed_size):.3f} to {max(seed_size):.3f}"),
                Reading("for every initialization", "confirmed" if max(zero_init) < 1 else "refuted", corr)]
    # "generally lower" is judged at an initialization of the seed's size; the other reading is reported beside it
    return judged(readings[0].verdict == "confirmed", [ev, simulated.ridge_vs_unregularized(ctx)],
                  f"ratio {fmt(numbers['q=0.7']['ratio_if_E|S0|^2=|T|^2'])} at q=0.7 (E|S0|^2=1)", corr,
                  readings=readings)


@claim("s0_norm_expectation", "A", "S N", SeedStatement(
    "An initial student with entries drawn from N(0, 1/sqrt(D)) has E||S0||^2 = 1.", "Numerics"))
def s0_norm_expectation(ctx: Context) -> Outcome:
    dim_sym = sp.Symbol("D", positive=True)
    second = seed.s0_second_argument(dim_sym)
    as_variance = sp.simplify(dim_sym * second)
    as_std = sp.simplify(dim_sym * second**2)
    dim = 1000
    g = torch.Generator().manual_seed(ctx.seed + 9)
    draws_var = (torch.randn(ctx.profile.n_sets, dim, generator=g, dtype=torch.float64) * dim ** -0.25).pow(2).sum(1)
    draws_std = (torch.randn(ctx.profile.n_sets, dim, generator=g, dtype=torch.float64) * dim ** -0.5).pow(2).sum(1)
    c_var = within_errors(draws_var.numpy(), float(as_variance.subs(dim_sym, dim)))
    c_std = within_errors(draws_std.numpy(), float(as_std.subs(dim_sym, dim)))
    evidence = [
        Evidence("S", "E||S0||^2 = D x (variance of an entry)",
                 {"second_argument_is_variance": sp.sstr(as_variance), "second_argument_is_std": sp.sstr(as_std)},
                 agrees=None),
        Evidence("N", f"sampled ||S0||^2 at D={dim}, both readings", {"variance": c_var.as_dict(),
                 "std": c_std.as_dict()}, agrees=c_var.ok and c_std.ok),
    ]
    readings = [
        Reading("N(mean, variance), the usual notation", "confirmed" if as_variance == 1 else "refuted",
                f"E||S0||^2 = {as_variance} (= {float(as_variance.subs(dim_sym, dim)):.4g} at D = {dim})"),
        Reading("N(mean, standard deviation), as torch.normal takes it", "confirmed" if as_std == 1 else "refuted",
                f"E||S0||^2 = {as_std}"),
    ]
    holds = as_variance == 1  # the usual notation decides; the other reading is reported beside it
    return judged(holds, evidence, f"variance reading: {as_variance}; std reading: {as_std}",
                  f"entries of variance 1/D (standard deviation 1/sqrt(D)), i.e. N(0, 1/D), give E||S0||^2 = 1; "
                  f"N(0, 1/sqrt(D)) read as a variance gives {as_variance}", readings=readings)
