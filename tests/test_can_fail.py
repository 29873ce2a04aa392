"""Every kind of check can fail: fed a wrong formula or a wrong number, its verdict or agreement flips.

Checks read module-level names at call time, so each test swaps one of them
with ``monkeypatch`` (undone after the test) and runs the real check on a
tiny profile. A check that cannot fail proves nothing; these tests show that
the S (seed vs derivation), N quadrature, N sampled-spectra and N
optimization routes each notice a planted error, and that a planted error in
the seed moves the verdict while a planted error in our own routes moves the
agreement.
"""
import dataclasses
import importlib
import inspect
import math

import pytest
import sympy as sp

import gentoys.checks.claims.seed as seed
import gentoys.checks.evidence.numerics as numerics
from gentoys.checks.claims import linear as linear_claims
from gentoys.checks.claims import load_all
from gentoys.checks.claims import prox as prox_claims
from gentoys.checks.claims import tuning as tuning_claims
from gentoys.checks.framework.claim import Evidence
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.profile import tiny as tiny_profile
from gentoys.checks.framework.runner import CheckCrashed, run_claims
from gentoys.sim.spectra import GramSample
from gentoys.theory.core.domain import POSITIVE, RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import lam, lam_max, lam_min, q

TINY = tiny_profile()


from strategies import one_torch_thread  # noqa: E402,F401  (module-wide single torch thread)


@pytest.fixture(autouse=True)
def _fresh_spectra_cache(ctx):
    """No test sees (or leaves behind) spectra cached under another test's patches."""
    ctx.cache.clear()
    yield
    ctx.cache.clear()


def _stub_simulation(*args, **kwargs):
    return Evidence("M", "simulation stubbed in test_can_fail", agrees=None)


@pytest.fixture(scope="module", autouse=True)
def _no_simulations():
    """The planted errors here are in S and N routes; the (slow) M evidence is stubbed out (no second route).

    Only the functions of checks.claims.simulated that return Evidence are replaced.
    """
    try:
        simulated = importlib.import_module("gentoys.checks.evidence.simulated")
    except ImportError:
        yield
        return
    mp = pytest.MonkeyPatch()
    for name, fn in list(vars(simulated).items()):
        if (inspect.isfunction(fn) and fn.__module__ == simulated.__name__ and not name.startswith("_")
                and fn.__annotations__.get("return") in ("Evidence", Evidence)):
            mp.setattr(simulated, name, _stub_simulation)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def ctx():
    return Context(TINY)


@pytest.fixture(scope="module")
def claims():
    return load_all()


def run(claims, cid, ctx):
    return claims[cid].check(ctx)


def evidence(outcome, kind, contains=""):
    """The single piece of evidence of ``kind`` whose summary contains ``contains``."""
    found = [e for e in outcome.evidence if e.kind == kind and contains in e.summary and "stubbed" not in e.summary]
    assert len(found) == 1, [e.summary for e in outcome.evidence]
    return found[0]


@pytest.fixture(scope="module")
def baseline(claims, ctx):
    """Unpatched outcomes on the tiny profile: the state each planted error must move away from."""
    ctx.cache.clear()
    ids = ("mp_lambda_R", "mp_edges", "distill_eta", "eq2_ridge_plateau", "ridge_correction_below_3pct",
           "prox_fixed_point", "soft_threshold_is_prox", "momentum_beta_q", "gf_ridge_solution", "mp_eta",
           "gf_unregularized_solution")
    return {cid: run(claims, cid, ctx) for cid in ids}


def test_baseline(baseline):
    """Control: unpatched, every route agrees and the verdicts are the known ones."""
    for cid, o in baseline.items():  # the S and N routes planted below (M, when present, is not patched here)
        assert all(e.agrees is not False for e in o.evidence if e.kind != "M"), cid
        assert o.agreement is not False, cid
    expected = {"ridge_correction_below_3pct": "erratum", "gf_ridge_solution": "erratum"}
    for cid, o in baseline.items():
        assert o.verdict == expected.get(cid, "confirmed"), cid


# --- S: the seed's transcription against the derivation ---------------------------

S_WRONG = [
    ("mp_lambda_R", "mp_lambda_R", (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2))),  # 2 instead of 4
    ("mp_lambda_R", "mp_lambda_R", (1 - q) ** 2 / (4 * q ** sp.Rational(1, 2))),  # exponent off by one
    ("mp_edges", "edges", ((1 + sp.sqrt(1 / q)) ** 2, (1 + sp.sqrt(1 / q)) ** 2)),  # sign flip, lower edge
    ("mp_edges", "edges", ((1 - sp.sqrt(1 / q)) ** 2, (1 + sp.sqrt(q)) ** 2)),  # D/N read as N/D, upper edge
    ("distill_eta", "eta_gd", 1 / (lam_max + lam_min)),  # wrong constant
    ("mp_eta", "mp_eta_gd", q / (1 - q)),
    ("momentum_beta_q", "mp_beta", q**2),
    ("gf_unregularized_solution", "gf_solution",
     seed.T + (seed.S0 - seed.T) * sp.exp(-2 * seed.h * seed.t)),
]


@pytest.mark.parametrize("cid, attr, wrong", S_WRONG, ids=[f"{c}:{a}:{i}" for i, (c, a, _) in enumerate(S_WRONG)])
def test_wrong_seed_formula_is_refuted(monkeypatch, claims, ctx, baseline, cid, attr, wrong):
    """A wrong transcription of the seed turns 'confirmed' into 'refuted' (with a correction)."""
    assert baseline[cid].verdict == "confirmed"
    monkeypatch.setattr(seed, attr, wrong)
    o = run(claims, cid, ctx)
    assert o.verdict == "refuted"
    assert o.correction
    assert any(e.kind == "S" and e.numbers.get("equal") is False for e in o.evidence)


def test_wrong_seed_changes_verdict_not_agreement(monkeypatch, claims, ctx):
    """An error in the seed is a finding about the seed: our own routes still agree."""
    monkeypatch.setattr(seed, "mp_lambda_R", (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2)))
    o = run(claims, "mp_lambda_R", ctx)
    assert o.verdict == "refuted" and o.agreement is not False
    assert "λ_R = " in o.correction and "not the seed's" in o.correction


S_REWRITTEN = [
    ("mp_lambda_R", "mp_lambda_R", (1 - sp.sqrt(q)) ** 2 * (1 + sp.sqrt(q)) ** 2 / (4 * q * sp.sqrt(q))),
    ("mp_edges", "edges", ((sp.sqrt(q) - 1) ** 2 / q, (sp.sqrt(q) + 1) ** 2 / q)),
]


@pytest.mark.parametrize("cid, attr, rewritten", S_REWRITTEN, ids=[c for c, _, _ in S_REWRITTEN])
def test_correct_but_rewritten_seed_formula_stays_confirmed(monkeypatch, claims, ctx, cid, attr, rewritten):
    """The same function written differently is still confirmed: the comparison is not textual."""
    monkeypatch.setattr(seed, attr, rewritten)
    o = run(claims, cid, ctx)
    assert o.verdict == "confirmed" and o.agreement is not False


def test_fixed_seed_formula_confirms_refuted_claim(monkeypatch, claims, ctx, baseline):
    """gf_ridge_solution is an erratum as printed; with exp(-(lambda_i + lambda) t) it is confirmed."""
    assert baseline["gf_ridge_solution"].verdict == "erratum"
    h, T, S0, t = seed.h, seed.T, seed.S0, seed.t
    fixed = (S0 - h * T / (lam + h)) * sp.exp(-(lam + h) * t) + h * T / (lam + h)
    monkeypatch.setattr(seed, "ridge_solution", fixed)
    assert run(claims, "gf_ridge_solution", ctx).verdict == "confirmed"


def test_ridge_solution_with_a_wrong_limit_is_refuted(monkeypatch, claims, ctx):
    """A printed ridge solution whose t -> infinity limit is wrong no longer serves Eq. 2: refuted, not an erratum."""
    h, T, S0, t = seed.h, seed.T, seed.S0, seed.t
    monkeypatch.setattr(seed, "ridge_solution", (S0 - h * T / (lam + h)) * sp.exp(-2 * lam * t) + T)
    o = run(claims, "gf_ridge_solution", ctx)
    assert o.verdict == "refuted" and "does not follow" in o.correction


def test_ridge_flow_whose_plateau_misses_eq2_is_refuted(monkeypatch, claims, ctx):
    """gf_ridge_equation is an erratum because Eq. 2 and R_lambda follow from the printed flow; a planted Eq. 2
    that does not follow from it turns the verdict to refuted."""
    assert run(claims, "gf_ridge_equation", ctx).verdict == "erratum"
    monkeypatch.setattr(seed, "eq2_mode", (2 * lam) ** 2 / (2 * lam + seed.h) ** 2 / 2)
    assert run(claims, "gf_ridge_equation", ctx).verdict == "refuted"


def test_s0_norm_decided_by_the_standard_deviation_reading(monkeypatch, claims, ctx):
    """Under the seed's own reading (a standard deviation) 1/sqrt(D) gives 1; a planted 1/D would give 1/D."""
    assert run(claims, "s0_norm_expectation", ctx).verdict == "confirmed"
    monkeypatch.setattr(seed, "s0_second_argument", lambda D: 1 / D)
    o = run(claims, "s0_norm_expectation", ctx)
    assert o.verdict == "refuted" and "E‖S0‖² = 1/D read as a standard deviation" in o.correction


def test_null_fraction_catches_a_wrong_projector(monkeypatch, claims, ctx):
    """null_fraction_exact: a projector on the row space instead of the null space (0.7 for 0.3) is outside."""
    right = GramSample.null_projection_norm2
    monkeypatch.setattr(GramSample, "null_projection_norm2", lambda self, v: 1 - right(self, v))
    o = run(claims, "null_fraction_exact", ctx)
    assert evidence(o, "N", "null space").agrees is False
    assert o.verdict == "refuted"


# --- N: quadrature against a closed form --------------------------------------------

def _scaled(formula: Formula, factor) -> Formula:
    """The same formula, off by ``factor``."""
    return Formula(formula.name, formula.expr * factor, formula.params, formula.doc)


def test_quadrature_catches_one_percent_error_in_ridge_plateau(monkeypatch, claims, ctx, baseline):
    """eq2_ridge_plateau: a closed form 1 % off disagrees with mpmath quadrature; the verdict is unmoved."""
    assert evidence(baseline["eq2_ridge_plateau"], "N", "quadrature").agrees
    monkeypatch.setattr(linear_claims.gf, "ridge_plateau", _scaled(linear_claims.gf.ridge_plateau, sp.Rational(101, 100)))
    o = run(claims, "eq2_ridge_plateau", ctx)
    assert not evidence(o, "N", "quadrature").agrees
    assert o.agreement is False
    assert o.verdict == "confirmed"  # the seed's Eq. 2 is compared with the per-mode derivation, untouched


def test_quadrature_catches_error_in_correction_at_lambda_R(monkeypatch, claims, ctx, baseline):
    """ridge_correction_below_3pct: a correction formula 1e-3 relative off fails the quadrature check."""
    assert baseline["ridge_correction_below_3pct"].agreement
    monkeypatch.setattr(tuning_claims, "correction_at_lambda_R",
                        _scaled(tuning_claims.correction_at_lambda_R, sp.Rational(1001, 1000)))
    o = run(claims, "ridge_correction_below_3pct", ctx)
    assert not evidence(o, "N", "quadrature").agrees
    assert o.agreement is False


def test_quadrature_catches_wrong_small_lambda_coefficient(monkeypatch, claims, ctx):
    """eq3_ridge_small_lambda: a lambda^2 coefficient 1 % off disagrees with quadrature at lambda = 1e-6."""
    monkeypatch.setattr(linear_claims.gf, "small_lambda_coefficient",
                        linear_claims.gf.small_lambda_coefficient * sp.Rational(101, 100))
    o = run(claims, "eq3_ridge_small_lambda", ctx)
    assert not evidence(o, "N", "quadrature").agrees
    assert o.agreement is False


# --- N: sampled spectra against the Marchenko-Pastur limit ---------------------------

def test_sampled_spectra_catch_shifted_mp_edges(monkeypatch, claims, ctx, baseline):
    """mp_edges: edges 25 % too large are far outside the sampled extreme eigenvalues."""
    assert evidence(baseline["mp_edges"], "N", "extreme").agrees
    right = linear_claims.mpl.mp_edges
    monkeypatch.setattr(linear_claims.mpl, "mp_edges", lambda qv: tuple(1.25 * e for e in right(qv)))
    o = run(claims, "mp_edges", ctx)
    assert not evidence(o, "N", "extreme").agrees
    assert o.agreement is False
    assert o.verdict == "confirmed"  # the seed's edges still match the derived expressions


def test_sampled_spectra_catch_wrong_normalization(monkeypatch, claims, ctx):
    """mp_edges: spectra of X X^T / D instead of X X^T / N_tr (a planted simulator bug) are caught.

    The spectra are cached; the cache is cleared so the patched sampler is really used.
    """
    right = numerics.sample_gram

    def wrong(n_sets, dim, n, **kw):
        return GramSample(right(n_sets, dim, n, **kw).X * math.sqrt(n / dim))

    monkeypatch.setattr(numerics, "sample_gram", wrong)
    ctx.cache.clear()
    o = run(claims, "mp_edges", ctx)
    assert not evidence(o, "N", "extreme").agrees
    assert o.agreement is False


def test_sampled_spectra_catch_wrong_mp_lambda_R(monkeypatch, claims, ctx, baseline):
    """mp_lambda_R: a limit formula twice too large disagrees with lambda_R of sampled spectra."""
    assert evidence(baseline["mp_lambda_R"], "N").agrees
    wrong = Formula("lambda_R", (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2)), (Param(q, RATIO),))
    monkeypatch.setattr(tuning_claims.mpl, "lambda_R", wrong)
    o = run(claims, "mp_lambda_R", ctx)
    n = evidence(o, "N")
    assert not n.agrees
    assert o.agreement is False
    assert n.numbers["comparison"]["decision"] == "outside"


def test_sampled_spectra_catch_wrong_mp_eta(monkeypatch, claims, ctx):
    """mp_eta: an MP step size 20 % off is outside the edge-fluctuation allowance (8 % at D = 120)."""
    monkeypatch.setattr(tuning_claims.mpl, "eta_gd", _scaled(tuning_claims.mpl.eta_gd, sp.Rational(120, 100)))
    o = run(claims, "mp_eta", ctx)
    assert not evidence(o, "N", "η₀ from").agrees
    assert o.agreement is False


# --- N: direct optimization against a derived optimum ---------------------------------

def test_optimizer_catches_wrong_step_size(monkeypatch, claims, ctx, baseline):
    """distill_eta: a derived eta_0 = 1.9/(mu + L) disagrees with the directly minimized step."""
    assert evidence(baseline["distill_eta"], "N").agrees
    wrong = Formula("eta_gd", sp.Rational(19, 10) / (lam_min + lam_max),
                    (Param(lam_min, POSITIVE, "lam_min"), Param(lam_max, POSITIVE, "lam_max")))
    monkeypatch.setattr(tuning_claims.tn, "eta_gd", wrong)
    o = run(claims, "distill_eta", ctx)
    assert not evidence(o, "N").agrees
    assert o.agreement is False


def test_heavy_ball_optimizer_catches_wrong_beta(monkeypatch, claims, ctx, baseline):
    """momentum_beta_q: a direct heavy-ball optimum with beta 1 % off disagrees with beta = q."""
    assert evidence(baseline["momentum_beta_q"], "N").agrees
    right = tuning_claims.best_heavy_ball

    def wrong(mu, L):
        eta, beta, factor = right(mu, L)
        return eta, 1.01 * beta, factor

    monkeypatch.setattr(tuning_claims, "best_heavy_ball", wrong)
    o = run(claims, "momentum_beta_q", ctx)
    assert not evidence(o, "N").agrees
    assert o.agreement is False


# --- verdicts decided by derived numbers, not hard-coded -----------------------------

def test_ridge_correction_bound_decides_verdict(monkeypatch, claims, ctx, baseline):
    """An erratum at the seed's 3 %; confirmed if the seed had said 3.1 % (the derived sup is 3.03 %)."""
    assert baseline["ridge_correction_below_3pct"].verdict == "erratum"
    monkeypatch.setattr(seed, "ridge_correction_bound", sp.Rational(31, 1000))
    o = run(claims, "ridge_correction_below_3pct", ctx)
    assert o.verdict == "confirmed" and o.agreement is not False
    assert o.correction == ""


def test_ridge_correction_sup_decides_verdict(monkeypatch, claims, ctx):
    """With the seed's 3 % bound but a (planted) supremum of 2.9 % the claim would be confirmed."""
    monkeypatch.setattr(tuning_claims, "ridge_correction_sup", lambda: sp.Rational(29, 1000))
    assert run(claims, "ridge_correction_below_3pct", ctx).verdict == "confirmed"


# --- prox -----------------------------------------------------------------------------

def _half_threshold(monkeypatch):
    right = prox_claims.prox.soft_threshold
    monkeypatch.setattr(prox_claims.prox, "soft_threshold", lambda x, t: right(x, t / 2))


def test_wrong_soft_threshold_breaks_fixed_point(monkeypatch, claims, ctx, baseline):
    """prox_fixed_point: thresholding at half the level, the Lasso solution is no longer a fixed point."""
    assert baseline["prox_fixed_point"].verdict == "confirmed" and baseline["prox_fixed_point"].agreement
    _half_threshold(monkeypatch)
    o = run(claims, "prox_fixed_point", ctx)
    assert o.verdict == "refuted"
    assert o.agreement is False
    assert max(evidence(o, "N").numbers["residual_per_eta"].values()) > 1e-3


def test_wrong_soft_threshold_fails_direct_minimization(monkeypatch, claims, ctx, baseline):
    """soft_threshold_is_prox: the numeric proximal minimizer disagrees with a half-level threshold."""
    assert evidence(baseline["soft_threshold_is_prox"], "N").agrees
    _half_threshold(monkeypatch)
    o = run(claims, "soft_threshold_is_prox", ctx)
    assert not evidence(o, "N").agrees
    assert o.agreement is False


def test_prox_any_optimizer_is_refuted_in_readable_words(claims, ctx):
    """The plain threshold after momentum or Adam misses the intended lasso: refuted (the conclusion fails),
    with a correction a person reads."""
    from gentoys.checks.framework.text import readable

    o = run(claims, "prox_any_optimizer", ctx)
    assert o.verdict == "refuted" and o.agreement
    assert readable(o.correction) and readable(o.key)
    assert "λ(1 − β)" in o.correction and "Adam" in o.correction and "target 0" in o.key


def test_prox_runs_stop_only_where_the_iterate_stands_still(ctx):
    """A converging run stops early, at the iterate the full step cap reaches (to the rounding floor); a run cut
    short by its cap, and one that keeps moving (plain Adam), run every step they are given."""
    import numpy as np
    import torch

    X, y = prox_claims._lasso_problem(ctx, n=40, d=60)
    L = float(np.linalg.eigvalsh(X.T @ X / len(y)).max())
    sgd = lambda p: torch.optim.SGD(p, lr=1 / L)  # noqa: E731
    w_early, taken = prox_claims._run_with_prox(X, y, sgd, 0.05, "lr", 4000)
    assert taken < 4000 and taken % prox_claims.STILL_EVERY == 0
    n = len(y)
    w_full = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w_full], lr=1 / L)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(4000):  # the same iteration without the stop, gradient by autograd
        opt.zero_grad()
        (((Xt @ w_full - yt) ** 2).sum() / (2 * n)).backward()
        opt.step()
        with torch.no_grad():
            w_full.copy_(torch.nn.functional.softshrink(w_full, 0.05 / L))
    assert np.abs(w_early - w_full.detach().numpy()).max() < 1e-10
    assert prox_claims._run_with_prox(X, y, sgd, 0.05, "lr", 150)[1] == 150
    adam = lambda p: torch.optim.Adam(p, lr=1e-3)  # noqa: E731
    assert prox_claims._run_with_prox(X, y, adam, 0.05, "lr", 1000)[1] == 1000


def test_prox_any_optimizer_confirms_when_every_threshold_is_scaled(monkeypatch, claims, ctx):
    """Planted measurement: each optimizer thresholded at its own stationary step reaches the intended lasso, and
    the verdict flips to confirmed (while the fixed-point predictions for the plain rule no longer agree)."""
    real = prox_claims._run_with_prox

    def scaled(X, y, make, l1reg, scaling, steps):
        import torch

        probe = make([torch.zeros(1, requires_grad=True)])
        if isinstance(probe, torch.optim.Adam):
            return real(X, y, make, l1reg, "adam", max(steps, 20000))
        if probe.param_groups[0].get("momentum", 0):
            return real(X, y, make, l1reg, "momentum", steps)
        return real(X, y, make, l1reg, scaling, steps)

    monkeypatch.setattr(prox_claims, "_run_with_prox", scaled)
    o = run(claims, "prox_any_optimizer", ctx)
    assert o.verdict == "confirmed"
    assert o.agreement is False


# --- a crash is a crash -----------------------------------------------------------------

def test_check_that_raises_is_check_crashed(monkeypatch, ctx):
    """A check raising inside run_claims stops the run with CheckCrashed naming the claim id."""

    class Exploding:
        """lambda_R whose expression is right but whose evaluation blows up mid-check."""
        expr = tuning_claims.mpl.lambda_R.expr

        def __call__(self, *args):
            raise ZeroDivisionError("planted")

    monkeypatch.setattr(tuning_claims.mpl, "lambda_R", Exploding())
    seen = []
    with pytest.raises(CheckCrashed, match="'mp_lambda_R'") as info:
        run_claims(load_all(), ctx, ["soft_threshold_is_prox", "mp_lambda_R", "prox_fixed_point"], on_result=seen.append)
    assert "ZeroDivisionError" in str(info.value) and "planted" in str(info.value)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert [r.claim.id for r in seen] == ["soft_threshold_is_prox"]  # stopped: no half report


def test_wrong_domain_value_is_a_crash_not_a_verdict():
    """A formula fed an out-of-domain value raises (ValueError) and surfaces as CheckCrashed."""
    bad = Context(dataclasses.replace(TINY, name="bad", ratios=(1.5,)))
    with pytest.raises(CheckCrashed, match="mp_lambda_R"):
        run_claims(load_all(), bad, ["mp_lambda_R"])


def test_unknown_id_is_value_error(ctx):
    """run_claims refuses unknown ids before running anything."""
    with pytest.raises(ValueError, match="no_such_claim"):
        run_claims(load_all(), ctx, ["mp_lambda_R", "no_such_claim"])
