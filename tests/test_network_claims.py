"""Group F checks decide from the measurements and the theory: planted errors flip them."""
import dataclasses

import numpy as np
import pytest
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

from gentoys.checks.claims import load_all
from gentoys.checks.claims import networks as F
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.sim.networks import HiddenUnits

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-networks", net_sets=4, net_scale=0.1,
                                   net_epochs=0.3))


def run(claim_id):
    return load_all()[claim_id].check(TINY)


def _swap(units: HiddenUnits, a: int, b: int) -> HiddenUnits:
    order = list(range(units.alive.shape[0]))
    order[a], order[b] = b, a
    return HiddenUnits(*(getattr(units, f.name)[order] for f in dataclasses.fields(HiddenUnits)))


def test_two_layer_theory_agrees_with_the_simulation():
    out = run("two_layer_matches_linear")
    assert out.agreement, [e.numbers for e in out.evidence]


def test_a_wrong_ridge_minimum_is_caught(monkeypatch):
    real = F.group_ridge_solution
    monkeypatch.setattr(F, "group_ridge_solution", lambda h, t, lam: real(h, t, 1.3 * lam))
    assert not run("two_layer_matches_linear").agreement


def test_unequal_generalization_is_refuted(monkeypatch):
    real = F.final
    monkeypatch.setattr(F, "final", lambda r, m, which="val": real(r, m, which) * (1.3 if m == "lasso" else 1.0))
    assert run("two_layer_matches_linear").verdict == "refuted"
    assert run("relu_lasso_generalization").verdict == "refuted"


@pytest.mark.parametrize("claim_id, model", [("two_layer_lasso_columns", "two_layer"),
                                             ("relu_lasso_sparsity", "relu")])
def test_swapping_lasso_and_ridge_weights_refutes_the_sparsity_claims(monkeypatch, claim_id, model):
    real = F.hidden_units
    lasso, ridge = (F.network_run(TINY, model).method(m) for m in ("lasso", "ridge"))
    monkeypatch.setattr(F, "hidden_units", lambda r: _swap(real(r), lasso, ridge))
    out = run(claim_id)
    assert out.verdict == "refuted"
    assert any(r.verdict == "refuted" for r in out.readings)


def test_sparsity_numbers_are_measured():
    units = F.hidden_units(F.network_run(TINY, "relu"))
    lasso = F.network_run(TINY, "relu").method("lasso")
    zeros = float(units.zero_fraction[lasso].mean())
    out = run("relu_lasso_sparsity")
    assert f"{zeros:.1%}" in out.key
    assert np.isfinite(zeros) and 0 < zeros < 1
