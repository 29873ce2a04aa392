"""The paired plateau comparisons allow for the excess a run still has at its last epoch, and no more."""
import numpy as np

from gentoys.checks.evidence.simulated import _excess_allowance
from gentoys.checks.framework.compare import within_tolerance
from gentoys.checks.framework.decisions import ROUNDING


def test_a_converged_run_is_held_to_rounding():
    assert _excess_allowance(np.zeros(5)) == ROUNDING
    assert _excess_allowance(np.full(5, 1e-17), np.full(5, -1e-17)) == ROUNDING


def test_the_allowance_is_the_mean_excess_left():
    excess = np.array([1e-3, -3e-3, 2e-3])
    assert _excess_allowance(excess) == np.abs(excess).mean()
    assert _excess_allowance(excess, excess) == 2 * np.abs(excess).mean()


def test_a_plateau_off_by_more_than_the_excess_left_is_outside():
    rng = np.random.default_rng(0)
    excess = np.full(100, 8e-4)  # the full profile's ridge excess is of this size
    noise = rng.normal(0.0, 6e-4, 100)  # and its per-set spread
    assert within_tolerance(noise, 0.0, _excess_allowance(excess)).decision == "inside"
    wrong = noise + 0.01 * 0.15  # Eq. 2's plateau (about 0.15) off by 1 %
    assert within_tolerance(wrong, 0.0, _excess_allowance(excess)).decision == "outside"
