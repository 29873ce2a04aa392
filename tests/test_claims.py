"""The claims registry and the Outcome / Result vocabulary of checks.claim."""
import pytest

from gentoys.checks.framework.claim import Claim, Evidence, Outcome, Reading, Result, SeedStatement
from gentoys.checks.framework.registry import CLAIMS, claim, load_all

# Ids of CLAIMS.md, groups A and B, plus the two proximal claims of group C that exist so far.
GROUP_A = ("mp_edges", "null_fraction_exact", "gf_unregularized_solution", "gf_unregularized_loss",
           "eq1_unregularized_plateau", "gf_ridge_equation", "gf_ridge_solution", "eq2_ridge_plateau",
           "eq3_ridge_small_lambda", "ridge_beats_unregularized", "s0_norm_expectation")
GROUP_B = ("distill_eta", "distill_rates", "lambda_R_equal_rates", "mp_lambda_R", "mp_eta",
           "ridge_correction_below_3pct", "ridge_slower_in_gen_loss", "momentum_beta_q", "momentum_eta",
           "momentum_rate", "momentum_keeps_plateaus")
GROUP_C = ("soft_threshold_is_prox", "prox_fixed_point")
EXPECTED = {**{i: "A" for i in GROUP_A}, **{i: "B" for i in GROUP_B}, **{i: "C" for i in GROUP_C}}


@pytest.fixture(scope="module")
def claims():
    return load_all()


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_claim_registered_with_its_group(claims, cid):
    """Every id of CLAIMS.md groups A, B (and the prox claims of C) is registered under its group."""
    assert cid in claims, f"claim {cid!r} of CLAIMS.md is not registered"
    c = claims[cid]
    assert c.id == cid
    assert c.group == EXPECTED[cid]
    assert callable(c.check)
    assert c.seed.paraphrase and c.seed.where


def test_registered_kinds_are_evidence_letters(claims):
    """Each claim states the evidence kinds it needs, using only S, N and M."""
    for c in claims.values():
        letters = c.kinds.split()
        assert letters and set(letters) <= {"S", "N", "M"}, (c.id, c.kinds)


def test_kinds_match_claims_md(claims):
    """The evidence each claim declares is that of CLAIMS.md (spot check of several rows)."""
    assert claims["mp_edges"].kinds == "S N"
    assert claims["eq2_ridge_plateau"].kinds == "S N M"
    assert claims["gf_ridge_solution"].kinds == "S"
    assert claims["ridge_slower_in_gen_loss"].kinds == "N M"


def test_load_all_is_idempotent(claims):
    """A second load_all neither re-registers (which would raise) nor changes the registry."""
    before = dict(claims)
    assert load_all() is CLAIMS
    assert load_all() == before


def test_duplicate_registration_raises(monkeypatch):
    """Registering an id twice is an error, not a silent overwrite."""
    monkeypatch.setattr("gentoys.checks.framework.registry.CLAIMS", dict(CLAIMS))
    register = claim("mp_edges", "A", "S", SeedStatement("x", "y"))
    with pytest.raises(ValueError, match="registered twice"):
        register(lambda ctx: None)


def test_registration_adds_claim(monkeypatch):
    """The decorator stores a Claim with the given fields and returns the function unchanged."""
    import gentoys.checks.framework.registry as registry

    monkeypatch.setattr(registry, "CLAIMS", {})

    def check(ctx):
        return Outcome("confirmed", [], key="k")

    assert claim("new_id", "Z", "S", SeedStatement("p", "w"))(check) is check
    assert registry.CLAIMS["new_id"] == Claim("new_id", "Z", SeedStatement("p", "w"), "S", check)


# --- Outcome validation --------------------------------------------------------

def test_refuted_without_correction_raises():
    """A refuted verdict must carry the corrected statement."""
    with pytest.raises(ValueError, match="corrected statement"):
        Outcome("refuted", [], key="k")
    assert Outcome("refuted", [], key="k", correction="the right one").correction


def test_inconclusive_without_why_raises():
    """An inconclusive verdict must say what is missing."""
    with pytest.raises(ValueError, match="reason"):
        Outcome("inconclusive", [], key="k")
    assert Outcome("inconclusive", [], key="k", why="no data").why


@pytest.mark.parametrize("verdict", ["true", "Confirmed", "", "agreed", None])
def test_unknown_verdict_raises(verdict):
    """Only confirmed / refuted / inconclusive are verdicts."""
    with pytest.raises(ValueError, match="not one of"):
        Outcome(verdict, [], key="k", correction="c", why="w")


def test_agreement_is_conjunction_of_evidence():
    """Outcome.agreement is True only when every piece of evidence agrees."""
    good, bad = Evidence("S", "a"), Evidence("N", "b", agrees=False)
    assert Outcome("confirmed", [good, good], key="k").agreement
    assert not Outcome("confirmed", [good, bad], key="k").agreement
    assert Outcome("confirmed", [], key="k").agreement


def test_result_to_json_fields():
    """Result.to_json carries id, seed_says, verdict, agreement, evidence; correction only when refuted."""
    c = Claim("some_id", "A", SeedStatement("the seed says so", "Numerics"), "S N", lambda ctx: None)
    refuted = Outcome("refuted", [Evidence("N", "n", {"x": 1.0}, agrees=False)], key="k", correction="fix",
                      readings=[Reading("r", "refuted", "note")])
    out = Result(c, refuted, 1.23456).to_json()
    assert out["id"] == "some_id" and out["group"] == "A"
    assert out["seed_says"] == "the seed says so"
    assert out["verdict"] == "refuted" and out["correction"] == "fix"
    assert out["agreement"] is False
    assert out["evidence"] == [{"kind": "N", "summary": "n", "numbers": {"x": 1.0}, "agrees": False,
                                "pending": False}]
    assert out["readings"] == [{"name": "r", "verdict": "refuted", "note": "note"}]
    assert out["seconds"] == 1.235
    confirmed = Result(c, Outcome("confirmed", [], key="k"), 0.0).to_json()
    assert "correction" not in confirmed and "why" not in confirmed and "readings" not in confirmed
