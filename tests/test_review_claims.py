"""Group G (statements added on review): each claim's verdict, and each kind of check turned by a planted error."""
import numpy as np
import pytest
import sympy as sp

import gentoys.checks.claims.seed as seed
from gentoys.checks.claims import review
from gentoys.checks.framework.profile import Context, tiny
from gentoys.checks.framework.text import readable
from gentoys.sim import networks
from gentoys.theory.core.formula import Formula

from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)


@pytest.fixture()
def ctx():
    return Context(tiny())


def _texts(o):
    return [o.key, o.correction, o.why, *(r.note for r in o.readings)]


def test_all_registered_in_group_g_as_seed_statements():
    from gentoys.checks.framework.registry import CLAIMS

    for cid in ("sparse_caption_fraction", "null_modes_rate", "network_l1_effective",
                "gen_loss_increases_with_lambda", "small_lambda_slow", "ridge_figure_factor"):
        c = CLAIMS[cid]
        assert c.group == "G" and c.source == "seed" and c.seed.reading and c.seed.where


# -- sparse_caption_fraction ---------------------------------------------------------------------------------------

def test_sparse_caption_is_an_erratum(ctx):
    o = review.sparse_caption_fraction(ctx)
    assert o.verdict == "erratum" and "60%" in o.correction and "not 70%" in o.correction
    assert o.evidence[0].numbers["zero_share_of_the_simulated_sparse_teacher"] == pytest.approx(0.6)
    assert all(readable(t) for t in _texts(o))


def test_sparse_caption_confirmed_had_it_said_60(monkeypatch, ctx):
    monkeypatch.setattr(seed, "sparse_caption_zero_share", sp.Rational(3, 5))
    assert review.sparse_caption_fraction(ctx).verdict == "confirmed"


def test_sparse_caption_follows_the_text_support(monkeypatch, ctx):
    """A text with d = 300 (70 % zeros) would make the caption right."""
    monkeypatch.setattr(seed, "sparse_text_support", {"dim": 1000, "d": 300})
    assert review.sparse_caption_fraction(ctx).verdict == "confirmed"


# -- null_modes_rate -----------------------------------------------------------------------------------------------

def test_null_modes_rate_confirmed_with_the_ridge_reading_refuted(ctx):
    o = review.null_modes_rate(ctx)
    assert o.verdict == "confirmed" and o.agreement is True
    (r,) = o.readings
    assert r.verdict == "refuted" and "slowest" in r.note
    assert all(readable(t) for t in _texts(o))


def test_null_modes_rate_refuted_if_ridge_rate_ignored_the_flat_directions(monkeypatch, ctx):
    """A seed R_λ computed over [λ_min + λ, λ_max + λ] (flat directions dropped) is not the flat factor."""
    monkeypatch.setattr(seed, "null_modes_rate_ridge", review.rate_ridge_without_null_modes())
    assert review.null_modes_rate(ctx).verdict == "refuted"


def test_null_modes_rate_measurement_disagrees_when_planted(monkeypatch, ctx):
    real = review._null_decay_measured

    def off(run):
        moved, factor, predicted = real(run)
        return moved, factor * (1 + 1e-6), predicted

    monkeypatch.setattr(review, "_null_decay_measured", off)
    o = review.null_modes_rate(ctx)
    assert o.agreement is False


def test_null_modes_rate_sampled_route_disagrees_with_a_wrong_closed_form(monkeypatch, ctx):
    wrong = Formula("wrong", review.tn.rate_gd_ridge.expr ** 2, review.tn.rate_gd_ridge.params)
    monkeypatch.setattr(review.tn, "rate_gd_ridge", wrong)
    o = review.null_modes_rate(ctx)
    assert [e for e in o.evidence if e.kind == "N"][0].agrees is False


# -- network_l1_effective ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_runs():
    """Network runs small enough for a test and long enough to sit at their fixed points (the seed's epochs: the
    check compares only runs as long as the seed's)."""
    return {
        "two_layer": networks.train(networks.TWO_LAYER.with_(dim=24, hidden=36, n_train=12, n_sets=4,
                                                             record_every=100)),
        "relu": networks.train(networks.RELU.with_(dim=20, hidden=20, teacher_hidden=4, n_train=12, n_val=12,
                                                   n_test=50, n_sets=4, record_every=100)),
    }


@pytest.fixture()
def with_small_runs(monkeypatch, small_runs):
    monkeypatch.setattr(review, "network_run", lambda ctx, model: small_runs[model])


def test_network_l1_effective_is_an_erratum(with_small_runs, ctx):
    o = review.network_l1_effective(ctx)
    assert o.verdict == "erratum" and o.agreement is True
    assert "3.5e-05" in o.correction and "0.0005" in o.correction
    assert all(readable(t) for t in _texts(o))


def test_network_l1_confirmed_if_the_seed_named_the_effective_strength(monkeypatch, with_small_runs, ctx):
    l1, _ = review._l1_symbols()
    monkeypatch.setattr(seed, "network_l1_strength", (1 - review.beta) * l1)
    assert review.network_l1_effective(ctx).verdict == "confirmed"


def test_network_l1_routes_disagree_with_the_nominal_strengths(monkeypatch, with_small_runs, ctx):
    """A derivation that kept the nominal strengths (no 1 − β) is caught by the convex route and by the trained
    networks' stationarity."""
    l1, c = review._l1_symbols()
    monkeypatch.setattr(review, "effective_strengths", lambda: (l1, c))
    o = review.network_l1_effective(ctx)
    assert [e for e in o.evidence if e.kind == "N"][0].agrees is False
    assert [e.agrees for e in o.evidence if e.kind == "M"] == [False, False]
    assert o.agreement is False


def test_network_l1_stationarity_catches_a_planted_fit(monkeypatch, with_small_runs, ctx):
    """Trained weights whose fitted k were the nominal 1 disagree with the derivation."""
    monkeypatch.setattr(review, "_stationarity", lambda run, method, l1, c: np.ones(run.setting.n_sets)
                        + 1e-3 * np.arange(run.setting.n_sets))
    o = review.network_l1_effective(ctx)
    assert [e.agrees for e in o.evidence if e.kind == "M"] == [False, False]


def test_network_short_runs_are_not_compared(ctx):
    """At the tiny profile (5 % of the seed's epochs) the stationarity fit is reported, undecided."""
    o = review.network_l1_effective(ctx)
    ms = [e for e in o.evidence if e.kind == "M"]
    assert len(ms) == 2 and all(e.undecided and e.agrees is None for e in ms)
    assert o.verdict == "erratum" and o.agreement_label == "undecided"


def test_network_stationarity_tells_the_momentum_apart():
    """The fitted k of a run is 1 − β of the momentum it was trained with."""
    base = networks.TWO_LAYER.with_(dim=24, hidden=36, n_train=12, n_sets=4, record_every=100)
    for b in (0.9, 0.5):
        lasso = networks.Method("lasso", 0.055 * (1 - b) / 0.1, b, l1=3.5e-4, shrink=0.1)
        run = networks.train(base.with_(methods=(lasso,)))
        k = review._stationarity(run, "lasso", 3.5e-4, 0.1)
        assert abs(k.mean() - (1 - b)) < b / 4, (b, k)


# -- gen_loss_increases_with_lambda --------------------------------------------------------------------------------

def test_gen_loss_increasing_confirmed(ctx):
    o = review.gen_loss_increases_with_lambda(ctx)
    assert o.verdict == "confirmed" and o.agreement is True
    (r,) = o.readings
    assert r.verdict == "refuted"  # after 200 epochs small λ is worse: the flat directions have not decayed
    assert all(readable(t) for t in _texts(o))


def test_gen_loss_refuted_by_a_decreasing_mode_term(monkeypatch, ctx):
    monkeypatch.setattr(review, "mode_slope", lambda: -review.lam * review.h / (review.h + review.lam) ** 3)
    assert review.gen_loss_increases_with_lambda(ctx).verdict == "refuted"


def test_gen_loss_quadrature_catches_a_wrong_slope(monkeypatch, ctx):
    real = review.plateau_slope()
    monkeypatch.setattr(review, "plateau_slope", lambda: real * 1.01)
    assert review.gen_loss_increases_with_lambda(ctx).agreement is False


# -- small_lambda_slow ---------------------------------------------------------------------------------------------

def test_small_lambda_slow_confirmed(ctx):
    o = review.small_lambda_slow(ctx)
    assert o.verdict == "confirmed" and o.agreement is True
    assert o.readings[0].verdict == "refuted"
    assert all(readable(t) for t in _texts(o))


def test_small_lambda_slow_refuted_by_a_rate_that_does_not_tend_to_one(monkeypatch, ctx):
    L, lam = review.lam_max, review.lam
    wrong = Formula("wrong", (L / 2) / (L + 2 * lam), review.tn.rate_gd_ridge.params)
    monkeypatch.setattr(review.tn, "rate_gd_ridge", wrong)
    o = review.small_lambda_slow(ctx)
    assert o.verdict == "refuted"


def test_small_lambda_iterated_steps_follow_the_factor():
    curv = np.array([[0.0, 0.5, 2.0]])
    steps = review._steps_iterated(curv, np.array([0.5]), 0.01, 1e-3)
    assert steps[0] == int(np.ceil(np.log(1e-3) / np.log(1 - 0.5 * 0.01)))


def test_iterated_steps_equal_the_every_mode_iteration():
    """Iterating the slowest mode in blocks gives, set by set, the very step at which the plain iteration of every
    mode (signs included: factors below -1 + eta lam alternate) first has all |e_t| <= eps, also across blocks."""
    rng = np.random.default_rng(4)
    curv = np.concatenate([np.zeros((6, 1)), np.sort(rng.uniform(0.05, 3.0, (6, 40)), 1)], 1)
    eta = 2 / (curv[:, -1] + 0.02) * rng.uniform(0.8, 1.0, 6)
    e, want, t = np.ones_like(curv), np.zeros(6, dtype=int), 0
    while not want.all():
        t += 1
        e *= 1 - eta[:, None] * (curv + 0.01)
        want[(want == 0) & (np.abs(e).max(1) <= 1e-4)] = t
    assert want.max() > 50
    np.testing.assert_array_equal(review._steps_iterated(curv, eta, 0.01, 1e-4, block=7), want)
    np.testing.assert_array_equal(review._steps_iterated(curv, eta, 0.01, 1e-4), want)


# -- ridge_figure_factor -------------------------------------------------------------------------------------------

def test_ridge_figure_factor_confirmed(ctx):
    o = review.ridge_figure_factor(ctx)
    assert o.verdict == "confirmed" and o.agreement is not False
    assert "D = 1000" in o.key and all(readable(t) for t in _texts(o))


def test_ridge_figure_factor_refuted_for_a_wrong_factor(monkeypatch, ctx):
    monkeypatch.setattr(seed, "ridge_figure_factor", sp.Rational(105, 100))
    o = review.ridge_figure_factor(ctx)
    assert o.verdict == "refuted" and "not × 1.05" in o.correction


def test_ridge_figure_factor_cross_check_catches_a_wrong_limit(monkeypatch, ctx):
    real = review.correction_at_lambda_R
    monkeypatch.setattr(review, "correction_at_lambda_R",
                        Formula("wrong", real.expr * sp.Rational(5, 4), real.params))
    assert review.ridge_figure_factor(ctx).agreement is False


def test_figure_resolution_matches_the_beta_law():
    """sd of Beta(a, b) over its mean, with a = (D − N)/2, b = N/2, over √(sets)."""
    from scipy import stats

    dim, qv = 1000, 0.7
    law = stats.beta((dim - 700) / 2, 700 / 2)
    assert review.figure_resolution(qv, dim, 100) == pytest.approx(law.std() / law.mean() / 10, rel=1e-12)
