"""momentum_rate and ridge_correction_below_3pct: their verdicts and cross-checks move when fed wrong values."""
import pytest
import sympy as sp

import gentoys.checks.claims.seed as seed
from gentoys.checks.claims import load_all
from gentoys.checks.claims import tuning as tuning_claims
from gentoys.checks.framework.text import math_text
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
    o = claims["momentum_rate"].check(ctx)
    assert o.verdict == "confirmed" and o.agreement is not False
    by_name = {r.name.split(" (")[0]: r for r in o.readings}
    assert by_name["faster = smaller per-step factor R"].verdict == "confirmed"
    steps = by_name["faster = fewer steps to a given accuracy"]
    assert steps.verdict == "refuted" and "log √q / log R₀ = 11.27" in steps.note
    assert "*" not in o.key and "sqrt" not in o.key


def test_momentum_rate_refuted_if_the_seed_promised_less(monkeypatch, claims, ctx):
    """'up to 30 % faster' fails: the factor can be up to 50 % smaller."""
    monkeypatch.setattr(seed, "momentum_speedup_bound", sp.Rational(3, 10))
    o = claims["momentum_rate"].check(ctx)
    assert o.verdict == "refuted" and "not within 30% of R₀" in o.correction


def test_momentum_rate_follows_the_derived_factor_ratio(monkeypatch, claims, ctx):
    """A planted factor ratio q/2 (inf 0 instead of 1/2) turns the verdict."""
    monkeypatch.setattr(tuning_claims, "momentum_factor_ratio", Formula("wrong", q / 2, (Param(q, RATIO),)))
    assert claims["momentum_rate"].check(ctx).verdict == "refuted"


def test_ridge_correction_at_seed_dim(claims, ctx):
    o = claims["ridge_correction_below_3pct"].check(ctx)
    assert o.verdict == "refuted" and o.agreement is not False
    assert "D = 1000" in o.correction and "3√2/8 − 1/2" in o.correction and "sqrt" not in o.correction
    ev = [e for e in o.evidence if "seed's D = 1000" in e.summary]
    assert len(ev) == 1 and ev[0].agrees


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
