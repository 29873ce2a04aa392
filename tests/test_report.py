"""checks.report (the JSON report and the table) and checks.files.write_atomic."""
import io
import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
from rich.console import Console

import gentoys.checks.outputs.files as files
from gentoys.checks.claims import load_all
from gentoys.checks.framework.claim import Claim, Evidence, Outcome, Result, SeedFormula, SeedStatement
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.checks.framework.profile import tiny as tiny_profile
from gentoys.checks.framework.runner import run_claims
from gentoys.checks.outputs.files import write_atomic
from gentoys.checks.outputs.report import dumps, print_report, report_json

TINY = Context(tiny_profile(), seed=3)
CLAIM_KEYS = {"id", "seed_says", "verdict", "agreement", "evidence"}


def _claim(cid: str) -> Claim:
    return Claim(cid, "A", SeedStatement(f"{cid} says so", "Numerics", (
        SeedFormula("q squared", lambda: sp.Symbol("q") ** 2, lambda: sp.Symbol("q") ** 2, ((sp.Symbol("q"), 0, 1),)),)), "S N", lambda ctx: None)


@pytest.fixture(scope="module")
def synthetic():
    """Results with awkward numbers: NaN, inf, numpy and torch scalars, SymPy objects, non-string keys."""
    weird = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "np_float": np.float64(0.5), "np_nan": np.float64("nan"),
             "np_int": np.int64(7), "np_bool": np.bool_(True), "torch": torch.tensor(2.5, dtype=torch.float64),
             "sympy": sp.sqrt(2) / 2, "sympy_int": sp.Integer(3), 1.5: "float key", "nested": [{"x": (math.nan, 1)}]}
    return [
        Result(_claim("ok_claim"), Outcome("confirmed", [Evidence("S", "s", {"equal": True}, agrees=True)], key="k"), 0.1),
        Result(_claim("bad_claim"), Outcome("refuted", [Evidence("N", "n", weird, agrees=False)], key="k2",
                                            correction="the right statement"), 0.2),
        Result(_claim("unsure_claim"), Outcome("inconclusive", [Evidence("M", "m", agrees=None)], key="k3",
                                               why="simulation pending"), 0.0),
    ]


def test_dumps_is_valid_json_with_design_keys(synthetic):
    """The report is one JSON object with profile/device/seed/claims, each claim with the DESIGN.md keys."""
    doc = json.loads(dumps(TINY, synthetic))
    assert {"profile", "device", "seed", "claims"} <= set(doc)
    assert (doc["profile"], doc["device"], doc["seed"]) == ("tiny", "cpu", 3)
    assert [c["id"] for c in doc["claims"]] == ["ok_claim", "bad_claim", "unsure_claim"]
    for c in doc["claims"]:
        assert CLAIM_KEYS <= set(c)
        assert c["verdict"] in ("confirmed", "refuted", "inconclusive")
        assert c["agreement"] in (True, False, None)  # None: no evidence of the claim compares two routes
        assert isinstance(c["evidence"], list)


def test_refuted_carries_correction_inconclusive_carries_why(synthetic):
    """A refuted claim carries its correction, an inconclusive one its reason; a confirmed one neither."""
    ok, bad, unsure = json.loads(dumps(TINY, synthetic))["claims"]
    assert bad["verdict"] == "refuted" and bad["correction"] == "the right statement"
    assert bad["agreement"] is False
    assert unsure["why"] == "simulation pending" and unsure["evidence"][0]["agrees"] is None and unsure["agreement"] is None
    assert "correction" not in ok and "why" not in ok


def test_non_finite_and_foreign_numbers_serialize_safely(synthetic):
    """NaN/inf become strings (strict JSON, no bare NaN); numpy/torch scalars become numbers; SymPy becomes text."""
    text = dumps(TINY, synthetic)
    assert "NaN" not in text and "Infinity" not in text
    numbers = json.loads(text)["claims"][1]["evidence"][0]["numbers"]
    assert numbers["nan"] == "nan" and numbers["np_nan"] == "nan"
    assert numbers["inf"] == "inf" and numbers["-inf"] == "-inf"
    assert numbers["np_float"] == 0.5 and numbers["np_int"] == 7 and numbers["np_bool"] is True
    assert numbers["torch"] == 2.5
    assert numbers["sympy"] == str(sp.sqrt(2) / 2) and numbers["sympy_int"] == "3"
    assert numbers["1.5"] == "float key"
    assert numbers["nested"] == [{"x": ["nan", 1]}]


def test_report_json_does_not_mutate_results(synthetic):
    """Cleaning for JSON works on a copy: the evidence still holds the original NaN."""
    dumps(TINY, synthetic)
    assert math.isnan(synthetic[1].outcome.evidence[0].numbers["nan"])
    assert report_json(TINY, synthetic)["claims"][1]["evidence"][0]["numbers"]["np_int"] == 7


def test_dumps_of_real_results():
    """Real check results (SymPy strings, nested comparisons) make a valid report."""
    results = run_claims(load_all(), TINY, ["gf_ridge_equation", "mp_lambda_R"])
    doc = json.loads(dumps(TINY, results))
    by_id = {c["id"]: c for c in doc["claims"]}
    assert set(by_id) == {"gf_ridge_equation", "mp_lambda_R"}
    refuted = by_id["gf_ridge_equation"]
    assert refuted["verdict"] == "erratum" and refuted["correction"] and refuted["reading"]
    assert {r["verdict"] for r in refuted["readings"]} == {"confirmed"}
    assert by_id["mp_lambda_R"]["verdict"] == "confirmed" and by_id["mp_lambda_R"]["agreement"] is True
    assert all(CLAIM_KEYS <= set(c) for c in doc["claims"])


@pytest.mark.parametrize("array", [np.array([1.0, math.nan]), torch.tensor([1.0, 2.0])], ids=["numpy", "torch"])
def test_arrays_in_evidence_serialize(array):
    """An array among the evidence numbers is written as a list (NaN as a string), not a crash."""
    result = Result(_claim("arr"), Outcome("confirmed", [Evidence("N", "n", {"values": array}, agrees=True)], key="k"), 0.0)
    numbers = json.loads(dumps(TINY, [result]))["claims"][0]["evidence"][0]["numbers"]
    expected = [str(v) if math.isnan(v) else v for v in array.tolist()]
    assert numbers["values"] == expected


def test_printed_table_names_corrections_and_disagreements(synthetic):
    """The terminal report lists each claim, the corrections of refuted ones and the agreement failures."""
    buf = io.StringIO()
    print_report(synthetic, Console(file=buf, width=200, color_system=None))
    out = buf.getvalue()
    for cid in ("ok_claim", "bad_claim", "unsure_claim"):
        assert cid in out
    assert "the right statement" in out
    assert "NO" in out
    assert "agreement failures: bad_claim" in out
    assert "3 seed claims: confirmed 1, erratum 0, refuted 1, inconclusive 1" in out


def test_profiles():
    """The two named profiles exist and full is at least as large as quick."""
    quick, full = PROFILES["quick"], PROFILES["full"]
    assert quick.name == "quick" and full.name == "full"
    assert full.dim >= quick.dim and full.n_sets >= quick.n_sets and full.n_probes >= quick.n_probes


# --- write_atomic --------------------------------------------------------------------

def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_writes_text_and_bytes(tmp_path):
    """Text is written as UTF-8 with \\n line ends, bytes verbatim; missing parent folders are made."""
    target = tmp_path / "sub" / "dir" / "report.json"
    assert write_atomic(target, "héllo\nworld\n") == target
    assert target.read_bytes() == "héllo\nworld\n".encode()
    write_atomic(target, b"\x00\x01raw")
    assert target.read_bytes() == b"\x00\x01raw"
    assert _leftovers(target.parent) == []


def test_write_atomic_keeps_file_mode(tmp_path):
    """Rewriting a file keeps its mode (not mkstemp's 0600), and a new file follows the umask."""
    target = tmp_path / "report.json"
    for mode in (0o644, 0o640):
        target.write_text("old")
        target.chmod(mode)
        write_atomic(target, "new")
        assert stat.S_IMODE(target.stat().st_mode) == mode
    umask = os.umask(0)
    os.umask(umask)
    fresh = write_atomic(tmp_path / "fresh.json", "new")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_write_atomic_keeps_old_file_when_replace_fails(tmp_path, monkeypatch):
    """If the final rename fails, the old content survives and no temp file is left."""
    target = tmp_path / "report.json"
    target.write_text("old content")

    def failing_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(target, "new content")
    assert target.read_text() == "old content"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_atomic_keeps_old_file_when_writing_fails(tmp_path):
    """Data that cannot be encoded (a lone surrogate) fails mid-write: old file intact, no temp file."""
    target = tmp_path / "report.json"
    target.write_text("old content")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "fine start \ud800 broken")
    assert target.read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_atomic_interrupted_leaves_no_file(tmp_path, monkeypatch):
    """An interruption (KeyboardInterrupt) during the write leaves neither a new file nor a temp file."""
    target = tmp_path / "new.json"
    real_fdopen = os.fdopen

    class Exploding(io.StringIO):
        def write(self, data):
            raise KeyboardInterrupt

    def fdopen(fd, *args, **kwargs):
        real_fdopen(fd).close()
        return Exploding()

    monkeypatch.setattr(files.os, "fdopen", fdopen)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "data")
    assert list(tmp_path.iterdir()) == []


def test_a_real_report_validates_against_the_published_schema():
    """docs/report-schema.json describes what `gentoys verify --json` writes (jsonschema validates a real run)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "report-schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(dumps(TINY, run_claims(load_all(), TINY, ["eq2_ridge_plateau", "gf_ridge_solution",
                                                                  "mp_lambda_R"])))
    jsonschema.validate(doc, schema)
    assert doc["schema_version"] == 3 and doc["counts"]["seed"]["erratum"] >= 1
    stats = [m for c in doc["claims"] for e in c["evidence"] for m in e["measurements"]]
    assert stats and all({"value", "se"} <= set(m) for m in stats)
    broken = dict(doc, claims=[dict(doc["claims"][0], agreement="yes")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
