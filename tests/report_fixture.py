"""A small synthetic verification report, built with the framework's own objects and serializer (so it is a
schema-3 report by construction), for testing `gentoys report` without running the verification.

Four claims cover every verdict, both sources, the three evidence kinds, every agreement label but n/a, a
correction with mathematics, another reading, a seed formula with its derivation (``prox_l1``, quick to
derive) and two claims that a figure illustrates. The verdicts and numbers are made up.
"""
from __future__ import annotations

import io
import json

import sympy as sp

from gentoys.checks.framework.claim import Claim, Evidence, Outcome, Reading, Result, SeedFormula, SeedStatement
from gentoys.checks.framework.profile import Context, tiny
from gentoys.checks.outputs.report import dumps

w, lam, q = sp.Symbol("w", real=True), sp.Symbol("lambda", positive=True), sp.Symbol("q", positive=True)


def _stat(mean, se, n, target, tolerance, decision, n_to_decide=None):
    half = 1.833 * se
    out = {"mean": mean, "se": se, "n": n, "target": target, "tolerance": tolerance,
           "interval": [mean - half, mean + half], "decision": decision}
    if n_to_decide is not None:
        out["n_to_decide"] = n_to_decide
    return out


def _claim(cid, group, kinds, statement, source="seed"):
    return Claim(cid, group, statement, kinds, lambda ctx: None, source)


def results() -> list[Result]:
    soft = sp.sign(w) * sp.Max(sp.Abs(w) - lam, 0)
    confirmed = Result(_claim("soft_threshold_is_prox", "C", "S N", SeedStatement(
        "Soft thresholding at λ is the proximal step of λ|w|.", "Section 4, the proximal operator",
        (SeedFormula("prox of lambda |w|", lambda: soft, lambda: soft, ((w, -2, 2),), derivation="prox_l1"),),
        reading="the proximal operator of the penalty λ|w| with unit step")),
        Outcome("confirmed", [
            Evidence("S", "the seed's soft threshold equals the derived argmin on every branch", {"equal": True},
                     agrees=True),
            Evidence("N", "scalar minimization on 200 random (w, λ) pairs against the closed form",
                     {"gap": _stat(1.2e-10, 4e-11, 200, 0.0, 1e-8, "inside")}, agrees=True)],
            key="max gap 1.2e-10"), 0.4)
    erratum = Result(_claim("momentum_rate", "B", "S M", SeedStatement(
        "Momentum converges up to 50 % faster than gradient descent.", "Section 3, momentum",
        (SeedFormula("optimal heavy-ball factor", lambda: sp.sqrt(q), lambda: sp.sqrt(q), ((q, 0.1, 0.9),)),),
        reading="faster per step: the convergence factor")),
        Outcome("erratum", [
            Evidence("S", "heavy-ball factor derived from the characteristic roots", {"equal": True}, agrees=True),
            Evidence("M", "steps to reach 1e-6 of the excess loss, GD over momentum, 30 data sets",
                     {"q=0.7": {"speedup": _stat(6.31, 0.05, 30, 1.5, 0.5, "outside")}}, agrees=None)],
            key="√q = 0.837 vs R₀ = 0.412 at q = 0.7",
            correction="The per-step factor is √q = (1 + q)/2 · R₀ (at most 50 % faster per step); in steps "
                       "the gain is larger: 6.3× at q = 0.7 and ε = 10⁻⁶, tending to log √q / log R₀ = 11.3×.",
            readings=[Reading("in steps to a fixed accuracy", "refuted",
                              "GD needs 6.3× more steps at q = 0.7: far more than 50 %")]), 1.2)
    inconclusive = Result(_claim("lasso_ridge_boundary", "D", "N M", SeedStatement(
        "The lasso beats ridge exactly on one side of a boundary in (q, ε).", "beyond the seed: the lasso's "
        "state evolution"), source="beyond"),
        Outcome("inconclusive", [
            Evidence("N", "state-evolution prediction of log(ℓ_lasso / ℓ_ridge) at 3 points", {"z": 9.1},
                     agrees=None),
            Evidence("M", "simulated log ratio at (q, ε) = (0.5, 0.6) against its prediction",
                     {"(0.5, 0.6)": _stat(0.021, 0.015, 8, 0.0, 0.02, "undecided", 41)}, agrees=None,
                     undecided=True)],
            key="3 of 4 points decided", why="At (0.5, 0.6) the 90 % interval straddles the ±0.02 allowance; "
                                             "about 41 data sets would decide."), 8.0)
    refuted = Result(_claim("relu_lasso_sparsity", "F", "M", SeedStatement(
        "The lasso sets about 89 % of the hidden weights to zero.", "Example 3",
        reading="“about” as within 2 percentage points")),
        Outcome("refuted", [
            Evidence("M", "exactly-zero share of the hidden weights, lasso, 20 data sets",
                     {"zero_fraction": _stat(0.62, 0.01, 20, 0.89, 0.02, "outside")}, agrees=None),
            Evidence("M", "the same share counted by two routes (mask and norm)", {"gap": 0.03}, agrees=False)],
            key="62 ± 1 % zero", correction="The lasso zeroes 62 ± 1 % of the hidden weights, not 89 %."), 30.5)
    return [confirmed, erratum, inconclusive, refuted]


def report_text(seed: int = 0) -> str:
    """The report JSON text, as `gentoys verify --json` writes it."""
    return dumps(Context(tiny(), seed=seed), results())


def report() -> dict:
    return json.loads(report_text())


def figure_png(title: str) -> bytes:
    """A small figure (the Marchenko-Pastur density) standing in for one of `gentoys figures`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from gentoys.theory.marchenko_pastur import MarchenkoPastur

    law = MarchenkoPastur(0.7)
    x = np.linspace(*law.support(), 200)
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.plot(x, law.pdf(x), "k")
    ax.set(xlabel="eigenvalue", ylabel="density", title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
