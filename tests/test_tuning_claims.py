"""The tuning claims (group B) as a person reads them: a declared reading, and no SymPy repr in any text, also
when a planted wrong formula makes the check state a correction."""
import pytest
import sympy as sp

import gentoys.checks.claims.seed as seed
from gentoys.checks.claims import load_all
from gentoys.checks.framework.profile import Context, tiny
from gentoys.checks.framework.text import readable
from gentoys.theory.core.symbols import lam, lam_max, lam_min, q

from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

GROUP_B = ("distill_eta", "distill_rates", "lambda_R_equal_rates", "mp_lambda_R", "mp_eta",
           "ridge_correction_below_3pct", "ridge_slower_in_gen_loss", "momentum_beta_q", "momentum_eta",
           "momentum_rate", "momentum_keeps_plateaus")


@pytest.fixture(scope="module")
def claims():
    return load_all()


@pytest.fixture(scope="module")
def ctx():
    return Context(tiny())


def _texts(claim, outcome) -> list[str]:
    return [claim.seed.paraphrase, claim.seed.reading, outcome.key, outcome.correction, outcome.why,
            *(f.label for f in claim.seed.formulas), *(r.note for r in outcome.readings),
            *(e.summary for e in outcome.evidence if "stubbed" not in e.summary)]


@pytest.mark.parametrize("cid", GROUP_B)
def test_reading_declared_and_texts_readable(claims, ctx, cid):
    c = claims[cid]
    assert c.source == "seed" and c.seed.where == "Numerics" and len(c.seed.reading) > 40
    o = c.check(ctx)
    for text in _texts(c, o):
        assert readable(text), (cid, text)


WRONG = [
    ("mp_lambda_R", "mp_lambda_R", (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2)), "λ_R = "),
    ("mp_eta", "mp_eta_ridge", 4 * q / ((1 + q) * (1 + sp.sqrt(q)) ** 2), "η_λ = "),
    ("distill_rates", "rate_ridge", (lam_max / lam) / (lam_max / lam + 1), "R_λ = "),
    ("lambda_R_equal_rates", "lambda_R", lam_max * lam_min / (lam_max + lam_min), "λ_R = "),
    ("momentum_eta", "mp_eta_momentum_ridge", (1 - sp.sqrt(q)) / seed.mp_lambda_R, "η_λ = "),
    ("momentum_rate", "mp_rate_momentum", q, "not q"),
]


@pytest.mark.parametrize("cid, attr, wrong, says", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_formula_correction_is_readable(monkeypatch, claims, ctx, cid, attr, wrong, says):
    """A planted wrong transcription is refuted with a correction that states the derived formula in unicode,
    beside the seed's, and only the formulas that differ."""
    monkeypatch.setattr(seed, attr, wrong)
    o = claims[cid].check(ctx)
    assert o.verdict == "refuted" and says in o.correction
    assert "not the seed's" in o.correction or cid == "momentum_rate"
    assert readable(o.correction) and "**" not in o.correction, o.correction
    assert o.correction.count("not") == 1  # the formula that is right is not restated as wrong
