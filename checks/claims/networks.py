"""Group F: over-parametrized students, the two-layer linear S = M V and a ReLU teacher-student.

The seed's numbers ("three columns", "about 89 %", "negligibly better") are
judged as statistics over independent data sets: an equivalence decision of
the mean against a tolerance each claim takes from the seed's own wording.
"""
from __future__ import annotations

import numpy as np

from gentoys.checks.claims import seed
from gentoys.checks.evidence.runs import describe, final, network_run
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedStatement
from gentoys.checks.framework.decisions import all_decided, beats
from gentoys.checks.framework.compare import StatComparison, mean_se, within_tolerance
from gentoys.checks.framework.judging import cross_check, decided, inconclusive, judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.sim.networks import HiddenUnits, NetworkRun, hidden_units
from gentoys.theory.two_layer import group_ridge_solution, two_layer_mu, two_layer_ridge_plateau

#: "only three columns": a count near three - the mean count per data set within 3 +- 1. The seed quotes one
#: integer from three runs; runs keeping two or four columns would still be reported as "three" on average, five
#: or more would not
COLUMNS_TOLERANCE = 1.0
#: "a few" columns (the reading reported beside): under ten, of a hidden width in the hundreds
FEW = 10
#: "about 89 %": within 5 points. The figure is quoted to the unit with "about" in front; "about" stretches it to
#: the round figures beside it (85 %, 90 %), not to the next decade
ABOUT_POINTS = 0.05
#: "about equally" and "close to the linear theory": losses within 5 % of each other
ABOUT = 0.05
#: "negligibly better": a relative difference under 10 % - the author saw a gap on the curves and dismissed it;
#: a gap of a tenth of the loss or more is one a reader would not call negligible
NEGLIGIBLE = 0.10
#: "no preference for a smaller hidden layer": ridge's effective width not a tenth or more below the
#: unregularized one (a preference would show as a clearly narrower layer)
NO_PREFERENCE = 0.10
#: a cross-check of our own routes: float32 training over thousands of steps matches the float64 per-set ridge
#: minimum to a relative 1e-4 (float32's 6e-8 rounding, accumulated over ~1e4 steps of a contracting map)
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



def _one_sided(c: StatComparison) -> str:
    """A comparison against a line (tolerance 0) read one-sidedly: "below", "above" or "undecided"."""
    return "below" if c.below else ("above" if c.above else "undecided")


@claim("two_layer_lasso_columns", "F", "M", SeedStatement(
    "With S = M V (D=400, hidden width 600), lasso ends up using only a few (three) columns of M, while ridge's M "
    "shows far less structure.", "Second example: over-parametrized two-layer model",
    reading="the author's report (seed/NOTES.md): lasso used only three columns of M - the mean number of live "
            "columns per data set (M[:, j] and V[j] both non-zero) is three, within ±1; ridge's far weaker "
            "structure - ridge keeps every column alive"))
def two_layer_lasso_columns(ctx: Context) -> Outcome:
    run = network_run(ctx, "two_layer")
    units = hidden_units(run)
    numbers = _units(units, run)
    lasso, ridge = run.method("lasso"), run.method("ridge")
    alive = units.alive[lasso].double().numpy()
    counts = {int(c): int((alive == c).sum()) for c in np.unique(alive)}
    numbers["lasso_alive_columns_per_set"] = counts
    target = seed.two_layer_lasso_columns
    three = within_tolerance(alive, target, COLUMNS_TOLERANCE)
    few = _one_sided(within_tolerance(alive, FEW, 0.0))
    hidden = run.setting.hidden
    ridge_min = int(units.alive[ridge].min())
    ridge_spread = ridge_min == hidden
    ridge_rank = float(units.rank_ratio[ridge].max())
    numbers["lasso_columns_against_three"] = three.as_dict()
    sizes = describe(run)
    ev = Evidence("M", f"final weights ({sizes}); a column counts when M[:, j] and V[j] are non-zero (the soft "
                  "threshold writes exact zeros and such a unit gets zero gradient, so it never revives); the "
                  "participation ratio counts columns without any threshold; a measurement with no second route",
                  numbers, agrees=None)
    readings = [
        Reading(f"a few columns (under {FEW})", {"below": "confirmed", "above": "refuted"}.get(few, "inconclusive"),
                f"lasso keeps {three.mean:.3g} ± {three.se:.2g} columns of {hidden} (target: under {FEW})"),
        Reading("ridge unstructured", "confirmed" if ridge_spread else "refuted",
                f"ridge keeps at least {ridge_min} of {hidden} columns alive, but its M is rank one (second/first "
                f"singular value ≤ {ridge_rank:.1e}): structured in its spectrum, not in its columns"),
    ]
    key = (f"lasso keeps {three.mean:.3g} ± {three.se:.2g} columns (target {target} ± {COLUMNS_TOLERANCE:g}; per-set "
           f"counts {counts}); ridge keeps ≥ {ridge_min} of {hidden}; {sizes}")
    if not ridge_spread:
        return judged(False, [ev], key, f"ridge also drops columns: as few as {ridge_min} of {hidden} stay alive",
                      readings=readings)
    return decided(three, [ev], key, lambda: (
        f"lasso keeps {three.mean:.3g} ± {three.se:.2g} columns of M per data set (90 % interval "
        f"[{three.interval[0]:.3g}, {three.interval[1]:.3g}]), not about {target}"
        + (f"; still a few (under {FEW}) against ridge's {hidden}" if few == "below" else "") + f" ({sizes})"),
        readings=readings, conclusion_stands=few == "below")


@claim("two_layer_matches_linear", "F", "S M", SeedStatement(
    "In the two-layer linear model lasso and ridge generalize about equally, close to the linear model's theory.",
    "Second example: over-parametrized two-layer model",
    reading="the author's report (seed/NOTES.md): final ℓ_gen of lasso within 5 % of ridge's ('about equally'), "
            "and each within 5 % of the linear model's interpolation limit ½‖P₀T‖² (P₀ the projector on the null "
            "space of Σ_tr; mean (1 − q)/2·‖T‖², 'close to the linear theory'), per data set"))
def two_layer_matches_linear(ctx: Context) -> Outcome:
    run = network_run(ctx, "two_layer")
    s = run.setting
    ridge_wd = next(m for m in s.methods if m.name == "ridge").weight_decay
    mu = two_layer_mu(s.q, ridge_wd)
    linear = (1 - s.q) / 2
    ev_s = Evidence("S", "weight decay λ on M and V is the penalty λ‖S‖, i.e. ridge with μ = λ/‖S‖; the "
                    "small-init unregularized limit is the min-norm interpolant, ℓ_gen = (1 − q)/2·‖T‖²",
                    {"q": s.q, "lam": ridge_wd, "mu_MP": mu, "ridge_plateau_MP": two_layer_ridge_plateau(s.q, ridge_wd),
                     "linear_theory_(1-q)/2": linear}, agrees=None)
    th = two_layer_theory(run)
    sizes = describe(run)
    ridge_fit = within_tolerance(final(run, "ridge", "val") / th["ridge_min"] - 1, 0.0, FLOAT32_ALLOWANCE)
    drift = float(th["flat_M_drift"].max())
    ev_fit = cross_check("M", f"per data set ({sizes}): ridge's ℓ_gen over its own minimum ½‖S* − T‖² (from Σ_tr's "
                         "eigendecomposition, μ solved per set) minus 1, against 0 within float32's accumulated "
                         "rounding", ridge_fit)
    ev_drift = Evidence("M", "the unregularized run's flat part of M, max|P₀(M − M₀)| / max|M₀| (theory: 0 up to "
                        "rounding, below 1e-4)", {"flat_M_drift_max": drift}, agrees=drift < 1e-4)
    cmps = {f"{name}/limit": within_tolerance(final(run, name, "val") / th["half_P0T2"] - 1, 0.0, ABOUT)
            for name in ("ridge", "lasso")}
    cmps["lasso/ridge"] = within_tolerance(final(run, "lasso", "val") / final(run, "ridge", "val") - 1, 0.0, ABOUT)
    unreg = final(run, "none", "val") / th["half_P0T2"]
    numbers = {k: c.as_dict() for k, c in cmps.items()}
    numbers["none/limit"] = {"mean": float(unreg.mean()), "se": mean_se(unreg)[1]}
    ev_m = Evidence("M", "final ℓ_gen of each method over the per-set linear limit ½‖P₀T‖², and lasso over ridge, "
                    f"paired, each minus 1, against 0 ± {ABOUT:.0%}; this comparison decides the verdict", numbers,
                    agrees=None)
    key = "; ".join(f"{k} − 1 = {c.mean:+.3f} ± {c.se:.2g} (target 0 ± {ABOUT:g})" for k, c in cmps.items())
    key += f"; {sizes}"
    decision = all_decided(cmps.values())
    evidence = [ev_s, ev_fit, ev_drift, ev_m]
    if decision == "undecided":
        return inconclusive(evidence, key, "the measurement cannot decide: " + "; ".join(
            f"{k} − 1: {c.describe()}" for k, c in cmps.items() if c.decision != "inside"))
    return judged(decision == "inside", evidence, key, lambda: "; ".join(
        f"{k} − 1 = {c.mean:+.3f} ± {c.se:.2g}, outside 0 ± {ABOUT:g}" for k, c in cmps.items()
        if c.decision == "outside") + f" ({sizes})")


# -- ReLU teacher-student --------------------------------------------------------------------------
@claim("relu_lasso_sparsity", "F", "M", SeedStatement(
    "In the ReLU teacher-student (D=100, teacher width 10, student width 100, 60 samples) lasso sets about 89 % of "
    "the hidden-layer weights to zero, while ridge does not shrink the hidden layer.",
    "Third example: over-parametrized non-linear model",
    reading="the author's report (seed/NOTES.md): the fraction of exactly-zero entries of the hidden-layer "
            "weights M under lasso is 89 % within 5 points ('about'); ridge shows no preference for a smaller "
            "hidden layer - its participation ratio (effective number of units) is not 10 % or more below the "
            "unregularized one, per data set"))
def relu_lasso_sparsity(ctx: Context) -> Outcome:
    run = network_run(ctx, "relu")
    units = hidden_units(run)
    numbers = _units(units, run)
    lasso, ridge, none = run.method("lasso"), run.method("ridge"), run.method("none")
    target = seed.relu_lasso_zero_fraction
    zeros = within_tolerance(units.zero_fraction[lasso].numpy(), target, ABOUT_POINTS)
    most = within_tolerance(units.zero_fraction[lasso].numpy(), 0.5, 0.0).above
    width = units.participation[ridge].numpy() / units.participation[none].numpy() - 1
    kept = within_tolerance(width, -NO_PREFERENCE, 0.0)
    kept_state = _one_sided(kept)
    active = units.active[ridge].double().numpy() / units.active[none].double().numpy() - 1
    active_state = _one_sided(within_tolerance(active, -NO_PREFERENCE, 0.0))
    ridge_alive = int(units.alive[ridge].min())
    numbers["zero_fraction_against_target"] = zeros.as_dict()
    numbers["ridge_over_none_width_minus_1"] = kept.as_dict()
    sizes = describe(run)
    ev = Evidence("M", f"final weights ({sizes}): exactly-zero fraction of M, alive units (non-zero in and out), "
                  "participation ratio of unit weights ‖M[:, j]‖·|V[j]| (the effective number of units), active "
                  "units (weight ≥ 1e-3 of the strongest); a measurement with no second route", numbers, agrees=None)
    side = {"above": "confirmed", "below": "refuted"}
    readings = [
        Reading(f"about {target:.0%} zeros", {"inside": "confirmed", "outside": "refuted"}.get(
            zeros.decision, "inconclusive"), f"lasso zeroes {zeros.mean:.1%} ± {zeros.se:.1%} of M (target "
            f"{target:.0%} ± {ABOUT_POINTS * 100:.0f} points)"),
        Reading("ridge keeps the effective width", side.get(kept_state, "inconclusive"),
                f"participation ratio ridge / none − 1 = {kept.mean:+.3f} ± {kept.se:.2g} (target: above "
                f"−{NO_PREFERENCE:g}); this reading decides the ridge half"),
        Reading("ridge keeps its active units", side.get(active_state, "inconclusive"),
                f"units with weight ≥ 1e-3 of the strongest: ridge {float(units.active[ridge].double().mean()):.1f}, "
                f"none {float(units.active[none].double().mean()):.1f} (target: ridge at most {NO_PREFERENCE:.0%} "
                "fewer)"),
        Reading("ridge sets no unit exactly to zero", "confirmed" if ridge_alive == run.setting.hidden else "refuted",
                f"ridge keeps at least {ridge_alive} of {run.setting.hidden} units alive - a reading weight decay "
                "cannot fail (it never writes exact zeros), so it does not decide"),
    ]
    key = (f"lasso zeroes {zeros.mean:.1%} ± {zeros.se:.1%} of M (target {target:.0%} ± {ABOUT_POINTS * 100:.0f} "
           f"points); alive {float(units.alive[lasso].double().mean()):.1f} of {run.setting.hidden} units; "
           f"ridge / none effective width − 1 = {kept.mean:+.3f} ± {kept.se:.2g} (target above −{NO_PREFERENCE:g}); "
           f"{sizes}")
    lasso_part = (f"lasso zeroes {zeros.mean:.1%} ± {zeros.se:.1%} of the hidden-layer weights (90 % interval "
                  f"{zeros.interval[0]:.1%} to {zeros.interval[1]:.1%})")
    if kept_state == "below":
        return judged(False, [ev], key, f"ridge does prefer a smaller hidden layer: no unit is exactly zero, but its "
                      f"effective width (participation ratio) is {-kept.mean:.0%} below the unregularized one's, "
                      f"and {float(units.active[ridge].double().mean()):.0f} of {run.setting.hidden} units stay "
                      f"active against {float(units.active[none].double().mean()):.0f}; {lasso_part}, "
                      + ("about 89 % as stated" if zeros.decision == "inside" else f"against {target:.0%}")
                      + f" ({sizes})", readings=readings)
    if zeros.decision == "outside" or (zeros.decision == "inside" and kept_state == "above"):
        return decided(zeros, [ev], key, lambda: (
            f"{lasso_part}, not about {target:.0%}"
            + ("; still most of the layer, while ridge keeps its width" if most and kept_state == "above" else "")
            + f" ({sizes})"), readings=readings, conclusion_stands=most and kept_state == "above")
    return inconclusive([ev], key, "the measurement cannot decide: " + "; ".join(
        [f"zero fraction: {zeros.describe()}"] * (zeros.decision == "undecided")
        + [f"ridge / none width − 1 against −{NO_PREFERENCE:g}: {kept.describe()}"] * (kept_state == "undecided")),
        readings=readings)


@claim("relu_lasso_generalization", "F", "M", SeedStatement(
    "In the ReLU teacher-student lasso generalizes negligibly better than ridge.",
    "Third example: over-parametrized non-linear model",
    reading="the author's report (seed/NOTES.md): lasso's final test loss differs from ridge's by a negligible "
            "amount - per data set lasso / ridge − 1 within 0 ± 10 % ('negligibly'); the sign ('better') is "
            "reported beside it, since a negligible gap may fall either way"))
def relu_lasso_generalization(ctx: Context) -> Outcome:
    run = network_run(ctx, "relu")
    sizes = describe(run)
    rel = {which: final(run, "lasso", which) / final(run, "ridge", which) - 1 for which in ("test", "val")}
    cmp = within_tolerance(rel["test"], 0.0, NEGLIGIBLE)
    better = _one_sided(beats(rel["test"], 0.0))
    numbers = {which: {"lasso_over_ridge_minus_1": within_tolerance(r, 0.0, NEGLIGIBLE).as_dict(),
                       **{f"{k}_mean": float(final(run, k, which).mean()) for k in ("none", "ridge", "lasso")}}
               for which, r in rel.items()}
    ev = Evidence("M", f"final loss, lasso over ridge minus 1, paired over data sets ({sizes}); 'test' on "
                  f"{run.setting.n_test} fresh samples per set (rescaled to {run.setting.n_val}), 'val' on the "
                  f"{run.setting.n_val} validation samples; a measurement with no second route", numbers, agrees=None)
    readings = [Reading("lasso better (any margin)", {"below": "confirmed", "above": "refuted"}.get(
        better, "inconclusive"), f"lasso / ridge − 1 = {cmp.mean:+.1%} ± {cmp.se:.1%} (target: below 0)")]
    key = (f"lasso / ridge − 1 = {cmp.mean:+.1%} ± {cmp.se:.1%} on the test loss (target 0 ± {NEGLIGIBLE:.0%}); "
           f"{sizes}")
    return decided(cmp, [ev], key, lambda: (
        f"lasso's test loss is {abs(cmp.mean):.1%} {'below' if cmp.mean < 0 else 'above'} ridge's (90 % interval "
        f"{cmp.interval[0]:+.1%} to {cmp.interval[1]:+.1%}): not a negligible difference ({sizes})"),
        readings=readings, conclusion_stands=cmp.below)
