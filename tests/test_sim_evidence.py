"""The simulation (M) route can fail: a wrong prediction or a wrong measurement is caught."""
import dataclasses

import pytest

from gentoys.checks.evidence import simulated
from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.theory.core.formula import Formula

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-sim", sim_dim=120, sim_sets=12, sim_epochs=200))


def test_correct_theory_and_measurement_never_disagree():
    """Right theory and measurement: no decision is outside (some lack power at these sizes: undecided)."""
    for ev in (simulated.unregularized_plateau(TINY), simulated.ridge_plateau(TINY),
               simulated.momentum_plateaus(TINY)):
        assert ev.agrees is not False, ev.summary
    assert simulated.null_space_untouched(TINY).agrees


def test_wrong_ridge_prediction_is_caught(monkeypatch):
    right = simulated.gf.ridge_plateau
    wrong = Formula("ridge_plateau", 1.3 * right.expr, right.params)
    monkeypatch.setattr(simulated.gf, "ridge_plateau", wrong)
    assert simulated.ridge_plateau(TINY).agrees is False


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_wrong_measurement_is_caught(monkeypatch, factor):
    real_final = simulated.final
    monkeypatch.setattr(simulated, "final", lambda run, m, which="gen": factor * real_final(run, m, which))
    assert simulated.unregularized_plateau(TINY).agrees is False
