"""The span routes (S = gamma S0 + X a, trained through the N x N Gram matrix, or in the basis where it is
tridiagonal) against the D-space Sigma_tr route: the same losses and students, the automatic choice, and
their refusals."""
from __future__ import annotations

import pytest
import torch

from gentoys.sim import linear
from gentoys.sim.linear import SPAN_ROUTES, Hyperparameters, LinearSetting, draw_problem, gradient_route, train

METHODS = ("gd", "ridge", "momentum", "momentum_ridge")
BASE = LinearSetting(dim=120, q=0.7, epochs=80, n_sets=3, methods=METHODS, dtype=torch.float64)


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a.double() - b.double()).abs() / b.double().abs()).max())


def _assert_same_run(row, ref, rtol: float, train_atol: float, student_rtol: float) -> None:
    """gen_loss to ``rtol``; train_loss to ``rtol`` plus ``train_atol`` times its first value (it decays to ~0,
    where both routes keep only an absolute accuracy); each student to ``student_rtol`` of its norm."""
    assert _rel(row.gen_loss, ref.gen_loss) <= rtol
    scale = ref.train_loss[0].abs().double()
    gap = (row.train_loss.double() - ref.train_loss.double()).abs()
    assert bool((gap <= rtol * ref.train_loss.abs().double() + train_atol * scale).all()), float((gap / scale).max())
    dist = (row.student.double() - ref.student.double()).norm(dim=-1) / ref.student.double().norm(dim=-1)
    assert float(dist.max()) <= student_rtol


@pytest.mark.parametrize("route", SPAN_ROUTES)
@pytest.mark.parametrize("q", [0.3, 0.7])
@pytest.mark.parametrize("teacher_per_set", [False, True])
def test_rowspace_equals_the_sigma_route_in_float64(q, teacher_per_set, route):
    s = BASE.with_(q=q, teacher_per_set=teacher_per_set)
    ref = train(s.with_(gradient="sigma"))
    tuned = train(s.with_(gradient=route))  # same draw, same tuning (up to the rounding of its own Gram triangle)
    assert torch.allclose(tuned.hyper.eta, ref.hyper.eta, rtol=1e-13, atol=0)
    row = train(s.with_(gradient=route), hyper=ref.hyper)  # the same numbers: only the route differs
    _assert_same_run(row, ref, rtol=1e-10, train_atol=1e-13, student_rtol=1e-10)


@pytest.mark.parametrize("route", SPAN_ROUTES)
@pytest.mark.parametrize("q", [0.3, 0.7])
@pytest.mark.parametrize("teacher_per_set", [False, True])
def test_rowspace_in_float32_is_as_close_to_float64_as_stated(q, teacher_per_set, route):
    """float32 rowspace against the float64 Sigma_tr route on the same draw and hyperparameters: 1e-5 relative
    (measured <= 2.1e-6 here and 1.2e-6 at D = 1000; the loss formula's cancellation costs <= 8e-7 of it).
    The float32 Sigma_tr route is further from float64 (up to 3.7e-5: its float32 Sigma_tr has no exact
    null space), so the two float32 routes are held together only to 1e-4. The tridiagonal route adds the
    float32 reduction's rounding (measured <= 3.3e-6 at D = 200 and 1000, 200 epochs)."""
    s32 = BASE.with_(q=q, teacher_per_set=teacher_per_set, dtype=torch.float32, dim=200, epochs=100)
    problem = draw_problem(s32)
    row = train(s32.with_(gradient=route), problem=problem)
    h = row.hyper
    h64 = Hyperparameters(h.eta.double(), h.beta.double(), h.lam.double(), h.l1.double())
    truth = train(s32.with_(dtype=torch.float64, gradient="sigma"), hyper=h64,
                  problem=tuple(t.double() for t in problem))
    _assert_same_run(row, truth, rtol=1e-5, train_atol=1e-5, student_rtol=1e-5)
    sigma32 = train(s32.with_(gradient="sigma"), problem=problem)
    _assert_same_run(row, sigma32, rtol=1e-4, train_atol=1e-5, student_rtol=1e-4)


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_dropping_the_weight_decay_of_s0_is_caught(monkeypatch, route):
    """The equality test can fail: without lam gamma S0 in the velocity (gamma stays 1), ridge differs."""
    s = BASE.with_(epochs=40)
    ref = train(s.with_(gradient="sigma"))
    monkeypatch.setattr(linear, "_init_coefficients",
                        lambda hyper, epochs: torch.ones(epochs + 1, *hyper.eta.shape, dtype=torch.float64))
    wrong = train(s.with_(gradient=route))
    with pytest.raises(AssertionError):
        _assert_same_run(wrong, ref, rtol=1e-10, train_atol=1e-13, student_rtol=1e-10)
    gd = s.methods.index("gd")  # no weight decay: gamma is 1 anyway, still equal
    assert _rel(wrong.gen_loss[:, :, gd], ref.gen_loss[:, :, gd]) <= 1e-10


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_rowspace_is_bitwise_reproducible(route):
    s = BASE.with_(dtype=torch.float32, gradient=route, teacher_per_set=True, seed=5)
    a, b = train(s), train(s)
    for name in ("gen_loss", "train_loss", "student"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert not torch.equal(a.gen_loss, train(s.with_(seed=6)).gen_loss)


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_rowspace_chunks_give_the_same_numbers(route):
    s = BASE.with_(n_sets=5, gradient=route)
    one, all_ = train(s.with_(chunk_sets=2)), train(s.with_(chunk_sets=5))
    assert _rel(one.gen_loss, all_.gen_loss) <= 1e-12


@pytest.mark.parametrize("q,epochs", [(0.7, 200), (0.3, 200), (0.5, 3), (0.9, 1000)])
def test_auto_picks_a_span_route_without_l1_and_never_with_it(q, epochs, monkeypatch):
    s = LinearSetting(q=q, epochs=epochs)
    assert gradient_route(s) == "tridiagonal"
    with_lasso = s.with_(methods=("gd", "lasso"))
    assert gradient_route(with_lasso) in ("X", "sigma")
    h = Hyperparameters(*(torch.full((s.n_sets, 1, 1), v) for v in (0.1, 0.0, 0.0, 1e-3)))
    assert gradient_route(s.with_(methods=("gd",)), h) in ("X", "sigma")  # an L1 term given by hand
    monkeypatch.setattr(linear, "resolve_device", lambda device: torch.device("cuda"))
    assert gradient_route(s) == "rowspace"  # off the CPU, where LAPACK's reduction is not at hand


def test_train_takes_the_route_it_chose(monkeypatch):
    """Without L1 the D-space trainer is never entered; with the lasso the rowspace one never is."""
    def refuse(*args, **kwargs):
        raise AssertionError("wrong route")

    s = BASE.with_(epochs=5)
    monkeypatch.setattr(linear, "_train_chunk", refuse)
    train(s)
    monkeypatch.undo()
    monkeypatch.setattr(linear, "_train_chunk_rowspace", refuse)
    train(s.with_(methods=("gd", "lasso")))


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_rowspace_refuses_an_l1_term(route):
    with pytest.raises(ValueError, match=f"gradient='{route}'.*lasso"):
        LinearSetting(gradient=route, methods=("gd", "lasso"))
    s = BASE.with_(gradient=route, methods=("gd",), epochs=3)
    h = Hyperparameters(*(torch.full((s.n_sets, 1, 1), v, dtype=torch.float64) for v in (0.1, 0.0, 0.0, 1e-3)))
    with pytest.raises(ValueError, match=f"gradient='{route}'.*hyper\\.l1"):
        train(s, hyper=h)


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_rowspace_reports_divergence(route):
    run = train(BASE)
    h = run.hyper
    with pytest.raises(linear.DivergedError, match=r"method '\w+' diverged at epoch \d+"):
        train(BASE.with_(epochs=400, gradient=route), hyper=Hyperparameters(h.eta * 50, h.beta, h.lam, h.l1))


@pytest.mark.parametrize("route", SPAN_ROUTES)
def test_the_gram_matrix_is_formed_once(monkeypatch, route):
    """Once, whole (rowspace) or one triangle (tridiagonal, which needs no more)."""
    calls = []
    for name in ("gram", "gram_triangle"):
        monkeypatch.setattr(linear, name, lambda X, real=getattr(linear, name): calls.append(1) or real(X))
    run = train(BASE.with_(epochs=3, gradient=route))
    assert len(calls) == 1 and run.spectrum.shape == (BASE.n_sets, BASE.n_samples)
    assert len(calls) == 1  # the spectrum came from what training found, not from a second Gram matrix


@pytest.mark.parametrize("route", SPAN_ROUTES)
@pytest.mark.parametrize("budget_epochs", [1, 3])
def test_blocks_of_a_few_epochs_give_the_same_run(monkeypatch, route, budget_epochs):
    """The losses' dot products taken per block of 1 or 3 epochs (a last block shorter than the others: 81
    epochs) give the run of one block for all."""
    s = BASE.with_(gradient=route)
    whole = train(s)
    per_epoch = 3 * s.n_sets * len(s.methods) * s.n_samples * 8  # the three block buffers' bytes for one epoch
    monkeypatch.setattr(linear, "EPOCH_BLOCK_BYTES", budget_epochs * per_epoch)
    blocked = train(s)
    _assert_same_run(blocked, whole, rtol=1e-13, train_atol=1e-15, student_rtol=1e-13)
    monkeypatch.setattr(linear, "EPOCH_BLOCK_BYTES", 1 << 40)
    assert torch.equal(train(s).gen_loss, whole.gen_loss)
