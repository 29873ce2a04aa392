"""Render docs/derivations.md from the derivation records of ``theory``.

The output depends only on the SymPy expressions and fixed text, so the
same code gives the same bytes; ``gentoys derive --check`` relies on that.
Each derivation ends with the seed's version of its result beside ours.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gentoys.checks.claims import seed
from gentoys.checks.framework.compare import same_expression
from gentoys.theory import load_all
from gentoys.theory.core.derivation import REGISTRY

ORDER = ("marchenko_pastur", "gf_unregularized", "gf_ridge", "iterates", "tuning_gd", "tuning_momentum",
         "mp_limits", "ridge_correction", "prox_l1", "wd_scalar", "wd_nuclear", "two_pair", "two_layer_flat",
         "two_layer_ridge", "two_layer_lasso", "lasso_state_evolution", "donoho_tanner")


@dataclass(frozen=True)
class SeedPair:
    claim: str
    seed_expr: sp.Expr
    derived: str  # "module:attribute" of the derived expression
    ranges: tuple  # ((symbol, low, high), ...) for probe points


def _pairs():
    from gentoys.theory import factorization as fz
    from gentoys.theory.core.symbols import S0, T, h, lam, lam_max, lam_min, norm_delta0, q, t, w

    rq, rh, rl = (q, 0.05, 0.95), (h, 0.0, 3.0), (lam, 0.01, 2.0)
    edges = ((lam_min, 0.05, 1.0), (lam_max, 1.5, 6.0), rl)
    return {
        "marchenko_pastur": [SeedPair("mp_edges", seed.edges[0], "marchenko_pastur:lower_edge_expr", (rq,)),
                             SeedPair("mp_edges", seed.edges[1], "marchenko_pastur:upper_edge_expr", (rq,))],
        "gf_unregularized": [
            SeedPair("gf_unregularized_solution", seed.gf_solution, "gradient_flow:unreg_solution",
                     (rh, (t, 0, 5), (S0, -2, 2), (T, -2, 2))),
            SeedPair("gf_unregularized_loss", seed.gf_gen_loss, "gradient_flow:unreg_gen_loss",
                     (rh, (t, 0, 5), (S0, -2, 2), (T, -2, 2))),
            SeedPair("eq1_unregularized_plateau", seed.eq1, "gradient_flow:unreg_plateau_expr",
                     (rq, (norm_delta0, 0.1, 3)))],
        "gf_ridge": [
            SeedPair("gf_ridge_solution", seed.ridge_solution, "gradient_flow:ridge_solution",
                     ((h, 0.05, 3), rl, (t, 0.1, 5), (S0, -2, 2), (T, -2, 2))),
            SeedPair("eq2_ridge_plateau", seed.eq2_mode * T**2, "gradient_flow:ridge_mode_plateau", (rh, rl, (T, -2, 2))),
            SeedPair("eq3_ridge_small_lambda", seed.eq3, "gradient_flow:small_lambda_constant", (rq,))],
        "tuning_gd": [SeedPair("distill_eta", seed.eta_gd, "tuning:eta_gd_generic_edges", edges),
                      SeedPair("distill_rates", seed.rate_gd, "tuning:rate_gd_generic_edges", edges),
                      SeedPair("lambda_R_equal_rates", seed.lambda_R, "tuning:lambda_R_generic", edges)],
        "mp_limits": [SeedPair("mp_lambda_R", seed.mp_lambda_R, "mp_limits:lambda_R", (rq,)),
                      SeedPair("mp_eta", seed.mp_eta_gd, "mp_limits:eta_gd", (rq,)),
                      SeedPair("mp_eta", seed.mp_eta_ridge, "mp_limits:eta_ridge", (rq,)),
                      SeedPair("momentum_beta_q", seed.mp_beta, "mp_limits:beta_momentum_ridge", (rq,)),
                      SeedPair("momentum_eta", seed.mp_eta_momentum_ridge, "mp_limits:eta_momentum_ridge", (rq,)),
                      SeedPair("momentum_rate", seed.mp_rate_momentum, "mp_limits:rate_momentum", (rq,))],
        "prox_l1": [SeedPair("soft_threshold_is_prox", seed.soft_threshold, "prox:soft_threshold",
                             ((w, -3, 3), (lam, 0, 2)))],
        "wd_scalar": [SeedPair("wd_factor_rank1", seed.wd_scalar_min, "factorization:scalar_min",
                               ((fz.r, 0.1, 3), (fz.lam, 0.1, 2)))],
        "two_pair": [
            SeedPair("pair_loss_normalized", seed.pair_bracket, "factorization:bracket",
                     tuple((s_, 0.2, 1.5) for s_ in (fz.x, fz.y)) + tuple((s_, -1, 1) for s_ in
                     (fz.a1, fz.b1, fz.a2, fz.b2, fz.c12, fz.d12))),
            SeedPair("pair_wd_expression", seed.pair_wd, "factorization:wd_expr",
                     tuple((s_, 0.2, 2) for s_ in (fz.lam, fz.r1, fz.r2, fz.x, fz.y, fz.u, fz.v))),
            SeedPair("pair_wd_minimum", seed.pair_wd_min, "factorization:wd_min",
                     tuple((s_, 0.2, 2) for s_ in (fz.lam, fz.x, fz.y, fz.u, fz.v))),
            SeedPair("pair_lambda_normalization", seed.pair_Lambda, "factorization:Lambda",
                     tuple((s_, 0.2, 2) for s_ in (fz.lam, fz.u, fz.v))),
            SeedPair("pair_aligned_minimum", seed.pair_aligned, "factorization:aligned_bracket",
                     ((fz.x, 0.2, 2), (fz.y, 0.2, 2)))],
    }


def _derived(path: str) -> sp.Expr:
    import importlib

    module, attr = path.split(":")
    if attr.endswith("_edges"):  # a generic (mu, L) expression at the spectrum's edges
        from gentoys.theory.core.symbols import lam_max, lam_min
        from gentoys.theory.tuning import L, mu

        return getattr(importlib.import_module(f"gentoys.theory.{module}"), attr[: -len("_edges")]).subs({mu: lam_min, L: lam_max})
    value = getattr(importlib.import_module(f"gentoys.theory.{module}"), attr)
    return getattr(value, "expr", value)


def _probe_points(ranges, n: int = 5):
    import numpy as np

    rng = np.random.default_rng(2024)
    return [{s: float(np.round(rng.uniform(lo, hi), 4)) for s, lo, hi in ranges} for _ in range(n)]


def _latex(expr: sp.Basic) -> str:
    from gentoys.theory.core.symbols import LATEX_NAMES

    return sp.latex(expr, symbol_names=LATEX_NAMES)


def _math(expr: sp.Basic) -> str:
    return "$$\n" + _latex(expr) + "\n$$\n"


def render() -> str:
    load_all()
    pairs = _pairs()
    out = ["# Derivations", "",
           "Generated by `gentoys derive` from the SymPy code in `theory/`; do not edit by hand. "
           "Each section states the model, every step as SymPy computed it, and, where the seed states "
           "the same result, the seed's version beside ours.", ""]
    for key in ORDER:
        d = REGISTRY[key]
        out += [f"## {d.title}", "", f"*Model.* {d.model}", ""]
        for i, step in enumerate(d.steps, 1):
            out.append(f"{i}. {step.text}")
            if step.expr is not None:
                out += ["", _math(step.expr)]
            else:
                out.append("")
        if key in pairs:
            out += ["**The seed's version.**", "", "| claim | seed | agrees with the derivation |", "|---|---|---|"]
            for p in pairs[key]:
                cmp = same_expression(p.seed_expr, _derived(p.derived), _probe_points(p.ranges))
                verdict = "yes" if cmp.equal else f"no (max relative gap at probes {cmp.max_abs_difference:.3g})"
                out.append(f"| `{p.claim}` | ${_latex(p.seed_expr)}$ | {verdict} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
