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
from gentoys.checks.framework.decisions import EXACT_RESOLUTION, FINITE_SIZE, combined, worst
from gentoys.checks.framework.compare import same_expression, within_tolerance
from gentoys.checks.framework.judging import against_seed, decided, fmt, inconclusive, judged, probe_points, probes
from gentoys.checks.framework.text import math_text
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.sim import sample_gram
from gentoys.theory import gradient_flow as gf
from gentoys.theory import marchenko_pastur as mpl
from gentoys.theory.core.symbols import S0, T, h, lam, lam_max, norm_delta0, norm_S0, norm_T, q, t
from gentoys.theory.mp_limits import lambda_R
from gentoys.theory.ridge import ridge_correction, ridge_correction_sup
from gentoys.theory.tracy_widom import tracy_widom_scale

_RATIO = (q, 0.05, 0.95)
_LAMBDA_I, _T_I, _S_I0 = sp.symbols("lambda_i T_i S_i0", real=True)
#: every text shown with a mode's symbols defines them once
MODE_SYMBOLS = "λ_i the mode's eigenvalue of Σ_tr, T_i and S_i0 the teacher's and the initial student's components"


def shown(expr) -> str:
    """A one-mode expression as a person reads it: h printed λ_i (the mode's eigenvalue), T as T_i, S_0 as S_i0."""
    return math_text(sp.sympify(expr).subs({h: _LAMBDA_I, T: _T_I, S0: _S_I0}, simultaneous=True))


_NORM_SYMBOLS = {norm_delta0: sp.Symbol("‖S0 − T‖²"), norm_S0: sp.Symbol("⟨‖S0‖²⟩"), norm_T: sp.Symbol("‖T‖²")}


def _norms(expr) -> str:
    """A plateau expression with the norms printed as norms."""
    return math_text(sp.sympify(expr).subs(_NORM_SYMBOLS, simultaneous=True))


def _q_key(ctx: Context) -> float:
    """The ratio quoted in keys: the seed's q = 0.7 when the profile samples it, else its last ratio."""
    return 0.7 if 0.7 in ctx.profile.ratios else ctx.profile.ratios[-1]


MP_EDGES = SeedStatement(
    "The non-zero eigenvalues of Sigma_tr fill [lambda_-, lambda_+] with lambda_pm = (1 pm sqrt(D/N_tr))^2 "
    "as D grows at fixed q, and at least D - N_tr eigenvalues are zero.", "Numerics; Unregularized case",
    (SeedFormula("lower edge", lambda: seed.edges[0], lambda: mpl.lower_edge_expr, (_RATIO,), "marchenko_pastur"),
     SeedFormula("upper edge", lambda: seed.edges[1], lambda: mpl.upper_edge_expr, (_RATIO,), "marchenko_pastur")),
    reading="Σ_tr = XᵀX for an N_tr × D design X with i.i.d. entries of variance 1/N_tr (the notebook's 1/(qD)), so "
            "⟨Σ_tr⟩ = I; λ− the smallest non-zero eigenvalue; the edges are the limit D → ∞ at fixed q = N_tr/D.")


@claim("mp_edges", "A", "S N", MP_EDGES)
def mp_edges(ctx: Context) -> Outcome:
    (ev_lo, eq_lo), (ev_hi, eq_hi) = (against_seed(ctx, f) for f in MP_EDGES.formulas)
    cmps, masses, mass_ok = {}, {}, True
    for qv in ctx.profile.ratios:
        gram, ev = sampled_spectra(ctx, qv)
        lo, hi = mpl.mp_edges(qv)
        s_lo, s_hi = tracy_widom_scale(gram.dim, gram.n_samples)
        # at finite D an extreme eigenvalue sits O(1) Tracy-Widom scales (~ D^(-2/3)) from the limit edge (the TW_1
        # law has mean -1.2): 3 scales allow for that offset, so the tolerance is a finite-size allowance
        cmps[f"q={qv:g}, λ−"] = within_tolerance(ev[:, 0], lo, 3 * s_lo)
        cmps[f"q={qv:g}, λ+"] = within_tolerance(ev[:, -1], hi, 3 * s_hi)
        masses[f"q={qv:g}"] = float(mp_average(qv, lambda v: 1 if v > 0 else 0))
        mass_ok &= abs(masses[f"q={qv:g}"] - qv) < 1e-12
    p = ctx.profile
    evidence = [ev_lo, ev_hi, combined(
        "N", f"extreme non-zero eigenvalues of {p.n_sets} sampled Σ_tr at D={p.dim} vs the derived edges (tolerance: "
        "3 Tracy-Widom scales of each edge, the finite-D offset)", cmps),
        Evidence("N", "mass of the continuous Marchenko-Pastur density by quadrature, against q", masses,
                 agrees=mass_ok)]
    zeros = _zero_counts(ctx)
    evidence.append(zeros)
    holds = eq_lo and eq_hi and zeros.numbers["all_exact"]
    qk = _q_key(ctx)
    lo_k, hi_k = cmps[f"q={qk:g}, λ−"], cmps[f"q={qk:g}, λ+"]
    return judged(holds, evidence,
                  key=f"q={qk:g}: λ− = {fmt(lo_k.target)}, λ+ = {fmt(hi_k.target)} (D → ∞); sampled at D={p.dim} "
                      f"({p.n_sets} sets): {fmt(lo_k.mean)}, {fmt(hi_k.mean)}",
                  correction=lambda: (
                      f"λ− = {math_text(mpl.lower_edge_expr)} and λ+ = {math_text(mpl.upper_edge_expr)} (q = N_tr/D), "
                      f"against the printed {math_text(seed.edges[0])} and {math_text(seed.edges[1])}; zero "
                      f"eigenvalues per data set: {zeros.numbers['counts']} for D − N_tr = {zeros.numbers['expected']}"))


def _zero_counts(ctx: Context) -> Evidence:
    dim, n = 200, 140
    gram = sample_gram(6, dim, n, seed=ctx.seed + 5, device=ctx.device)
    full = gram.full_eigenvalues()
    tol = 1e-9 * full.abs().amax(dim=1, keepdim=True)
    counts = (full.abs() <= tol).sum(dim=1).tolist()
    return Evidence("N", f"zero eigenvalues of 6 full D × D spectra (D={dim}, N_tr={n}): exactly D − N_tr in every set",
                    {"counts": counts, "expected": dim - n, "all_exact": all(c == dim - n for c in counts)},
                    agrees=all(c == dim - n for c in counts))


@claim("null_fraction_exact", "A", "S N M", SeedStatement(
    "On average exactly D - N_tr eigenvalues vanish, and by isotropy every direction is equally likely to lie "
    "in the null space.", "Unregularized case",
    reading="data sets X with i.i.d. Gaussian entries (a rotation-invariant law); 'exactly D − N_tr' counted per "
            "data set; 'equally likely' read as: every fixed direction has the same expected share 1 − N_tr/D in "
            "the null space of Σ_tr."))
def null_fraction_exact(ctx: Context) -> Outcome:
    atom_ok = sp.simplify(mpl.atom_expr - (1 - q)) == 0
    evidence = [Evidence("S", "rank XᵀX = N_tr almost surely, so exactly D − N_tr zeros in every data set (not "
                         "only on average); the derived Marchenko-Pastur atom at 0 is 1 − q",
                         {"atom": math_text(mpl.atom_expr), "atom_is_1_minus_q": bool(atom_ok)}, agrees=atom_ok)]
    zeros = _zero_counts(ctx)
    evidence.append(zeros)
    qv = 0.7
    gram, _ = sampled_spectra(ctx, qv)
    dim, n = gram.dim, gram.n_samples
    target = 1 - n / dim
    axis = torch.zeros(dim, dtype=torch.float64)
    axis[0] = 1
    random_dir = unit_vector(dim, ctx.seed + 3)
    cmps = {"coordinate axis": within_tolerance(gram.null_projection_norm2(axis).cpu().numpy(), target,
                                                EXACT_RESOLUTION * target),
            "random direction": within_tolerance(gram.null_projection_norm2(random_dir).cpu().numpy(), target,
                                                 EXACT_RESOLUTION * target)}
    evidence.append(combined(
        "N", f"‖P₀v‖² over {gram.n_sets} data sets (D={dim}, N_tr={n}; P₀ the projector on the null space of Σ_tr) "
        f"for a coordinate axis and a random direction v, vs 1 − N_tr/D, exact at every D (tolerance "
        f"{EXACT_RESOLUTION:.0%} of it)", cmps))
    evidence.append(simulated.null_space_untouched(ctx))
    key = (f"null share of a direction (D={dim}, N_tr={n}, {gram.n_sets} sets): {fmt(cmps['coordinate axis'].mean)} "
           f"(axis), {fmt(cmps['random direction'].mean)} (random) vs 1 − N_tr/D = {fmt(target)}")
    correction = (f"null share {fmt(cmps['coordinate axis'].mean)} (axis) and {fmt(cmps['random direction'].mean)} "
                  f"(random) against 1 − N_tr/D = {fmt(target)}; zero eigenvalues per data set "
                  f"{zeros.numbers['counts']} for D − N_tr = {zeros.numbers['expected']}")
    if not (atom_ok and zeros.numbers["all_exact"]):
        return judged(False, evidence, key, correction)
    return decided(worst(cmps), evidence, key, correction)


_MODE = ((h, 0, 3), (t, 0, 5), (S0, -2, 2), (T, -2, 2))
_FLOW = "the gradient flow of ℓ_tr = ½(S − T)ᵀΣ_tr(S − T), component by component in the orthonormal eigenbasis of Σ_tr"
GF_SOLUTION = SeedStatement(
    "Without regularization each eigen-component relaxes exponentially: S_i(t) = T_i + (S_i0 - T_i) "
    "exp(-lambda_i t).", "Unregularized case",
    (SeedFormula("dsolve of the one-mode flow vs the printed solution", lambda: seed.gf_solution,
                 lambda: gf.unreg_solution, _MODE, "gf_unregularized"),),
    reading=f"{_FLOW}, with S(0) = S0; λ_i the mode's eigenvalue.")


@claim("gf_unregularized_solution", "A", "S", GF_SOLUTION)
def gf_unregularized_solution(ctx: Context) -> Outcome:
    (formula,) = GF_SOLUTION.formulas
    ev, ok = against_seed(ctx, formula)
    derived = formula.derived_expr()
    derived = T + sp.factor(sp.simplify(derived - T))
    return judged(ok, [ev], f"dsolve: S_i(t) = {shown(derived)} ({MODE_SYMBOLS}); "
                            f"{'matches' if ok else 'differs from'} the printed form",
                  f"S_i(t) = {shown(derived)} ({MODE_SYMBOLS}), not the printed "
                  f"{shown(formula.seed_expr())}")


GF_LOSS = SeedStatement(
    "The generalization loss along the flow is 1/2 sum_i (S_i0 - T_i)^2 exp(-2 lambda_i t).", "Unregularized case",
    (SeedFormula("per-mode share of l_gen", lambda: seed.gf_gen_loss, lambda: gf.unreg_gen_loss, _MODE,
                 "gf_unregularized"),),
    reading=f"ℓ_gen = ½‖S − T‖² (the population loss, ⟨Σ_tr⟩ = I) along {_FLOW}; λ_i the mode's eigenvalue.")


@claim("gf_unregularized_loss", "A", "S", GF_LOSS)
def gf_unregularized_loss(ctx: Context) -> Outcome:
    (formula,) = GF_LOSS.formulas
    ev, ok = against_seed(ctx, formula)
    return judged(ok, [ev], f"per mode: {shown(formula.derived_expr())} ({MODE_SYMBOLS}); "
                            f"{'matches' if ok else 'differs from'} the printed form",
                  f"per mode ℓ_gen gets {shown(formula.derived_expr())} ({MODE_SYMBOLS}), not the printed "
                  f"{shown(formula.seed_expr())}")


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
    (SeedFormula("plateau for a fixed S0", lambda: seed.eq1, lambda: gf.unreg_plateau_expr,
                 (_RATIO, (norm_delta0, 0.1, 3)), "gf_unregularized"),
     SeedFormula("plateau averaged over a zero-mean S0", lambda: seed.eq1_random_init,
                 lambda: gf.unreg_plateau_random_init, (_RATIO, (norm_S0, 0.1, 3), (norm_T, 0.1, 3)),
                 "gf_unregularized")),
    reading="t → ∞ of the unregularized flow; ⟨·⟩_X the average over data sets at fixed S0 and T (first form), "
            "and also over a zero-mean S0 drawn independently of X (second form); finite D, q = N_tr/D.")


@claim("eq1_unregularized_plateau", "A", "S N M", EQ1)
def eq1_unregularized_plateau(ctx: Context) -> Outcome:
    (ev1, ok1), (ev2, ok2) = (against_seed(ctx, f) for f in EQ1.formulas)
    cmps = {}
    for fresh in (False, True):
        values, target = _plateau_samples(ctx, 0.7, fresh)
        cmps["S0 redrawn per set" if fresh else "fixed S0"] = within_tolerance(values, target,
                                                                               EXACT_RESOLUTION * target)
    gram, _ = sampled_spectra(ctx, 0.7)
    ev3 = combined("N", f"exact plateau ½‖P₀(S0 − T)‖² of {gram.n_sets} sampled data sets (D={gram.dim}, "
                   f"N_tr={gram.n_samples}) vs Eq. 1 at finite D, exact at every D (tolerance "
                   f"{EXACT_RESOLUTION:.0%} of it)", cmps)
    fixed = cmps["fixed S0"]
    return judged(ok1 and ok2, [ev1, ev2, ev3, simulated.unregularized_plateau(ctx)],
                  key=f"fixed S0 (D={gram.dim}, N_tr={gram.n_samples}, {gram.n_sets} sets): {fmt(fixed.mean)} vs "
                      f"Eq. 1 {fmt(fixed.target)}",
                  correction=lambda: (f"the plateau is {_norms(gf.unreg_plateau_expr)} at fixed S0 and "
                                      f"{_norms(gf.unreg_plateau_random_init)} averaged over a zero-mean S0 "
                                      "(q = N_tr/D), against the printed "
                                      f"{_norms(seed.eq1)} and {_norms(seed.eq1_random_init)}"))


_S_I = sp.Symbol("S_i", real=True)
_RIDGE_MODE = ((h, 0, 3), (lam, 0.01, 2), (T, -2, 2), (_S_I, -2, 2))


def _flow_text(rhs) -> str:
    """A one-mode flow's right-hand side as read: −(λ_i + λ)·S_i + λ_i·T_i when it is linear in S_i."""
    rhs = sp.expand(rhs)
    if sp.diff(rhs, _S_I, 2) != 0:
        return shown(rhs)
    coef, rest = rhs.coeff(_S_I), sp.simplify(rhs - rhs.coeff(_S_I) * _S_I)
    slope = f"−({shown(-coef)})·S_i" if coef.could_extract_minus_sign() else f"{shown(coef)}·S_i"
    return f"{slope} + {shown(rest)}"


def _flow_as_written() -> sp.Expr:
    """The flow of the penalty as the seed writes it, derived here from its transcription."""
    return sp.collect(sp.expand(-sp.diff(h / 2 * (_S_I - T) ** 2 + seed.ridge_penalty, _S_I)), _S_I)


GF_RIDGE_EQUATION = SeedStatement(
    "With the ridge penalty lambda ||S||^2 the modes follow dS_i/dt = -(lambda_i + lambda) S_i + lambda_i T_i.",
    "Ridge regularization",
    (SeedFormula("flow of h/2 (S-T)^2 + lambda S^2 (penalty as written)", lambda: seed.ridge_flow_rhs,
                 _flow_as_written, _RIDGE_MODE),
     SeedFormula("flow of h/2 (S-T)^2 + lambda/2 S^2", lambda: seed.ridge_flow_rhs,
                 lambda: gf.ridge_ode.rhs.subs(sp.Function("S")(t), _S_I), _RIDGE_MODE, "gf_ridge")),
    reading="the penalty λ‖S‖² added to ℓ_tr, as the text names it; the flow is its gradient flow, mode by mode "
            "in the eigenbasis of Σ_tr (λ_i the mode's eigenvalue, λ the ridge strength).")


def _conclusions_of_printed_flow(ctx: Context) -> tuple[Evidence, bool]:
    """What the printed ridge flow implies for the conclusions it serves: its fixed point's share of l_gen (Eq. 2
    per mode) and its Hessian's condition number (R_lambda, hence lambda_R), each against what the seed prints."""
    rhs = seed.ridge_flow_rhs
    fixed_point = sp.solve(sp.Eq(rhs, 0), _S_I)[0]
    plateau = (fixed_point - T) ** 2 / 2
    pts = probe_points(((h, 0, 3), (lam, 0.01, 2), (T, -2, 2)), ctx.profile.n_probes, ctx.seed + 17)
    eq2_ok = same_expression(plateau, seed.eq2_mode * T**2, pts).equal
    curvature = sp.expand(-sp.diff(rhs, _S_I))  # the mode's Hessian eigenvalue under the printed flow
    kappa = curvature.subs(h, lam_max) / curvature.subs(h, 0)
    rate = (kappa - 1) / (kappa + 1)
    rate_pts = probe_points(((lam_max, 0.5, 6), (lam, 0.01, 2)), ctx.profile.n_probes, ctx.seed + 19)
    rate_ok = same_expression(rate, seed.rate_ridge, rate_pts).equal
    ev = Evidence("S", "what the printed flow implies: its fixed point's share of ℓ_gen against Eq. 2 per mode, "
                  "and the rate (κ − 1)/(κ + 1) of its Hessian (κ its condition number over λ_i in [0, λ_max]) "
                  "against the printed R_λ on which λ_R rests",
                  {"plateau_per_mode": shown(plateau), "matches_eq2": eq2_ok, "hessian_of_a_mode": shown(curvature),
                   "rate": math_text(sp.simplify(rate)), "matches_R_lambda": rate_ok}, agrees=None)
    return ev, eq2_ok and rate_ok


@claim("gf_ridge_equation", "A", "S", GF_RIDGE_EQUATION)
def gf_ridge_equation(ctx: Context) -> Outcome:
    written, half_penalty = GF_RIDGE_EQUATION.formulas
    as_written = written.derived_expr()
    (ev_w, ok_w), (ev_h, ok_h) = against_seed(ctx, written), against_seed(ctx, half_penalty)
    ev_c, stands = _conclusions_of_printed_flow(ctx)
    symbols = f"{MODE_SYMBOLS}; λ the ridge strength"
    readings = [Reading("penalty (λ/2)‖S‖² (Hessian Σ_tr + λI, as Numerics and R_λ assume)",
                        "confirmed" if ok_h else "refuted",
                        f"the printed flow dS_i/dt = {_flow_text(seed.ridge_flow_rhs)} "
                        f"{'is' if ok_h else 'is not'} its gradient flow ({symbols})")]
    fits = ("is the gradient flow of ℓ_tr + (λ/2)‖S‖²" if ok_h else
            f"is the flow of neither penalty (for (λ/2)‖S‖² it is {_flow_text(half_penalty.derived_expr())})")
    serves = ("Eq. 2 and R_λ (hence λ_R) follow from the printed flow, so they stand" if stands else
              "Eq. 2 or R_λ does not follow from the printed flow")
    key = ("matches the penalty as named" if ok_w else
           f"the printed flow needs the penalty (λ/2)‖S‖²; Eq. 2 and R_λ {'follow' if stands else 'do not follow'}"
           if ok_h else "matches neither penalty")
    return judged(ok_w, [ev_w, ev_h, ev_c], key,
                  f"the printed flow dS_i/dt = {_flow_text(seed.ridge_flow_rhs)} {fits}; with the penalty as named, "
                  f"λ‖S‖² (per mode {shown(seed.ridge_penalty)}), it reads dS_i/dt = {_flow_text(as_written)} "
                  f"({symbols}). "
                  f"{serves}", readings=readings, conclusion_stands=ok_h and stands)


GF_RIDGE_SOLUTION = SeedStatement(
    "The ridge flow is solved by S_i(t) = (S_i0 - lambda_i T_i/(lambda + lambda_i)) exp(-(lambda + lambda) t) "
    "+ lambda_i T_i/(lambda + lambda_i), as printed.", "Ridge regularization",
    (SeedFormula("dsolve of the ridge flow (penalty lambda/2 ||S||^2) vs the printed solution",
                 lambda: seed.ridge_solution, lambda: gf.ridge_solution,
                 ((h, 0.05, 3), (lam, 0.01, 2), (t, 0.1, 5), (S0, -2, 2), (T, -2, 2)), "gf_ridge"),),
    reading="the solution with S_i(0) = S_i0 of the printed flow dS_i/dt = −(λ_i + λ)S_i + λ_i T_i (λ_i the mode's "
            "eigenvalue, λ the ridge strength).")


@claim("gf_ridge_solution", "A", "S", GF_RIDGE_SOLUTION)
def gf_ridge_solution(ctx: Context) -> Outcome:
    (formula,) = GF_RIDGE_SOLUTION.formulas
    ev, ok = against_seed(ctx, formula)
    pts = probe_points(formula.ranges, ctx.profile.n_probes, ctx.seed + 17)
    flow = gf.ridge_ode.rhs.subs(sp.Function("S")(t), seed.ridge_solution)
    residual = sp.simplify(sp.diff(seed.ridge_solution, t) - flow)
    ev.numbers["printed_solution_ode_residual"] = shown(residual)
    # is the printed exponent the only error? put the derived rate in its place and compare again
    exponent_fixed = seed.ridge_solution.replace(sp.exp, lambda arg: sp.exp(-(h + lam) * t))
    only_exponent = same_expression(exponent_fixed, gf.ridge_solution, pts).equal
    ev.numbers["only_the_exponent_is_wrong"] = only_exponent
    # the conclusion it serves, Eq. 2, needs only the limit t -> infinity
    limit_pts = probe_points(((h, 0.05, 3), (lam, 0.01, 2), (S0, -2, 2), (T, -2, 2)), ctx.profile.n_probes,
                             ctx.seed + 17)
    limit_printed, limit_derived = (sp.limit(e, t, sp.oo) for e in (seed.ridge_solution, gf.ridge_solution))
    limit_ok = same_expression(limit_printed, limit_derived, limit_pts).equal
    ev.numbers["same_limit_t_to_infinity"] = limit_ok
    symbols = f"{MODE_SYMBOLS}; λ the ridge strength"
    right = exponent_fixed if only_exponent else gf.ridge_solution
    stands = (f"its limit t → ∞, {shown(limit_derived)}, is {'unchanged' if limit_ok else 'changed'}, so Eq. 2 "
              f"{'stands' if limit_ok else 'does not follow'}")
    if only_exponent:
        key = "exponent printed −(λ + λ)t; the flow needs −(λ_i + λ)t"
        correction = (f"S_i(t) = {shown(right)} ({symbols}): the printed exponent leaves the residual "
                      f"{shown(residual)} in the flow; {stands}")
    else:
        key = f"the printed solution leaves the residual {shown(residual)} in the flow"
        correction = (f"S_i(t) = {shown(right)} (dsolve; {symbols}); the printed form leaves the residual "
                      f"{shown(residual)}; {stands}")
    return judged(ok, [ev], "matches dsolve" if ok else key, correction, conclusion_stands=limit_ok)


EQ2 = SeedStatement(
    "Eq. 2: with ridge the data-averaged plateau is 1/2 ||T||^2 <lambda^2/(lambda + lambda_i)^2>.",
    "Ridge regularization, Eq. 2",
    (SeedFormula("t -> infinity share of one mode, per T_i^2", lambda: seed.eq2_mode * T**2,
                 lambda: gf.ridge_mode_plateau, ((h, 0, 3), (lam, 0.01, 2), (T, -2, 2)), "gf_ridge"),),
    reading="t → ∞ of the ridge flow (penalty (λ/2)‖S‖², the printed flow); ⟨·⟩ over the D modes i and over data "
            "sets, the teacher spread evenly over the modes (isotropy: ⟨T_i²⟩ = ‖T‖²/D).")


@claim("eq2_ridge_plateau", "A", "S N M", EQ2)
def eq2_ridge_plateau(ctx: Context) -> Outcome:
    ev_s, ok = against_seed(ctx, EQ2.formulas[0])
    quad_numbers, quad_ok = {}, True
    for p in probes(ctx, q=_RATIO, lam=(lam, 0.005, 2.0)):
        qv, lv = p[q], p[lam]
        closed = gf.ridge_plateau(qv, lv)
        quad = float(mp_average(qv, lambda v: lv**2 / (lv + v) ** 2) / 2)
        quad_numbers[f"q={qv:.4g}, λ={lv:.4g}"] = {"closed_form": closed, "quadrature": quad}
        quad_ok &= abs(closed - quad) <= 1e-10 * max(abs(quad), 1e-300)
    ev_q = Evidence("N", "closed form −λ²g′(λ)/2 (g the Stieltjes transform) vs mpmath quadrature of the "
                    "Marchenko-Pastur law, relative 1e-10", quad_numbers, agrees=quad_ok)
    cmps = {}
    for qv in ctx.profile.ratios:
        gram, ev = sampled_spectra(ctx, qv)
        lv = float(lambda_R(qv))
        # Eq. 2 per data set: ½‖T‖² times the mode average of λ²/(λ + λ_i)², the D − N_tr zero modes included
        values = 0.5 * ((gram.dim - gram.n_samples) + (lv**2 / (lv + ev) ** 2).sum(1)) / gram.dim
        target = gf.ridge_plateau(qv, lv)
        cmps[f"q={qv:g}"] = within_tolerance(values, target, FINITE_SIZE * target / gram.dim)
    p = ctx.profile
    ev_n = combined("N", f"Eq. 2's mode average over the spectra of {p.n_sets} sampled data sets at λ = λ_R(q), "
                    f"D={p.dim}, vs the Marchenko-Pastur closed form (tolerance {FINITE_SIZE:g}/D relative: the "
                    "O(1/D) finite-size bias of a smooth spectral average)", cmps)
    qk = _q_key(ctx)
    lk = float(lambda_R(qk))
    return judged(ok, [ev_s, ev_q, ev_n, simulated.ridge_plateau(ctx)],
                  key=f"at q={qk:g}, λ_R = {fmt(lk)}: sampled (D={p.dim}, {p.n_sets} sets) "
                      f"{fmt(cmps[f'q={qk:g}'].mean)} vs Marchenko-Pastur {fmt(cmps[f'q={qk:g}'].target)} "
                      f"(‖T‖ = 1)",
                  correction=lambda: (f"per mode the plateau is {shown(gf.ridge_mode_plateau)} ({MODE_SYMBOLS}; "
                                      f"λ the ridge strength), not the printed {shown(seed.eq2_mode * T**2)}"))


EQ3 = SeedStatement(
    "Eq. 3: for small lambda the averaged ridge plateau is 1/2 (1 - N_tr/D) ||T||^2 + O(lambda^2), whatever S0.",
    "Ridge regularization, Eq. 3",
    (SeedFormula("constant term of the small-lambda expansion", lambda: seed.eq3, lambda: gf.small_lambda_constant,
                 (_RATIO,), "gf_ridge"),),
    reading="the expansion in λ → 0 at fixed q of Eq. 2 averaged under Marchenko-Pastur (per unit ‖T‖²); the "
            "seed then uses it at λ = λ_R(q), where the O(λ²) term is its finite-λ correction.")


@claim("eq3_ridge_small_lambda", "A", "S N M", EQ3)
def eq3_ridge_small_lambda(ctx: Context) -> Outcome:
    ev_c, ok_c = against_seed(ctx, EQ3.formulas[0])
    series = sp.series(gf.ridge_plateau_mp, lam, 0, 2).removeO()
    linear_zero = sp.simplify(series.coeff(lam, 1)) == 0
    no_s0 = S0 not in gf.ridge_mode_plateau.free_symbols
    ev_c.numbers.update({"linear_term_vanishes": linear_zero, "independent_of_S0": no_s0,
                         "lambda^2_coefficient": math_text(gf.small_lambda_coefficient)})
    coef = sp.lambdify(q, gf.small_lambda_coefficient)
    numbers, agree = {}, True
    for qv in (0.3, 0.7):
        lv = 1e-6  # the next term is O(lambda^3): relative error ~ lambda c3 / c2 < 1e-4 here
        with mpmath.workdps(50):
            quad = (mp_average(qv, lambda v: mpmath.mpf(lv) ** 2 / (lv + v) ** 2, dps=50) / 2
                    - (1 - mpmath.mpf(qv)) / 2)
            quad = float(quad / mpmath.mpf(lv) ** 2)
        numbers[f"q={qv}"] = {"quadrature_(plateau-(1-q)/2)/lambda^2": quad, "derived_coefficient": float(coef(qv))}
        agree &= abs(quad - coef(qv)) <= 1e-3 * abs(coef(qv))
    ev_n = Evidence("N", "λ² coefficient: mpmath quadrature at λ = 1e-6 vs the derived series (relative 1e-3, the "
                    "O(λ) remainder)", numbers, agrees=agree)
    ok = ok_c and linear_zero and no_s0
    qk = _q_key(ctx)
    lk = float(lambda_R(qk))
    at_seed = (f"at the seed's λ = λ_R({qk:g}) = {fmt(lk)} the plateau is {fmt(gf.ridge_plateau(qk, lk))} = "
               f"(1 − q)/2 × (1 + {fmt(float(ridge_correction(qk)))})")
    return judged(ok, [ev_c, ev_n, simulated.ridge_correction_measured(ctx)],
                  key=f"plateau = {math_text((1 - q) / 2 + gf.small_lambda_coefficient * lam**2)} + … per unit ‖T‖²; "
                      f"{at_seed}",
                  correction=lambda: (f"the plateau is {math_text(series)} + O(λ²) per unit ‖T‖² (q = N_tr/D), "
                                      f"S0-independent: {no_s0}; {at_seed}"))


@claim("ridge_beats_unregularized", "A", "S M", SeedStatement(
    "The ridge plateau (Eq. 3) is generally lower than the unregularized one (Eq. 1).", "Ridge regularization",
    reading="Eq. 3 with its finite-λ correction at λ = λ_R against Eq. 1, for an initialization of the seed's size "
            "(⟨‖S0‖²⟩ = ‖T‖² = 1, its Numerics); 'generally' read as: for such initializations, at every q < 1."))
def ridge_beats_unregularized(ctx: Context) -> Outcome:
    # ridge / unregularized = (1 + c) ||T||^2 / (<||S0||^2> + ||T||^2), c the finite-lambda correction.
    numbers = {}
    ratios_probed = (0.3, 0.7, 0.9)
    for qv in ratios_probed:
        c = float(ridge_correction(qv))
        numbers[f"q={qv}"] = {"correction_at_lambda_R": c, "ratio_if_E|S0|^2=|T|^2": (1 + c) / 2,
                              "ratio_if_S0=0": 1 + c}
    ev = Evidence("S", "Eq. 2 over Eq. 1 = (1 + c)‖T‖²/(⟨‖S0‖²⟩ + ‖T‖²), c the relative finite-λ correction at "
                  "λ_R: ridge is lower exactly when ⟨‖S0‖²⟩ > c‖T‖²", numbers, agrees=None)
    seed_size = [v["ratio_if_E|S0|^2=|T|^2"] for v in numbers.values()]
    zero_init = [v["ratio_if_S0=0"] for v in numbers.values()]
    sup = float(ridge_correction_sup())
    corr = (f"ridge is lower exactly when ⟨‖S0‖²⟩ > c‖T‖², c the relative finite-λ correction (at most {sup:.2%} at "
            f"λ_R); with S0 = 0 the ratio is {min(zero_init):.4g} to {max(zero_init):.4g} at q in "
            f"{sorted(ratios_probed)}")
    readings = [Reading("for every initialization, S0 = 0 included", "confirmed" if max(zero_init) < 1 else "refuted",
                        corr)]
    holds = max(seed_size) < 1
    return judged(holds, [ev, simulated.ridge_vs_unregularized(ctx)],
                  f"ridge / unregularized = (1 + c)/2 = {fmt(numbers['q=0.7']['ratio_if_E|S0|^2=|T|^2'])} at q = 0.7 "
                  f"(below 1 needed; {min(seed_size):.3f} to {max(seed_size):.3f} at q in {sorted(ratios_probed)}; "
                  "⟨‖S0‖²⟩ = ‖T‖² = 1)", corr, readings=readings)


@claim("s0_norm_expectation", "A", "S N", SeedStatement(
    "An initial student with entries drawn from N(0, 1/sqrt(D)) has E||S0||^2 = 1.", "Numerics",
    reading="the clause 'such that ‖S0‖² has expectation 1' fixes the second argument of N(0, 1/√D) as the "
            "entries' standard deviation."))
def s0_norm_expectation(ctx: Context) -> Outcome:
    dim_sym = sp.Symbol("D", positive=True)
    second = seed.s0_second_argument(dim_sym)
    as_std = sp.simplify(dim_sym * second**2)  # E||S0||^2 = D x (variance of an entry)
    as_variance = sp.simplify(dim_sym * second)
    as_notebook = sp.simplify(dim_sym / (q * dim_sym))  # the figure's run: entries of variance 1/(qD) (NOTES.md)
    dim, n = ctx.profile.dim, ctx.profile.n_sets
    g = torch.Generator().manual_seed(ctx.seed + 9)
    std_value, var_value = (float(e.subs(dim_sym, dim)) for e in (as_std, as_variance))
    draws_std = (torch.randn(n, dim, generator=g, dtype=torch.float64) * math.sqrt(std_value / dim)).pow(2).sum(1)
    draws_var = (torch.randn(n, dim, generator=g, dtype=torch.float64) * math.sqrt(var_value / dim)).pow(2).sum(1)
    cmps = {"standard deviation": within_tolerance(draws_std.numpy(), std_value, EXACT_RESOLUTION * std_value),
            "variance": within_tolerance(draws_var.numpy(), var_value, EXACT_RESOLUTION * var_value)}
    evidence = [
        Evidence("S", "E‖S0‖² = D × (variance of an entry), for the second argument read as a standard deviation "
                 "and as a variance", {"standard_deviation": math_text(as_std), "variance": math_text(as_variance)},
                 agrees=None),
        combined("N", f"‖S0‖² of {n} draws at D={dim} under each reading vs D × (variance of an entry), exact at "
                 f"every D (tolerance {EXACT_RESOLUTION:.0%} of it)", cmps)]
    readings = [
        Reading("second argument a variance, N(mean, variance)", "confirmed" if as_variance == 1 else "refuted",
                f"E‖S0‖² = {math_text(as_variance)} (= {var_value:.4g} at D = {dim}), not 1"),
        Reading("the figure's run, entries of variance 1/(qD) as the notebook drew them",
                "confirmed" if as_notebook == 1 else "refuted",
                f"E‖S0‖² = {math_text(as_notebook)} = {float(as_notebook.subs(q, 0.7)):.3g} at q = 0.7, not 1"),
    ]
    return judged(as_std == 1, evidence,
                  f"E‖S0‖² = {math_text(as_std)} (1 stated) with 1/√D the standard deviation; "
                  f"{math_text(as_variance)} if it were the variance; sampled at D={dim}: "
                  f"{fmt(cmps['standard deviation'].mean)}",
                  f"entries of standard deviation 1/√D (variance 1/D) give E‖S0‖² = 1; the printed second argument "
                  f"gives E‖S0‖² = {math_text(as_std)} read as a standard deviation", readings=readings)
