"""The claims registry and the Outcome / Result vocabulary of checks.claim."""
import numpy as np
import pytest

from gentoys.checks.claims import load_all
from gentoys.checks.framework.claim import Claim, Evidence, Outcome, Reading, Result, SeedStatement
from gentoys.checks.framework.judging import judged
from gentoys.checks.framework.profile import Context, tiny
from gentoys.checks.framework.registry import CLAIMS, claim

# Ids of CLAIMS.md, groups A, B and G, plus the two proximal claims of group C that exist so far.
GROUP_A = ("mp_edges", "null_fraction_exact", "gf_unregularized_solution", "gf_unregularized_loss",
           "eq1_unregularized_plateau", "gf_ridge_equation", "gf_ridge_solution", "eq2_ridge_plateau",
           "eq3_ridge_small_lambda", "ridge_beats_unregularized", "s0_norm_expectation")
GROUP_B = ("distill_eta", "distill_rates", "lambda_R_equal_rates", "mp_lambda_R", "mp_eta",
           "ridge_correction_below_3pct", "ridge_slower_in_gen_loss", "momentum_beta_q", "momentum_eta",
           "momentum_rate", "momentum_keeps_plateaus")
GROUP_C = ("soft_threshold_is_prox", "prox_fixed_point")
#: group G of CLAIMS.md (statements added on review), with the evidence each row lists
GROUP_G = {"sparse_caption_fraction": "S", "null_modes_rate": "S N M", "network_l1_effective": "S N M",
           "gen_loss_increases_with_lambda": "S N", "small_lambda_slow": "S N", "ridge_figure_factor": "S N"}
EXPECTED = {**{i: "A" for i in GROUP_A}, **{i: "B" for i in GROUP_B}, **{i: "C" for i in GROUP_C},
            **{i: "G" for i in GROUP_G}}


@pytest.fixture(scope="module")
def claims():
    return load_all()


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_claim_registered_with_its_group(claims, cid):
    """Every id of CLAIMS.md groups A, B, G (and the prox claims of C) is registered under its group."""
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
    for cid, kinds in GROUP_G.items():
        assert claims[cid].kinds == kinds, cid
        assert claims[cid].source == "seed", cid


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

@pytest.mark.parametrize("verdict", ["erratum", "refuted"])
def test_erratum_or_refuted_without_correction_raises(verdict):
    """An erratum or a refutation must carry the corrected statement."""
    with pytest.raises(ValueError, match="corrected statement"):
        Outcome(verdict, [], key="k")
    assert Outcome(verdict, [], key="k", correction="the right one").correction


def test_judged_tells_an_erratum_from_a_refutation():
    assert judged(False, [], "k", "fixed", conclusion_stands=True).verdict == "erratum"
    assert judged(False, [], "k", "fixed").verdict == "refuted"
    assert judged(True, [], "k", "fixed", conclusion_stands=True).verdict == "confirmed"


def test_decided_maps_the_three_decisions_to_verdicts():
    from gentoys.checks.framework.compare import within_tolerance
    from gentoys.checks.framework.judging import cross_check, decided

    rng = np.random.default_rng(1)
    inside = within_tolerance(1.0 + 1e-4 * rng.normal(size=20), 1.0, 0.01)
    outside = within_tolerance(1.05 + 1e-4 * rng.normal(size=20), 1.0, 0.01)
    noisy = within_tolerance(1.0 + 0.5 * rng.normal(size=20), 1.0, 0.01)
    assert decided(inside, [], "k", "c").verdict == "confirmed"
    assert decided(outside, [], "k", "c").verdict == "refuted"
    assert decided(outside, [], "k", "c", conclusion_stands=True).verdict == "erratum"
    open_ = decided(noisy, [], "k", "c")
    assert open_.verdict == "inconclusive" and "data sets would decide" in open_.why
    assert cross_check("M", "x", inside).agrees is True and cross_check("M", "x", outside).agrees is False
    undecided = cross_check("M", "x", noisy)
    assert undecided.agrees is None and undecided.undecided
    assert Outcome("confirmed", [undecided], key="k").agreement_label == "undecided"
    assert Outcome("confirmed", [undecided, cross_check("M", "x", outside)], key="k").agreement_label == "NO"


def test_source_is_seed_or_beyond():
    with pytest.raises(ValueError, match="source"):
        Claim("x", "A", SeedStatement("p", "w"), "S", lambda ctx: None, source="mine")


def test_inconclusive_without_why_raises():
    """An inconclusive verdict must say what is missing."""
    with pytest.raises(ValueError, match="reason"):
        Outcome("inconclusive", [], key="k")
    assert Outcome("inconclusive", [], key="k", why="no data").why


@pytest.mark.parametrize("verdict", ["true", "Confirmed", "", "agreed", None])
def test_unknown_verdict_raises(verdict):
    """Only confirmed / erratum / refuted / inconclusive are verdicts."""
    with pytest.raises(ValueError, match="not one of"):
        Outcome(verdict, [], key="k", correction="c", why="w")


def test_agreement_is_conjunction_of_comparing_evidence():
    """Outcome.agreement: False if any cross-check fails, True if all pass, None if nothing compares two routes."""
    good, bad, lone = Evidence("S", "a", agrees=True), Evidence("N", "b", agrees=False), Evidence("M", "c", agrees=None)
    assert Outcome("confirmed", [good, good, lone], key="k").agreement is True
    assert Outcome("confirmed", [good, bad], key="k").agreement is False
    assert Outcome("confirmed", [lone], key="k").agreement is None
    assert Outcome("confirmed", [], key="k").agreement is None


def test_evidence_must_say_whether_it_compares():
    """agrees has no default: every piece of evidence states its cross-check, or that it has none."""
    with pytest.raises(TypeError, match="agrees"):
        Evidence("M", "a measurement")
    with pytest.raises(ValueError, match="kind"):
        Evidence("X", "an unknown kind", agrees=None)


@pytest.mark.parametrize("text", ["see the evidence", "See the readings", "lasso is worse; see evidence"])
def test_placeholder_corrections_are_rejected(text):
    """A refuted claim states what holds; a pointer elsewhere is not a correction."""
    with pytest.raises(ValueError, match="points elsewhere"):
        Outcome("refuted", [], key="k", correction=text)
    with pytest.raises(ValueError, match="points elsewhere"):
        judged(False, [], "k", text)


def test_judged_composes_a_correction_from_refuted_readings_or_refuses():
    readings = [Reading("a", "confirmed", "fine"), Reading("b", "refuted", "x = 3, not 2")]
    assert judged(False, [], "k", readings=readings).correction == "b: x = 3, not 2"
    with pytest.raises(ValueError, match="nothing that states what holds"):
        judged(False, [Evidence("M", "m", agrees=None)], "k")
    assert judged(False, [], "k", lambda: "computed only when refuted").correction == "computed only when refuted"
    assert judged(True, [], "k", lambda: 1 / 0).verdict == "confirmed"  # never called when the claim holds


def test_runner_fails_a_claim_whose_evidence_kinds_differ_from_its_declaration(monkeypatch):
    from gentoys.checks.framework.runner import DeclarationMismatch, run_claims

    def check(ctx):
        return Outcome("confirmed", [Evidence("S", "s", agrees=None), Evidence("N", "n", agrees=True)], key="k")

    claims = {"declared_s_m": Claim("declared_s_m", "A", SeedStatement("p", "w"), "S M", check)}
    with pytest.raises(DeclarationMismatch, match="declares evidence M S but its check produced N S"):
        run_claims(claims, Context(tiny()))


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
    assert out["evidence"] == [{"kind": "N", "summary": "n", "numbers": {"x": 1.0}, "agrees": False, "undecided": False,
                                "measurements": []}]
    assert out["source"] == "seed" and out["agreement_label"] == "NO" and "reading" in out
    assert out["kinds"] == "S N"
    assert out["readings"] == [{"name": "r", "verdict": "refuted", "note": "note"}]
    assert "seconds" not in out  # timings live in the report's separate `timing` object (never reproducible)
    confirmed = Result(c, Outcome("confirmed", [], key="k"), 0.0).to_json()
    assert "correction" not in confirmed and "why" not in confirmed and "readings" not in confirmed


def test_every_claim_declares_its_reading_and_source(claims):
    """The verdict is decided under the reading the seed's words fix; the project's own claims are apart."""
    assert not [cid for cid, c in claims.items() if not c.seed.reading.strip()]
    beyond = {cid for cid, c in claims.items() if c.source == "beyond"}
    assert {"wd_factor_nuclear", "lasso_state_evolution", "lasso_support_fraction", "lasso_exact_recovery",
            "lasso_ridge_boundary"} <= beyond
