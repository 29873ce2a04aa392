"""Group F: over-parametrized students, the two-layer linear S = M V and a ReLU teacher-student.

The seed's numbers ("three columns", "about 89 %", "negligibly better") are
judged as statistics over independent data sets: a mean, its standard error,
and a stated allowance for the looseness of the seed's wording.
"""
from __future__ import annotations

import numpy as np

from gentoys.checks.claims import seed
from gentoys.checks.evidence.runs import describe, final, network_run
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedStatement
from gentoys.checks.framework.compare import mean_se, within_errors
from gentoys.checks.framework.judging import fmt, judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.sim.networks import HiddenUnits, NetworkRun, hidden_units
from gentoys.theory.two_layer import group_ridge_solution, two_layer_mu, two_layer_ridge_plateau

#: "about" and "close": within 5 % (relative; 5 points for a fraction); "negligibly": within 10 %
ABOUT = 0.05
NEGLIGIBLE = 0.10
#: "few" columns out of the hidden width
FEW = 10
#: float32 training over thousands of steps: the per-set ridge minimum is matched to this relative error
FLOAT32_ALLOWANCE = 1e-4


def _ms(x) -> dict:
    m, se = mean_se(x)
    return {"mean": m, "se": se}


def _units(units: HiddenUnits, run: NetworkRun) -> dict:
    out = {}
    for method in run.setting.methods:
        j = run.method(method.name)
        out[method.name] = {"alive_units": _ms(units.alive[j].double().numpy()),
                            "active_units_(w_j>=1e-3_max)": _ms(units.active[j].double().numpy()),
                            "participation_ratio": _ms(units.participation[j].numpy()),
                            "zero_fraction_of_M": _ms(units.zero_fraction[j].numpy()),
                            "second_over_first_singular_value": _ms(units.rank_ratio[j].numpy())}
    return out


# -- two-layer linear ------------------------------------------------------------------------------
def two_layer_theory(run: NetworkRun) -> dict[str, np.ndarray]:
    """Per data set, from its own Sigma_tr (float64): the ridge minimum's l_gen, the interpolation limit
    1/2 ||P0 T||^2, and how far training moved the flat part of M (max |P0 (M - M0)| over max |M0|)."""
    s = run.setting
    p = run.problem
    ridge = next(m for m in s.methods if m.name == "ridge")
    out = {"ridge_min": [], "half_P0T2": [], "flat_M_drift": []}
    for i in range(s.n_sets):
        X, T = p.X[i].double().cpu().numpy(), p.teacher[0][i].double().cpu().numpy()
        ev, U = np.linalg.eigh(X.T @ X)
        ev = np.where(ev > 1e-9 * ev.max(), ev, 0.0)
        _, S = group_ridge_solution(ev, U.T @ T, ridge.weight_decay)
        out["ridge_min"].append(0.5 * float(np.sum((S - U.T @ T) ** 2)))
        P0 = U[:, ev == 0]
        out["half_P0T2"].append(0.5 * float(np.sum((P0.T @ T) ** 2)))
        M0 = p.M0[i].double().cpu().numpy()
        M = run.M[run.method("none"), i].double().cpu().numpy()
        out["flat_M_drift"].append(float(np.abs(P0.T @ (M - M0)).max() / np.abs(M0).max()))
    return {k: np.asarray(v) for k, v in out.items()}


@claim("two_layer_lasso_columns", "F", "M", SeedStatement(
    "With S = M V (D=400, hidden width 600), lasso ends up using only a few (three) columns of M, while ridge's M "
    "shows far less structure.", "Second example: over-parametrized two-layer model"))
def two_layer_lasso_columns(ctx: Context) -> Outcome:
    run = network_run(ctx, "two_layer")
    units = hidden_units(run)
    numbers = _units(units, run)
    lasso, ridge = run.method("lasso"), run.method("ridge")
    alive = units.alive[lasso].double().numpy()
    m, se = mean_se(alive)
    counts = {int(c): int((alive == c).sum()) for c in np.unique(alive)}
    numbers["lasso_alive_columns_per_set"] = counts
    few = m + 2 * se <= FEW
    ridge_spread = float(units.alive[ridge].double().min()) == run.setting.hidden
    ridge_rank = float(units.rank_ratio[ridge].max())
    three = abs(m - seed.two_layer_lasso_columns) <= 2 * se + 0.5
    ev = Evidence("M", f"final weights ({describe(run)}); a column counts when M[:, j] and V[j] are non-zero (the soft "
                  "threshold writes exact zeros and such a unit gets zero gradient, so it never revives); the "
                  f"participation ratio counts columns without any threshold; 'few' means at most {FEW} "
                  "(mean + 2 se); a measurement with no second route", numbers, agrees=None)
    readings = [
        Reading("few columns", "confirmed" if few else "refuted", f"lasso keeps {fmt(m, 3)} +- {fmt(se, 2)} columns"),
        Reading(f"exactly {seed.two_layer_lasso_columns}", "confirmed" if three else "refuted",
                f"per-set counts {counts}; {seed.two_layer_lasso_columns} within mean +- (2 se + 0.5): {three}"),
        Reading("ridge unstructured", "confirmed" if ridge_spread else "refuted",
                f"ridge uses all {run.setting.hidden} columns, but its M is rank one "
                f"(second/first singular value <= {ridge_rank:.1e}): structured in its spectrum, not in columns"),
    ]
    return judged(few and ridge_spread, [ev], f"lasso columns {fmt(m, 3)} +- {fmt(se, 2)}; ridge rank 1 "
                  f"({ridge_rank:.0e})", readings=readings)


@claim("two_layer_matches_linear", "F", "S M", SeedStatement(
    "In the two-layer linear model lasso and ridge generalize about equally, close to the linear model's theory.",
    "Second example: over-parametrized two-layer model"))
def two_layer_matches_linear(ctx: Context) -> Outcome:
    run = network_run(ctx, "two_layer")
    s = run.setting
    ridge_wd = next(m for m in s.methods if m.name == "ridge").weight_decay
    mu = two_layer_mu(s.q, ridge_wd)
    linear = (1 - s.q) / 2
    ev_s = Evidence("S", "weight decay lam on M and V is the penalty lam ||S||, i.e. ridge with mu = lam/||S||; the "
                    "small-init unregularized limit is the min-norm interpolant, l_gen = (1-q)/2 ||T||^2",
                    {"q": s.q, "lam": ridge_wd, "mu_MP": mu, "ridge_plateau_MP": two_layer_ridge_plateau(s.q, ridge_wd),
                     "linear_theory_(1-q)/2": linear}, agrees=None)
    th = two_layer_theory(run)
    ridge_fit = within_errors(final(run, "ridge", "val") / th["ridge_min"] - 1, 0.0, allowance=FLOAT32_ALLOWANCE)
    drift = float(th["flat_M_drift"].max())
    ev_fit = Evidence("M", f"per data set ({describe(run)}): ridge's l_gen over its own minimum "
                      "1/2||S*-T||^2 (from Sigma_tr's eigendecomposition, mu solved per set) minus 1, and the "
                      "unregularized run's flat part of M, max|P0(M-M0)| / max|M0| (theory: 0 up to rounding)",
                      {"ridge_relative_gap": ridge_fit.as_dict(), "flat_M_drift_max": drift},
                      agrees=ridge_fit.ok and drift < 1e-4)
    numbers, ok = {}, True
    for name in ("none", "ridge", "lasso"):
        ratio = final(run, name, "val") / th["half_P0T2"]
        m, se = mean_se(ratio)
        numbers[f"{name}_over_interpolation_limit"] = {"mean": m, "se": se}
        if name != "none":
            ok &= abs(m - 1) + 2 * se <= ABOUT
    rel = final(run, "lasso", "val") / final(run, "ridge", "val") - 1
    m_rel, se_rel = mean_se(rel)
    numbers["lasso_over_ridge_minus_1"] = {"mean": m_rel, "se": se_rel}
    equal = abs(m_rel) + 2 * se_rel <= ABOUT
    ev_m = Evidence("M", "final l_gen of each method over the per-set linear limit 1/2||P0 T||^2 (mean (1-q)/2), "
                    f"and lasso over ridge, paired; 'about equal' and 'close' mean within {ABOUT:.0%} including "
                    "2 standard errors; this comparison decides the verdict", numbers, agrees=None)
    return judged(ok and equal, [ev_s, ev_fit, ev_m],
                  f"lasso/ridge - 1 = {m_rel:+.3f} +- {se_rel:.3f}; ridge/linear "
                  f"{numbers['ridge_over_interpolation_limit']['mean']:.3f}",
                  f"lasso over ridge - 1 = {m_rel:+.3f} +- {se_rel:.3f}, ridge over the linear limit "
                  f"{numbers['ridge_over_interpolation_limit']['mean']:.3f}, lasso over it "
                  f"{numbers['lasso_over_interpolation_limit']['mean']:.3f}: not within {ABOUT:.0%}")


# -- ReLU teacher-student --------------------------------------------------------------------------
@claim("relu_lasso_sparsity", "F", "M", SeedStatement(
    "In the ReLU teacher-student (D=100, teacher width 10, student width 100, 60 samples) lasso sets about 89 % of "
    "the hidden-layer weights to zero, while ridge does not shrink the hidden layer.",
    "Third example: over-parametrized non-linear model"))
def relu_lasso_sparsity(ctx: Context) -> Outcome:
    run = network_run(ctx, "relu")
    units = hidden_units(run)
    numbers = _units(units, run)
    lasso, ridge = run.method("lasso"), run.method("ridge")
    zeros = units.zero_fraction[lasso].numpy()
    m, se = mean_se(zeros)
    about = abs(m - seed.relu_lasso_zero_fraction) <= 2 * se + ABOUT
    ridge_width = units.participation[ridge].numpy()
    none_width = units.participation[run.method("none")].numpy()
    rw, rse = mean_se(ridge_width)
    nw, _ = mean_se(none_width)
    # ridge "does not shrink" the layer if its effective width is not clearly below the unregularized one
    not_shrunk = rw + 2 * rse >= (1 - NEGLIGIBLE) * nw
    ev = Evidence("M", f"final weights ({describe(run)}): exactly-zero fraction of M, alive units (non-zero in and "
                  f"out), participation ratio of unit weights ||M[:, j]|| |V[j]|; 'about {seed.relu_lasso_zero_fraction:.0%}' means within "
                  f"{ABOUT:.0%} including 2 standard errors; ridge 'does not shrink' if its participation ratio "
                  f"is within {NEGLIGIBLE:.0%} of the unregularized one; a measurement with no second route", numbers,
                  agrees=None)
    readings = [Reading(f"about {seed.relu_lasso_zero_fraction:.0%} zeros", "confirmed" if about else "refuted",
                        f"lasso zeroes {m:.1%} +- {se:.1%} of M"),
                Reading("ridge keeps the width", "confirmed" if not_shrunk else "refuted",
                        f"participation ratio ridge {rw:.1f} +- {rse:.1f}, none {nw:.1f}; active units ridge "
                        f"{float(units.active[ridge].double().mean()):.1f}, none "
                        f"{float(units.active[run.method('none')].double().mean()):.1f}")]
    return judged(about and not_shrunk, [ev], f"lasso zeros {m:.1%} +- {se:.1%}; alive "
                  f"{float(units.alive[lasso].double().mean()):.1f} units", readings=readings)


@claim("relu_lasso_generalization", "F", "M", SeedStatement(
    "In the ReLU teacher-student lasso generalizes negligibly better than ridge.",
    "Third example: over-parametrized non-linear model"))
def relu_lasso_generalization(ctx: Context) -> Outcome:
    run = network_run(ctx, "relu")
    numbers = {}
    for which in ("test", "val"):
        diff = within_errors(final(run, "lasso", which) - final(run, "ridge", which), 0.0)
        m, se = diff.mean, diff.se
        numbers[which] = {"lasso_minus_ridge": m, "se": se, "z": diff.signed_z,
                          "relative": m / float(final(run, "ridge", which).mean()),
                          **{f"{k}_mean": float(final(run, k, which).mean()) for k in ("none", "ridge", "lasso")}}
    test = numbers["test"]
    significant = test["z"] < -2
    not_worse = test["z"] < 2
    negligible = abs(test["relative"]) <= NEGLIGIBLE
    ev = Evidence("M", f"final loss, lasso minus ridge, paired over data sets ({describe(run)}); 'test' on "
                  f"{run.setting.n_test} fresh samples per set (rescaled to {run.setting.n_val}), 'val' on the "
                  f"{run.setting.n_val} validation samples; 'negligibly' means within {NEGLIGIBLE:.0%}; a measurement "
                  "with no second route", numbers, agrees=None)
    readings = [Reading("lasso better", "confirmed" if significant else "refuted",
                        f"z = {test['z']:.2f} (significant below -2)"),
                Reading("difference negligible", "confirmed" if negligible else "refuted",
                        f"relative difference {test['relative']:+.1%}")]
    # "negligibly better": no meaningful difference, and lasso not worse
    return judged(negligible and not_worse, [ev], f"lasso-ridge {test['relative']:+.1%} (z={test['z']:.1f})",
                  readings=readings)
