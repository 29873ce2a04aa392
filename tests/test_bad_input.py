"""Bad input gets a ValueError / TypeError that names the parameter, never a silent wrong number or a raw
error from deep inside numpy, scipy or torch; and the edge cases of the laws and solvers give right answers.

One test per reported case; the robustness harness (tests/test_robustness.py) fuzzes the same API.
"""
from __future__ import annotations

import inspect
import math
import pydoc

import numpy as np
import pytest
import torch
from scipy import integrate
from strategies import one_torch_thread  # noqa: F401

from gentoys import theory
from gentoys.sim.amp import amp_lasso
from gentoys.sim.linear import LinearSetting, train
from gentoys.sim.networks import TWO_LAYER
from gentoys.sim.prox import L1Prox, prox_lasso
from gentoys.sim.spectra import sample_gram

TINY = LinearSetting(dim=10, q=0.5, epochs=2, n_sets=2, methods=("gd",), dtype=torch.float64)


# -- complex input is refused, never cut to its real part ------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: theory.lambda_R(np.complex128(0.5 + 0.1j)), "q"),
    (lambda: theory.lambda_R(np.array([0.5 + 0j])), "q"),
    (lambda: theory.ridge_plateau(0.5, np.complex64(1 + 1j)), "lam"),
    (lambda: theory.MarchenkoPastur(0.5).cdf(np.array([1 + 1j])), "x"),
    (lambda: theory.soft_threshold(np.array([1 + 2j]), 0.5), "x"),
    (lambda: amp_lasso(np.eye(3, dtype=complex), np.ones(3), np.ones(3), 1.0), "A"),
    (lambda: sample_gram(2, 5, 3).null_projection_norm2(torch.ones(5, dtype=torch.complex64)), "v"),
    (lambda: train(TINY, problem=(torch.ones(10, dtype=torch.complex128), torch.ones(10, dtype=torch.complex128),
                                  torch.ones(2, 10, 5, dtype=torch.complex128))), "problem.teacher"),
    (lambda: prox_lasso(torch.ones(3, dtype=torch.complex64), 0.1), "x"),
    (lambda: L1Prox(torch.optim.SGD([torch.ones(2, dtype=torch.complex64, requires_grad=True)], lr=0.1), 0.1),
     "params"),
])
def test_complex_input_is_a_type_error_naming_the_parameter(call, name):
    with pytest.raises(TypeError, match=rf"^{name}\b"):
        call()


def test_sample_gram_refuses_a_complex_dtype():
    with pytest.raises(ValueError, match=r"^dtype=torch.complex64 is outside its domain"):
        sample_gram(2, 5, 3, dtype=torch.complex64)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_settings_are_refused_before_training(dtype):
    with pytest.raises(ValueError, match=r"^dtype=torch\.b?float16 is outside its domain"):
        LinearSetting(dtype=dtype)
    with pytest.raises(ValueError, match=r"^dtype="):
        TWO_LAYER.with_(dtype=dtype)


# -- numeric strings and bools ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: theory.lambda_R("0.5"), "q"),
    (lambda: theory.MarchenkoPastur("0.7"), "q"),
    (lambda: theory.MarchenkoPastur(0.7).ppf("0.5"), "p"),
    (lambda: theory.ridge_plateau(0.5, True), "lam"),
    (lambda: theory.lasso_risk("0.7", 0.4, 5e-3, 1000), "q"),
    (lambda: theory.MarchenkoPastur(0.7).stieltjes("a"), "z"),
    (lambda: prox_lasso(torch.ones(2), "0.5"), "l1reg"),
])
def test_strings_and_bools_are_a_type_error_naming_the_parameter(call, name):
    with pytest.raises(TypeError, match=rf"^{name}\b"):
        call()


# -- seeds --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [lambda: sample_gram(2, 5, 3, seed=2**64), lambda: LinearSetting(seed=2**64),
                                  lambda: sample_gram(2, 5, 3, seed=2**63), lambda: TWO_LAYER.with_(seed=2**64)])
def test_a_seed_beyond_63_bits_is_refused_by_name(call):
    with pytest.raises(ValueError, match=r"^seed=\d+ is outside its domain: integers 0\.\.9223372036854775807"):
        call()


def test_the_largest_seed_is_accepted():
    assert sample_gram(1, 4, 2, seed=2**63 - 1).X.shape == (1, 4, 2)


# -- prox_lasso and L1Prox -------------------------------------------------------------------------------------

def test_prox_lasso_threshold_beyond_the_dtype_range_zeroes_every_finite_entry():
    x = torch.tensor([-3.0, 0.5, 65504.0, math.inf], dtype=torch.float16)
    got = prox_lasso(x, 1e5)
    assert got.dtype == torch.float16
    assert got.tolist() == [0.0, 0.0, 0.0, math.inf]


def _sgd(**options):
    w = torch.nn.Parameter(torch.ones(3))
    return w, torch.optim.SGD([w], lr=0.1, **options)


@pytest.mark.parametrize("momentum", [1.0, 1.5])
def test_l1prox_refuses_momentum_at_or_above_one(momentum):
    _, opt = _sgd(momentum=momentum)
    with pytest.raises(ValueError, match=rf"^momentum={momentum:g} is outside its domain \[0, 1\)"):
        L1Prox(opt, 0.1, "momentum")


def test_l1prox_rechecks_a_group_changed_after_construction():
    w, opt = _sgd()
    l1 = L1Prox(opt, 0.1)
    l1.param_groups[0]["l1reg"] = -5
    w.grad = torch.zeros(3)
    with pytest.raises(ValueError, match=r"^l1reg=-5 is outside"):
        l1.step()
    assert torch.equal(w.detach(), torch.ones(3))  # refused before the inner step moved anything


def test_l1prox_leaves_a_parameter_without_grad_alone():
    w, opt = _sgd()
    other = torch.nn.Parameter(torch.ones(2))
    opt.add_param_group({"params": [other]})
    l1 = L1Prox(opt, 0.1)
    w.grad, other.grad = torch.zeros(3), torch.zeros(2)
    l1.step()
    before = other.detach().clone()
    other.grad = None  # the inner optimizer skips it now ...
    w.grad = torch.zeros(3)
    l1.step()
    assert torch.equal(other.detach(), before)  # ... and so does the prox


# -- MarchenkoPastur near q = 1, expect at the atom ------------------------------------------------------------

@pytest.mark.parametrize("q", [1 - 1e-14, 1 - 1e-15, 1 - 2**-53, 1 - 1e-12])
def test_marchenko_pastur_near_one_has_a_non_negative_edge_and_a_working_cdf(q):
    law = theory.MarchenkoPastur(q)
    lower, upper = law.support()
    assert 0.0 <= lower < 1e-20 and upper == pytest.approx(4.0)
    xs = np.array([0.5, 1.0, 2.0, 3.5])
    cdf = law.cdf(xs)
    assert np.isfinite(cdf).all()
    for x, c in zip(xs, cdf):  # against the integral of the density
        assert c == pytest.approx(law.atom + integrate.quad(law.pdf, lower, x, limit=200)[0], abs=1e-8)
    ps = np.array([0.1, 0.5, 0.9])
    assert np.all(np.diff(law.ppf(ps)) > 0)
    np.testing.assert_allclose(law.cdf(law.ppf(ps)), ps, atol=1e-9)
    draws = law.rvs(200, random_state=1)
    assert (draws >= 0).all() and len(np.unique(draws)) > 150


def test_expect_names_func_where_it_has_no_value_at_the_atom():
    law = theory.MarchenkoPastur(0.7)
    with pytest.raises(ValueError, match=r"^func .* x=0"):
        law.expect(lambda v: 1 / v)
    assert law.expect(lambda v: 1 / v, lb=1e-300) == pytest.approx(law.expect(lambda v: 1 / v, lb=law.lower / 2))


# -- solvers at the ends of their domains ----------------------------------------------------------------------

def test_ridge_correction_crossing_for_tiny_levels_and_lists():
    from gentoys.theory.ridge import correction_at_lambda_R

    q = theory.ridge_correction_crossing(1e-20)
    assert correction_at_lambda_R(q) == pytest.approx(1e-20, rel=1e-12)
    for listed in ([0.01], [0.01, 0.02]):
        with pytest.raises(TypeError, match=r"^level must be a single number"):
            theory.ridge_correction_crossing(listed)


def test_lasso_risk_at_a_huge_penalty_is_the_zero_solution():
    """lam = 1e154 is in lam's domain: the lasso solution is zero to float precision, l_gen = ||T||^2 / 2."""
    risk = theory.lasso_risk(q=0.7, sparsity=0.4, lam=1e154, dim=1000)
    assert risk.gen_loss == 0.5 and risk.support_fraction == 0.0 and math.isfinite(risk.alpha)
    # the shortcut agrees with the solver where both run
    from gentoys.theory import lasso

    solved = lasso._solve_alpha(10 * math.sqrt(1000), 0.7, 0.4, 0.0)
    assert lasso._saturated(10 * math.sqrt(1000), 0.7, 0.4, 0.0).alpha == pytest.approx(solved, rel=1e-12)
    with pytest.raises(ValueError, match=r"^lam=1e\+308 with dim=1000"):
        theory.lasso_risk(q=0.7, sparsity=0.4, lam=1e308, dim=1000)


# -- a formula looks like a function -----------------------------------------------------------------------------

def test_formulas_have_their_own_signature_and_docstring():
    assert str(inspect.signature(theory.lambda_R)).startswith("(q")
    assert list(inspect.signature(theory.ridge_plateau).parameters) == ["q", "lam"]
    text = pydoc.render_doc(theory.ridge_plateau)
    assert "ridge_plateau(q, lam)" in text and "(0, 1)" in text and "(0, inf)" in text
    assert "Formula(name=" not in text and "dataclass" not in text
    assert theory.ridge_plateau(q=0.5, lam=0.1) == theory.ridge_plateau(0.5, 0.1)
    with pytest.raises(TypeError, match=r"ridge_plateau\(q, lam\) takes 2 arguments"):
        theory.ridge_plateau(0.5, mu=0.1)
