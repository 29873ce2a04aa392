"""The batched network trainer: same numbers as autograd + torch.optim, exact invariants, clear errors."""
import math

import numpy as np
import pytest
import torch
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

from gentoys.sim.baseline import train_network_baseline
from gentoys.sim.linear import DivergedError
from gentoys.sim.networks import RELU, TWO_LAYER, Method, NetworkSetting, draw_problem, hidden_units, train
from gentoys.theory.prox import soft_threshold

SMALL = {
    "two_layer": TWO_LAYER.with_(dim=24, hidden=36, n_train=12, epochs=60, n_sets=3, record_every=1,
                                 dtype=torch.float64),
    "relu": RELU.with_(dim=20, hidden=16, n_train=12, n_val=10, n_test=50, teacher_hidden=3, epochs=60, n_sets=3,
                       record_every=1, dtype=torch.float64),
}


@pytest.mark.parametrize("model", SMALL)
def test_batched_training_matches_autograd_and_torch_optim(model):
    """Hand-written gradients, fused updates, prox and shrink give torch.optim.SGD's curves set by set."""
    s = SMALL[model]
    problem = draw_problem(s)
    run = train(s, problem)
    for i in range(s.n_sets):
        tr, va = train_network_baseline(s, problem, i)
        np.testing.assert_allclose(run.train_loss[:, i].numpy(), tr.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(run.val_loss[:, i].numpy(), va.numpy(), rtol=1e-10)


@pytest.mark.parametrize("model", SMALL)
def test_chunks_do_not_change_the_result(model):
    s = SMALL[model]
    a = train(s.with_(chunk_sets=1))
    b = train(s.with_(chunk_sets=3))
    torch.testing.assert_close(a.M, b.M, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model", SMALL)
def test_same_seed_same_bits_other_seed_other_bits(model):
    s = SMALL[model].with_(dtype=torch.float32)
    a, b, c = train(s), train(s), train(s.with_(seed=1))
    assert torch.equal(a.M, b.M) and torch.equal(a.val_loss, b.val_loss)
    assert not torch.equal(a.M, c.M)


def test_softshrink_step_is_the_derived_soft_threshold():
    """The fused L1 step equals theory's soft threshold followed by the shrink."""
    torch.manual_seed(0)
    w = torch.randn(4, 5, 6, dtype=torch.float64)
    m = Method("lasso", lr=0.3, l1=0.7, shrink=0.2)
    from gentoys.sim.networks import _sgd_step

    got = w.clone()
    _sgd_step(got, torch.zeros_like(w), m)
    want = soft_threshold.torch(w, m.lr * m.l1) / (1 + m.lr * m.shrink)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-15)
    assert (got == 0).sum() == (w.abs() <= m.lr * m.l1).sum()


def test_divergence_names_method_step_size_and_epoch():
    s = SMALL["two_layer"].with_(methods=(Method("none", 0.05), Method("wild", 80.0)), epochs=200)
    with pytest.raises(DivergedError, match=r"'wild'.*epoch \d+.*step size 80"):
        train(s)


@pytest.mark.parametrize("change, name", [
    (dict(model="cnn"), "model"), (dict(dim=0), "dim"), (dict(epochs=-1), "epochs"), (dict(n_sets=1.5), "n_sets"),
    (dict(methods=()), "methods"),
])
def test_bad_settings_name_the_parameter(change, name):
    with pytest.raises(ValueError, match=name):
        SMALL["relu"].with_(**change)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0), "lr"), (dict(lr=math.nan), "lr"), (dict(lr=0.1, momentum=1.0), "momentum"),
    (dict(lr=0.1, weight_decay=-1.0), "weight_decay"), (dict(lr=0.1, l1=-1e-3), "l1"),
])
def test_bad_methods_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Method("m", **kwargs)


def test_unregularized_two_layer_never_moves_the_flat_part_of_M():
    """theory.two_layer: P0 M_t = P0 M0 for GD with momentum, while weight decay shrinks it."""
    s = SMALL["two_layer"].with_(epochs=300)
    run = train(s)
    for i in range(s.n_sets):
        X = run.problem.X[i].numpy()
        ev, U = np.linalg.eigh(X.T @ X)
        P0 = U[:, ev < 1e-10 * ev.max()]
        M0 = run.problem.M0[i].numpy()
        for name, moved in (("none", False), ("ridge", True)):
            drift = np.abs(P0.T @ (run.M[run.method(name), i].numpy() - M0)).max()
            assert (drift > 1e-3) == moved, (name, drift)


def test_hidden_units_counts_alive_units_and_participation():
    s = NetworkSetting("two_layer", dim=3, hidden=4, n_train=2, epochs=0, n_sets=2,
                       methods=(Method("a", 0.1),), dtype=torch.float64)
    run = train(s)
    run.M.zero_(), run.V.zero_()
    run.M[0, 0, :, :2] = 1.0
    run.V[0, 0, :2] = 2.0
    run.V[0, 0, 3] = 1.0  # outgoing weight without incoming column: not alive
    run.M[0, 1] = torch.eye(3, 4, dtype=torch.float64)
    run.V[0, 1] = 1.0
    units = hidden_units(run)
    assert units.alive[0].tolist() == [2, 3]
    assert units.active[0].tolist() == [2, 3]
    torch.testing.assert_close(units.participation[0], torch.tensor([2.0, 3.0], dtype=torch.float64))
    torch.testing.assert_close(units.zero_fraction[0], torch.tensor([0.5, 0.75], dtype=torch.float64))
