"""Group D checks decide from the measurements: swapping what was measured flips the verdict."""
import dataclasses

from gentoys.checks.claims import load_all, sparse
from gentoys.checks.framework.profile import PROFILES, Context

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-sparse", sim_dim=120, sparse_sets=6,
                                   sparse_epochs=200))


def run(claim_id):
    return load_all()[claim_id].check(TINY)


def test_measured_verdicts():
    assert run("lasso_wins_sparse").verdict == "confirmed"
    assert run("ridge_wins_random").verdict == "confirmed"
    assert run("direction_invariance").agreement


def test_swapped_measurements_flip_the_verdicts(monkeypatch):
    real = sparse.final
    swap = {"lasso": "ridge", "ridge": "lasso"}
    monkeypatch.setattr(sparse, "final", lambda r, m, which="gen": real(r, swap.get(m, m), which))
    assert run("lasso_wins_sparse").verdict == "refuted"
    assert run("ridge_wins_random").verdict == "refuted"


def test_a_teacher_dependent_plateau_is_caught(monkeypatch):
    real = sparse.final
    monkeypatch.setattr(sparse, "final", lambda r, m, which="gen": real(r, m, which) * (1.2 if r.setting.teacher == "sparse" else 1.0))
    assert not run("direction_invariance").agreement
