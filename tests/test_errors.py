"""Input errors: every case of checks/errors.py raises a message that names the parameter and the
bad value, and docs/errors.md is the fresh render of those messages (like `gentoys derive --check`)."""
from __future__ import annotations

from pathlib import Path

import pytest
from strategies import one_torch_thread  # noqa: F401

from tools import errors

CASES = errors.cases()
DOC = Path(__file__).resolve().parents[1] / errors.DOC_PATH


@pytest.mark.parametrize("case", CASES, ids=[f"{c.call.split('(')[0]}:{c.param}={c.bad}" for c in CASES])
def test_case_raises_naming_parameter_and_value(case):
    text = errors.message(case)
    assert case.param in text, text
    assert case.bad.lower() in text.lower(), text


def test_every_public_module_has_cases():
    calls = " ".join(c.call for c in CASES)
    for name in ("MarchenkoPastur", "lambda_R", "ridge_plateau", "ridge_correction", "tuning.", "soft_threshold",
                 "prox_lasso", "mode_errors", "mp_curves", "expected_curves", "sample_gram", "LinearSetting",
                 "train(", "train_factors", "train_two_pairs", "L1Prox", "resolve_device", "gentoys verify",
                 "gentoys figures", "gentoys bench"):
        assert name in calls, name


def test_docs_errors_md_is_current():
    assert DOC.read_text(encoding="utf-8") == errors.render(), (
        "docs/errors.md is stale: run `gentoys errors` and commit it")


def test_a_case_that_raises_nothing_is_caught():
    quiet = errors.Case("abs(x)", "x", "1", lambda: abs(1.0))
    with pytest.raises(errors.NoError, match="raised nothing"):
        errors.message(quiet)


def test_check_mode_exits_1_on_a_stale_file_and_never_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(errors, "render", lambda: "# Input errors\n\nfresh\n")
    monkeypatch.setattr(errors, "DOC_PATH", tmp_path / "errors.md")
    assert errors.main(["--check"]) == 1  # missing
    (tmp_path / "errors.md").write_text("# Input errors\n\nold\n")
    assert errors.main(["--check"]) == 1
    assert (tmp_path / "errors.md").read_text() == "# Input errors\n\nold\n"
    assert errors.main([]) == 0 and errors.main(["--check"]) == 0
