"""theory.momentum_speedup: GD over heavy-ball steps to a fraction of the excess l_gen, against two other routes."""
import math

import numpy as np
import pytest

import gentoys.checks.evidence.numerics as numerics
from gentoys.checks.claims import tuning as tuning_claims
from gentoys.sim import sample_gram
from gentoys.theory import mp_limits as mpl
from gentoys.theory import momentum_factor_ratio, momentum_step_speedup, momentum_step_speedup_limit, momentum_steps
from gentoys.theory.iterates import mode_errors
from gentoys.theory.momentum_speedup import excess_fraction

Q = 0.7


@pytest.mark.parametrize("qv", [0.2, 0.7, 0.95])
@pytest.mark.parametrize("steps", [0, 1, 7, 40, 250])
def test_closed_forms_match_quadrature(qv, steps):
    """Route 1: scipy quadrature of the MP density with the iterated recursion, no change of variable."""
    gd = numerics.mp_excess_fraction(qv, steps, mpl.eta_gd(qv), 0.0)
    hb = numerics.mp_excess_fraction(qv, steps, mpl.eta_momentum(qv), mpl.beta_momentum(qv))
    assert excess_fraction(qv, steps, "gd") == pytest.approx(gd, rel=1e-9)
    if hb > 1e-250:
        assert excess_fraction(qv, steps, "momentum") == pytest.approx(hb, rel=1e-9, abs=1e-300)


def test_step_counts_match_sampled_spectra():
    """Route 2: eigenvalues of sampled Sigma_tr at D = 2000 with the MP tuning; the expected excess
    <e_t(x_i)^2> over each set's non-zero eigenvalues gives the same step counts up to a step or two."""
    gram = sample_gram(3, 2000, 1400, seed=11)
    ev = gram.nonzero_eigenvalues.cpu().numpy()
    for eps in (1e-3, 1e-6):
        n_gd, n_hb = momentum_steps(Q, eps)
        for spectrum in ev:
            gd = (mode_errors(spectrum, mpl.eta_gd(Q), 0.0, 2 * n_gd) ** 2).mean(1)
            hb = (mode_errors(spectrum, mpl.eta_momentum(Q), mpl.beta_momentum(Q), 2 * n_hb) ** 2).mean(1)
            assert abs(int(np.argmax(gd <= eps)) - n_gd) <= max(2, 0.02 * n_gd)
            assert abs(int(np.argmax(hb <= eps)) - n_hb) <= 1


def test_values_at_seed_ratio():
    """q = 0.7: GD needs more steps (ratio > 1), growing toward log sqrt(q) / log R_0 from below."""
    values = momentum_step_speedup(Q, [1e-3, 1e-6, 1e-12, 1e-100])
    assert np.all(np.diff(values) > 0) and np.all(values > 1)
    limit = momentum_step_speedup_limit(Q)
    assert limit == pytest.approx(math.log(mpl.rate_momentum(Q)) / math.log(mpl.rate_gd(Q)), rel=1e-12)
    assert values[-1] < limit and values[-1] > 0.9 * limit
    assert momentum_steps(Q, 1e-3)[1] == math.ceil(math.log(1e-3) / math.log(Q))


def test_factor_ratio_is_sqrt_q_over_R0():
    qs = np.linspace(0.05, 0.95, 7)
    assert np.allclose(momentum_factor_ratio(qs), mpl.rate_momentum(qs) / mpl.rate_gd(qs), rtol=1e-13)


def test_steps_are_minimal():
    for qv, eps in ((0.3, 1e-4), (0.7, 1e-6), (0.9, 1e-2)):
        n_gd, n_hb = momentum_steps(qv, eps)
        assert excess_fraction(qv, n_gd, "gd") <= eps < excess_fraction(qv, n_gd - 1, "gd")
        assert excess_fraction(qv, n_hb, "momentum") <= eps < excess_fraction(qv, n_hb - 1, "momentum")


def _wrong_recursion(x, eta, beta, steps):
    """Heavy ball with the velocity started at the first gradient (e_1 = 1 - (1 + beta) eta x)."""
    prev, cur = 1, 1 - (1 + beta) * eta * x
    for _ in range(max(steps - 1, 0)):
        prev, cur = cur, (1 + beta - eta * x) * cur - beta * prev
    return cur if steps else prev


def test_wrong_recursion_fails_the_comparison(monkeypatch):
    """The claim's cross-check of the step counts notices a heavy-ball recursion started differently."""
    assert tuning_claims._step_counts_vs_quadrature(Q, (1e-3, 1e-6)).agrees
    monkeypatch.setattr(numerics, "heavy_ball_residual", _wrong_recursion)
    monkeypatch.setattr(tuning_claims, "mp_excess_fraction", numerics.mp_excess_fraction)
    assert not tuning_claims._step_counts_vs_quadrature(Q, (1e-3, 1e-6)).agrees


def test_wrong_closed_form_fails_the_comparison(monkeypatch):
    """A GD step count one short (a planted error in the theory) fails the same cross-check."""
    real = tuning_claims.momentum_steps
    monkeypatch.setattr(tuning_claims, "momentum_steps", lambda qv, eps: (real(qv, eps)[0] - 1, real(qv, eps)[1]))
    assert not tuning_claims._step_counts_vs_quadrature(Q, (1e-3,)).agrees


@pytest.mark.parametrize("args, name", [((1.5, 1e-3), "q"), ((0.0, 1e-3), "q"), ((0.7, 0.0), "eps"),
                                         ((0.7, 1.0), "eps"), ((0.7, float("nan")), "eps")])
def test_bad_input_names_the_parameter(args, name):
    with pytest.raises(ValueError, match=name):
        momentum_step_speedup(*args)


def test_bad_steps_and_method():
    with pytest.raises(ValueError, match="steps"):
        excess_fraction(0.7, -1, "gd")
    with pytest.raises(ValueError, match="steps"):
        excess_fraction(0.7, 1.5, "gd")
    with pytest.raises(ValueError, match="method"):
        excess_fraction(0.7, 3, "adam")
