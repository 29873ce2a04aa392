"""momentum_rate and ridge_correction_below_3pct: their verdicts and cross-checks move when fed wrong values."""
import pytest
import sympy as sp

import gentoys.checks.claims.seed as seed
from gentoys.checks.claims import load_all
from gentoys.checks.claims import tuning as tuning_claims
from gentoys.checks.framework.text import math_text, readable
from gentoys.checks.framework.profile import Context, tiny
from gentoys.theory.core.domain import RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import q

from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)


@pytest.fixture(scope="module")
def claims():
    return load_all()


@pytest.fixture()
def ctx():
    return Context(tiny())


def test_momentum_rate_confirmed_under_the_seeds_reading(claims, ctx):
    """Decided under the per-step reading the seed's R₀ fixes; the step-count reading is reported beside it."""
    assert "per-step factor" in claims["momentum_rate"].seed.reading
    o = claims["momentum_rate"].check(ctx)
    assert o.verdict == "confirmed" and o.agreement is not False
    (steps,) = o.readings
    assert steps.name == "faster = fewer steps to a given accuracy"
    assert steps.verdict == "refuted" and "log √q / log R₀ = 11.27" in steps.note
    assert "3.8" in o.key and "11.3" in o.key and f"D = {ctx.profile.dim}" in o.key
    assert readable(o.key) and readable(steps.note)


def test_momentum_rate_sampled_steps_decided_against_the_bound(monkeypatch, claims, ctx):
    """The sampled step ratio is a decision against the step bound (2× for 'up to 50 %'): above it as the seed
    says 50 %; below it, and the step reading confirmed, had the seed said 'up to 80 %' (5×)."""
    o = claims["momentum_rate"].check(ctx)
    ev = [e for e in o.evidence if "sampled Σ_tr" in e.summary][0]
    cmp = ev.numbers["eps=0.001"]
    assert cmp["target"] == 2 and cmp["tolerance"] == 0 and cmp["interval"][0] > 2
    assert ev.agrees is None  # a finite-D measurement, not a cross-check of the MP limit
    assert "against at most 2×: above" in o.readings[0].note
    monkeypatch.setattr(seed, "momentum_speedup_bound", sp.Rational(4, 5))
    o = claims["momentum_rate"].check(ctx)
    steps = o.readings[0]
    assert "against at most 5×: below" in steps.note and steps.verdict == "confirmed"


def test_momentum_rate_refuted_if_the_seed_promised_less(monkeypatch, claims, ctx):
    """'up to 30 % faster' fails: the factor can be up to 50 % smaller."""
    monkeypatch.setattr(seed, "momentum_speedup_bound", sp.Rational(3, 10))
    o = claims["momentum_rate"].check(ctx)
    assert o.verdict == "refuted" and "not within 30% of R₀" in o.correction


def test_momentum_rate_follows_the_derived_factor_ratio(monkeypatch, claims, ctx):
    """A planted factor ratio q/2 (inf 0 instead of 1/2) turns the verdict."""
    monkeypatch.setattr(tuning_claims, "momentum_factor_ratio", Formula("wrong", q / 2, (Param(q, RATIO),)))
    assert claims["momentum_rate"].check(ctx).verdict == "refuted"


def test_ridge_correction_is_an_erratum_stating_the_limit_and_the_seeds_setting(claims, ctx):
    """3 % is exceeded for q > 0.7070 (sup 3.03 %), but the 3 % correction the seed uses stands: an erratum, whose
    correction states the MP limit and the D = 1000 value with its interval."""
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert o.verdict == "erratum" and o.agreement is not False
    assert "0.7070" in o.correction and "3√2/8 − 1/2" in o.correction and "3.033%" in o.correction
    assert "D = 1000" in o.correction and "90 % interval" in o.correction and "stands" in o.correction
    for text in (o.correction, o.key, *(r.note for r in o.readings), *(e.summary for e in o.evidence)):
        assert readable(text), text
    ev = [e for e in o.evidence if "seed's D = 1000" in e.summary]
    assert len(ev) == 1 and ev[0].agrees
    (at_seed,) = o.readings
    assert "D = 1000" in at_seed.name
    lo, hi = ev[0].numbers["q=0.7"]["vs_bound"]["interval"]
    assert at_seed.verdict == ("inconclusive" if lo < 0.03 < hi else "confirmed" if hi < 0.03 else "refuted")
    if at_seed.verdict == "inconclusive":
        assert "straddles 3%" in at_seed.note


def test_ridge_correction_refuted_when_the_sup_is_far_above_the_bound(monkeypatch, claims, ctx):
    """A supremum of 4 % would not be 3 % to the digit stated: the seed's use fails, refuted."""
    monkeypatch.setattr(tuning_claims, "ridge_correction_sup", lambda: sp.Rational(4, 100))
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert o.verdict == "refuted" and "does not hold" in o.correction


def test_ridge_correction_seed_setting_reading_follows_the_bound(monkeypatch, claims, ctx):
    """The D = 1000 reading is decided by the interval: below 3.5 %, above 2.5 %."""
    monkeypatch.setattr(seed, "ridge_correction_bound", sp.Rational(35, 1000))
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert o.verdict == "confirmed" and o.readings[0].verdict == "confirmed"
    monkeypatch.setattr(seed, "ridge_correction_bound", sp.Rational(25, 1000))
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert o.verdict == "refuted" and o.readings[0].verdict == "refuted"


def test_ridge_correction_at_seed_dim_catches_wrong_limit(monkeypatch, claims, ctx):
    """A correction 25 % too large (beyond the 5/D finite-size allowance) disagrees with the D = 1000 sets."""
    real = tuning_claims.correction_at_lambda_R
    wrong = Formula("wrong", real.expr * sp.Rational(5, 4), real.params)
    monkeypatch.setattr(tuning_claims, "correction_at_lambda_R", wrong)
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert not [e for e in o.evidence if "seed's D = 1000" in e.summary][0].agrees
    assert o.agreement is False


def test_math_text_is_readable():
    assert math_text(3 * sp.sqrt(2) / 8 - sp.Rational(1, 2)) == "3√2/8 − 1/2"
    assert math_text(2 * sp.sqrt(q) / (q + 1)) == "2√q/(q + 1)"
    assert math_text(q**2) == "q²"
