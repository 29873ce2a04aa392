"""The gentoys command line (checks.cli.main), driven in-process with click's CliRunner."""
import dataclasses
import json

import pytest
import sympy as sp
import torch
from click.testing import CliRunner

import gentoys.checks.framework.profile
import gentoys.checks.framework.registry as registry
import gentoys.checks.outputs.docs
from gentoys.checks.claims import load_all
from gentoys.checks.claims import tuning as tuning_claims
from gentoys.checks.cli import main
from gentoys.checks.framework.profile import tiny as tiny_profile
from gentoys.theory.core.domain import RATIO
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import q

CHEAP = ["--only", "mp_lambda_R", "--only", "soft_threshold_is_prox"]




@pytest.fixture(autouse=True)
def _small_quick_profile(monkeypatch):
    """The CLI's plumbing does not depend on sizes: run its 'quick' profile at test size."""
    monkeypatch.setitem(gentoys.checks.framework.profile.PROFILES, "quick", tiny_profile("quick"))


from strategies import one_torch_thread  # noqa: E402,F401  (module-wide single torch thread)


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def wrong_lambda_R(monkeypatch):
    """Plant a limit formula twice too large: the sampled-spectra route will disagree with it."""
    wrong = Formula("lambda_R", (1 - q) ** 2 / (2 * q ** sp.Rational(3, 2)), (Param(q, RATIO),))
    monkeypatch.setattr(tuning_claims.mpl, "lambda_R", wrong)


def replace_check(monkeypatch, cid, make):
    """Swap the check of claim ``cid`` for ``make(original_check)``."""
    claims = load_all()
    original = claims[cid]
    monkeypatch.setitem(registry.CLAIMS, cid, dataclasses.replace(original, check=make(original.check)))


# --- verify -----------------------------------------------------------------------------

def test_verify_only_writes_json_with_exactly_those_claims(runner, tmp_path):
    """verify --only A --only B --json PATH exits 0 and the report holds exactly A and B."""
    path = tmp_path / "out" / "report.json"
    result = invoke(runner, "verify", *CHEAP, "--json", str(path))
    assert result.exit_code == 0, result.output
    doc = json.loads(path.read_text())
    assert [c["id"] for c in doc["claims"]] == ["mp_lambda_R", "soft_threshold_is_prox"]
    assert (doc["profile"], doc["device"], doc["seed"]) == ("quick", "cpu", 0)
    assert all(c["verdict"] == "confirmed" and c["agreement"] is True for c in doc["claims"])
    assert "mp_lambda_R" in result.output and "report written" in result.output


def test_verify_seed_option_reaches_report(runner, tmp_path):
    """--seed is recorded in the report."""
    path = tmp_path / "r.json"
    result = invoke(runner, "verify", "--only", "gf_unregularized_loss", "--seed", "7", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text())["seed"] == 7


def test_refuted_claim_exits_0_without_strict(runner):
    """A refuted claim is a finding, not a failure: exit 0 and the correction is printed."""
    plain = invoke(runner, "verify", "--only", "gf_ridge_equation")
    assert plain.exit_code == 0, plain.output
    assert "erratum" in plain.output and "Corrections" in plain.output


def test_refuted_claim_with_strict_exits_1(runner):
    """With --strict a refuted claim (gf_ridge_solution) makes verify exit 1."""
    strict = invoke(runner, "verify", "--only", "gf_ridge_solution", "--strict")
    assert strict.exit_code == 1, strict.output
    assert "erratum" in strict.output


def test_unknown_claim_id_exits_2_naming_it(runner, tmp_path):
    """An unknown --only id is an error (exit 2) that names the id; no report is written."""
    path = tmp_path / "r.json"
    result = invoke(runner, "verify", "--only", "no_such_claim", "--json", str(path))
    assert result.exit_code == 2
    assert "unknown claim id(s) ['no_such_claim']" in flat(result.output)
    assert not path.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_cuda_without_cuda_fails_naming_option(runner):
    """--device cuda without a CUDA device is a usage error naming --device."""
    result = runner.invoke(main, ["verify", "--only", "gf_unregularized_loss", "--device", "cuda"])
    assert result.exit_code == 2
    assert "--device" in result.output
    assert "CUDA" in result.output or "cuda" in result.output


def test_bad_profile_fails(runner):
    """--profile must be quick or full."""
    result = runner.invoke(main, ["verify", "--profile", "bogus"])
    assert result.exit_code == 2
    assert "bogus" in result.output and "--profile" in result.output


def test_agreement_failure_exits_1_and_writes_report_after_all_checks(monkeypatch, runner, tmp_path):
    """A planted disagreement makes verify exit 1; the report is still written, once every check has run."""
    wrong_lambda_R(monkeypatch)
    path = tmp_path / "r.json"
    seen = []

    def spy(check):
        def wrapped(ctx):
            seen.append(path.exists())  # the report must not exist while checks still run
            return check(ctx)
        return wrapped

    replace_check(monkeypatch, "soft_threshold_is_prox", spy)
    result = invoke(runner, "verify", *CHEAP, "--json", str(path))
    assert result.exit_code == 1, result.output
    assert seen == [False]
    doc = json.loads(path.read_text())
    agreement = {c["id"]: c["agreement"] for c in doc["claims"]}
    assert agreement == {"mp_lambda_R": False, "soft_threshold_is_prox": True}
    assert "agreement failures: mp_lambda_R" in flat(result.output)


def test_agreement_failure_exits_1_without_json(monkeypatch, runner):
    """Without --json the exit code is still 1 on a disagreement."""
    wrong_lambda_R(monkeypatch)
    assert invoke(runner, "verify", "--only", "mp_lambda_R").exit_code == 1


def test_crashing_check_writes_no_report(monkeypatch, runner, tmp_path):
    """A check that raises ends verify with exit 2 naming the claim; no report, an old one left untouched."""

    def crash(check):
        def wrapped(ctx):
            raise RuntimeError("planted crash")
        return wrapped

    replace_check(monkeypatch, "soft_threshold_is_prox", crash)
    fresh = tmp_path / "fresh.json"
    result = invoke(runner, "verify", *CHEAP, "--json", str(fresh))
    assert result.exit_code == 2
    assert "claim 'soft_threshold_is_prox' raised RuntimeError: planted crash" in flat(result.output)
    assert not fresh.exists()
    old = tmp_path / "old.json"
    old.write_text("previous report")
    assert invoke(runner, "verify", *CHEAP, "--json", str(old)).exit_code == 2
    assert old.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- derive -----------------------------------------------------------------------------

@pytest.fixture
def fake_render(monkeypatch):
    """A cheap stand-in for gentoys.checks.outputs.docs.render (the real one is tested in test_docs.py)."""
    text = {"value": "# Derivations\n\nfixed text\n"}
    monkeypatch.setattr(gentoys.checks.outputs.docs, "render", lambda: text["value"])
    return text


def test_derive_check_on_differing_file_exits_1(runner, tmp_path, fake_render):
    """derive --check exits 1 when the file differs from a fresh render, and says it is stale."""
    path = tmp_path / "derivations.md"
    path.write_text("# Derivations\n\nsomething older\n")
    result = runner.invoke(main, ["derive", "--check", "--out", str(path)])
    assert result.exit_code == 1
    assert "stale" in result.output
    assert path.read_text() == "# Derivations\n\nsomething older\n"  # --check never writes


def test_derive_check_on_missing_file_exits_1(runner, tmp_path, fake_render):
    """A missing document is stale too."""
    result = runner.invoke(main, ["derive", "--check", "--out", str(tmp_path / "missing.md")])
    assert result.exit_code == 1
    assert not (tmp_path / "missing.md").exists()


def test_derive_then_check_exits_0(runner, tmp_path, fake_render):
    """derive --out writes the render; derive --check on it then exits 0, and 1 once the render changes."""
    path = tmp_path / "docs" / "derivations.md"
    written = runner.invoke(main, ["derive", "--out", str(path)])
    assert written.exit_code == 0, written.output
    assert path.read_text(encoding="utf-8") == fake_render["value"]
    checked = runner.invoke(main, ["derive", "--check", "--out", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "current" in checked.output
    fake_render["value"] += "a new step\n"
    assert runner.invoke(main, ["derive", "--check", "--out", str(path)]).exit_code == 1


def test_help_lists_commands(runner):
    """The group help names verify and derive."""
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "verify" in result.output and "derive" in result.output


def test_errors_check_passes_on_the_committed_table(runner):
    """`gentoys errors --check` compares docs/errors.md with a fresh render (the test command runs it)."""
    result = runner.invoke(main, ["errors", "--check"])
    assert result.exit_code == 0, result.output


def test_verify_runs_on_one_thread_unless_told(runner, monkeypatch):
    """verify's default is one CPU thread (torch and BLAS): on shared cores a second thread waits for a core
    someone else holds (docs/performance.md); --threads still chooses."""
    from gentoys.sim.core import device

    asked = []
    monkeypatch.setattr(device, "set_cpu_threads", asked.append)
    assert invoke(runner, "verify", "--only", "mp_lambda_R").exit_code == 0
    assert invoke(runner, "verify", "--only", "mp_lambda_R", "--threads", "2").exit_code == 0
    assert asked == [1, 2]


def test_commands_set_the_threads_asked_for_once_before_any_work(runner, monkeypatch):
    from gentoys.sim.core import device

    calls, seen = [], []
    monkeypatch.setattr(device.torch, "set_num_threads", calls.append)

    def spy(original):
        return lambda ctx: (seen.append(list(calls)), original(ctx))[1]

    replace_check(monkeypatch, "mp_lambda_R", spy)
    want = torch.get_num_threads() + 1
    result = invoke(runner, "verify", "--only", "mp_lambda_R", "--threads", str(want))
    assert result.exit_code == 0, result.output
    assert seen == [[want]] and calls == [want]  # set before the check ran, never reset afterwards
    assert invoke(runner, "verify", "--only", "mp_lambda_R", "--threads", "0").exit_code == 2
