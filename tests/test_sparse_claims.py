"""Group D checks decide from the measurements: swapping what was measured flips the verdict, a noisier
measurement cannot pass more easily, and the key states the sizes run."""
import dataclasses

import numpy as np
import pytest

from gentoys.checks.claims import load_all, sparse
from gentoys.checks.framework.decisions import all_decided, beats
from gentoys.checks.framework.compare import within_tolerance
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.checks.framework.text import readable

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-sparse", sim_dim=120, sparse_sets=6,
                                   sparse_epochs=200))


def run(claim_id):
    return load_all()[claim_id].check(TINY)


def test_measured_verdicts():
    for cid in ("lasso_wins_sparse", "ridge_wins_random", "direction_invariance"):
        out = run(cid)
        if cid != "direction_invariance":  # its 5 % tolerance needs more than 6 sets at D = 120 to decide
            assert out.verdict == "confirmed", (cid, out.key, out.why, out.correction)
        assert "D=120" in out.key and "6 data sets" in out.key and "200 epochs" in out.key, out.key
        assert "target" in out.key, out.key
        assert all(readable(t) for t in (out.key, out.correction, out.why, *(r.note for r in out.readings)))


def test_an_invariant_plateau_is_confirmed(monkeypatch):
    """Planted: the sparse teacher's losses are the random teacher's plus exactly the shift the invariance
    predicts (and a little noise): confirmed, and the cross-checks agree."""
    real = sparse.final
    runs = sparse._runs(TINY, sparse.seed.lasso_lambdas[0])
    r, s = runs["random"], runs["sparse"]
    frac = 1 - r.setting.n_samples / r.setting.dim
    shift = {"gd": 0.5 * frac * float(((r.init - s.teacher) ** 2).sum() - ((r.init - r.teacher) ** 2).sum()),
             "ridge": 0.0}
    noise = 1e-4 * np.random.default_rng(1).normal(size=6)

    def planted(run_, m, which="gen"):
        if run_.setting.teacher == "sparse" and m in shift:
            return real(runs["random"], m, which) + shift[m] + noise
        return real(run_, m, which)

    monkeypatch.setattr(sparse, "final", planted)
    out = run("direction_invariance")
    assert out.verdict == "confirmed" and out.agreement, out.key


def test_swapped_measurements_flip_the_verdicts(monkeypatch):
    real = sparse.final
    swap = {"lasso": "ridge", "ridge": "lasso"}
    monkeypatch.setattr(sparse, "final", lambda r, m, which="gen": real(r, swap.get(m, m), which))
    for cid in ("lasso_wins_sparse", "ridge_wins_random"):
        out = run(cid)
        assert out.verdict == "refuted", (cid, out.key)
        assert readable(out.correction) and "90 % interval" in out.correction


def test_a_small_win_is_not_a_much_better_one(monkeypatch):
    """lasso only 10 % below ridge and GD on every set: better, not 'much' better (the margin is 25 %)."""
    real = sparse.final

    def planted(r, m, which="gen"):
        if m == "lasso":
            return 0.9 * real(r, "ridge", which)
        if m == "gd":
            return real(r, "ridge", which)
        return real(r, m, which)

    monkeypatch.setattr(sparse, "final", planted)
    assert run("lasso_wins_sparse").verdict == "refuted"


def test_a_teacher_dependent_plateau_is_caught(monkeypatch):
    real = sparse.final
    monkeypatch.setattr(sparse, "final",
                        lambda r, m, which="gen": real(r, m, which) * (1.2 if r.setting.teacher == "sparse" else 1.0))
    out = run("direction_invariance")
    assert not out.agreement
    assert out.verdict == "refuted"


def test_a_noisy_teacher_difference_is_inconclusive(monkeypatch):
    """Paired differences drowned in noise: the invariance can be neither confirmed nor refuted."""
    real = sparse.final
    noise = np.random.default_rng(3).normal(scale=1.0, size=6)
    monkeypatch.setattr(sparse, "final", lambda r, m, which="gen": real(r, m, which)
                        + (noise if r.setting.teacher == "sparse" else 0.0))
    out = run("direction_invariance")
    assert out.verdict == "inconclusive"
    assert "data sets would decide" in out.why


# --- the decisions the claims share -----------------------------------------------------------

def test_beats_needs_the_whole_interval_past_the_margin():
    rng = np.random.default_rng(0)
    clear = -0.5 + 0.01 * rng.normal(size=10)
    assert beats(clear, 0.25).below
    assert beats(clear + 0.4, 0.25).above  # -0.1: better, but not by a quarter
    noisy = -0.5 + np.array([3.0, -3.0, 2.0, -2.0, 1.0, -1.0, 0.5, -0.5, 0.0, 0.0])  # same centre, far noisier
    c = beats(noisy, 0.25)
    assert not c.below and not c.above and c.n_to_decide > 10


@pytest.mark.parametrize("margin", [-0.1, float("nan")])
def test_beats_refuses_a_bad_margin(margin):
    with pytest.raises(ValueError, match="margin"):
        beats([0.0, 1.0], margin)


def test_all_decided_combines():
    inside = within_tolerance([0.0, 0.01, -0.01, 0.0], 0.0, 0.5)
    outside = within_tolerance([3.0, 3.01, 2.99, 3.0], 0.0, 0.5)
    undecided = within_tolerance([0.0, 1.0, -1.0, 0.5], 0.0, 0.5)
    assert all_decided([inside, inside]) == "inside"
    assert all_decided([inside, undecided]) == "undecided"
    assert all_decided([undecided, outside]) == "outside"
    win, loss = beats([-1.0, -1.01, -0.99], 0.25), beats([1.0, 1.01, 0.99], 0.25)
    assert all_decided([win, win], inside="below", outside="above") == "below"
    assert all_decided([win, loss], inside="below", outside="above") == "above"
    with pytest.raises(ValueError, match="cmps"):
        all_decided([])
