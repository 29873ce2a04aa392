"""Group F checks decide from the measurements and the theory: planted errors flip them, a noisy count is
inconclusive (with the data sets that would decide), and each key states the sizes run."""
import dataclasses

import numpy as np
import pytest
import torch
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

from gentoys.checks.claims import load_all
from gentoys.checks.claims import networks as F
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.checks.framework.text import readable
from gentoys.sim.networks import HiddenUnits

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-networks", net_sets=4, net_scale=0.1,
                                   net_epochs=0.3))
IDS = ("two_layer_lasso_columns", "two_layer_matches_linear", "relu_lasso_sparsity", "relu_lasso_generalization")


def run(claim_id):
    return load_all()[claim_id].check(TINY)


def _swap(units: HiddenUnits, a: int, b: int) -> HiddenUnits:
    order = list(range(units.alive.shape[0]))
    order[a], order[b] = b, a
    return HiddenUnits(*(getattr(units, f.name)[order] for f in dataclasses.fields(HiddenUnits)))


def _plant_lasso_units(monkeypatch, model: str, field: str, values):
    """Plant one per-set statistic of the lasso's hidden units (``field`` of HiddenUnits) in ``model``'s run."""
    real = F.hidden_units
    lasso = F.network_run(TINY, model).method("lasso")

    def planted(r):
        units = real(r)
        if r.setting.model != model:
            return units
        column = getattr(units, field).clone()
        column[lasso] = torch.as_tensor(values, dtype=column.dtype)
        return dataclasses.replace(units, **{field: column})

    monkeypatch.setattr(F, "hidden_units", planted)


def _with_lasso_alive(monkeypatch, counts):
    """Plant the lasso's per-set live-column counts of the two-layer run."""
    _plant_lasso_units(monkeypatch, "two_layer", "alive", counts)


@pytest.mark.parametrize("claim_id", IDS)
def test_keys_state_the_sizes_run_and_their_targets(claim_id):
    out = run(claim_id)
    run_ = F.network_run(TINY, "two_layer" if claim_id.startswith("two") else "relu")
    s = run_.setting
    assert f"D={s.dim}" in out.key and f"{s.n_sets} data sets" in out.key and f"{s.epochs} epochs" in out.key
    assert "target" in out.key
    assert all(readable(t) for t in (out.key, out.correction, out.why, *(r.note for r in out.readings)))


def test_two_layer_theory_agrees_with_the_simulation():
    out = run("two_layer_matches_linear")
    assert out.agreement is not False, [e.numbers for e in out.evidence]


def test_a_wrong_ridge_minimum_is_caught(monkeypatch):
    real = F.group_ridge_solution
    monkeypatch.setattr(F, "group_ridge_solution", lambda h, t, lam: real(h, t, 1.3 * lam))
    assert run("two_layer_matches_linear").agreement is False


def test_unequal_generalization_is_refuted(monkeypatch):
    """lasso's loss doubled: far outside 'about equally' and 'negligibly', at any spread of 4 small sets."""
    real = F.final
    monkeypatch.setattr(F, "final", lambda r, m, which="val": real(r, m, which) * (2.0 if m == "lasso" else 1.0))
    assert run("two_layer_matches_linear").verdict == "refuted"
    assert run("relu_lasso_generalization").verdict == "refuted"


def test_a_much_better_lasso_is_an_erratum_not_a_confirmation(monkeypatch):
    """lasso at half ridge's loss: 'negligibly' is wrong, the conclusion (lasso generalizes better) stands."""
    real = F.final
    monkeypatch.setattr(F, "final", lambda r, m, which="val": real(r, m, which) * (0.5 if m == "lasso" else 1.0))
    out = run("relu_lasso_generalization")
    assert out.verdict == "erratum" and "below ridge" in out.correction


@pytest.mark.parametrize("claim_id, model", [("two_layer_lasso_columns", "two_layer"),
                                             ("relu_lasso_sparsity", "relu")])
def test_swapping_lasso_and_ridge_weights_refutes_the_sparsity_claims(monkeypatch, claim_id, model):
    real = F.hidden_units
    lasso, ridge = (F.network_run(TINY, model).method(m) for m in ("lasso", "ridge"))
    monkeypatch.setattr(F, "hidden_units", lambda r: _swap(real(r), lasso, ridge))
    out = run(claim_id)
    assert out.verdict == "refuted"
    assert any(r.verdict == "refuted" for r in out.readings)


def test_three_columns_on_every_set_is_confirmed(monkeypatch):
    _with_lasso_alive(monkeypatch, [3, 3, 3, 3])
    out = run("two_layer_lasso_columns")
    assert out.verdict == "confirmed", out.key


def test_a_noisy_column_count_is_inconclusive_and_says_what_would_decide(monkeypatch):
    """Mean 5.5 with a huge spread: neither near three nor decidedly away from it (the quick profile's
    5.67 +- 1.3 was once 'confirmed' from exactly this kind of noise)."""
    _with_lasso_alive(monkeypatch, [2, 9, 3, 8])
    out = run("two_layer_lasso_columns")
    assert out.verdict == "inconclusive", out.key
    assert "data sets would decide" in out.why


def test_a_steady_count_of_seven_is_an_erratum(monkeypatch):
    """Seven columns on every set: not three, but still a few against ridge's full width."""
    _with_lasso_alive(monkeypatch, [7, 7, 7, 7])
    out = run("two_layer_lasso_columns")
    assert out.verdict == "erratum" and "not about 3" in out.correction


def test_a_wrong_zero_fraction_is_refuted(monkeypatch):
    """A lasso that zeroes a quarter of M, steadily: far from 'about 89 %'."""
    n_sets = F.network_run(TINY, "relu").setting.n_sets
    _plant_lasso_units(monkeypatch, "relu", "zero_fraction", 0.25 + 0.001 * np.arange(n_sets))
    out = run("relu_lasso_sparsity")
    assert out.verdict == "refuted"
    assert next(r for r in out.readings if r.name.startswith("about")).verdict == "refuted"


def test_sparsity_numbers_are_measured():
    units = F.hidden_units(F.network_run(TINY, "relu"))
    lasso = F.network_run(TINY, "relu").method("lasso")
    zeros = float(units.zero_fraction[lasso].mean())
    out = run("relu_lasso_sparsity")
    assert f"{zeros:.1%}" in out.key
    assert np.isfinite(zeros) and 0 < zeros < 1
