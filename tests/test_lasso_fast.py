"""The working-set lasso solver against coordinate descent at the certificate, and the lasso benchmark."""
import numpy as np
import pytest
import torch

from gentoys.checks.outputs import bench as bench_mod
from gentoys.sim import lasso as lasso_mod
from gentoys.sim.amp import sklearn_lasso
from gentoys.sim.lasso import kkt_violation, solve_lasso
from gentoys.sim.linear import LinearSetting, draw_problem, gram_spectrum


def _problem(dim, share, n_sets=3, seed=4):
    s = LinearSetting(dim=dim, q=0.7, n_sets=n_sets, teacher="sparse" if share < 1 else "random",
                      sparse_dim=round(share * dim), teacher_per_set=True, dtype=torch.float64, seed=seed)
    teacher, _, X = draw_problem(s)
    return X, teacher


def _certificate(X, T, S, lam):
    """Our KKT certificate of S, with the gradient through X (not the solver's Gram matrix)."""
    grad = torch.einsum("rdn,rn->rd", X, torch.einsum("rdn,rd->rn", X, S - T)) / X.shape[2]
    return kkt_violation(grad, S, lam) / lam


@pytest.mark.parametrize("share, lam_seed", [(0.4, 5e-3), (1.0, 5e-3), (0.4, 1.2e-3), (1.0, 1.2e-3)])
def test_matches_coordinate_descent_at_the_certificate(share, lam_seed):
    dim = 200
    lam = lam_seed * (1000 / dim) ** 0.5  # the seed's lam sqrt(D)
    X, T = _problem(dim, share)
    tol = 1e-4
    sol = solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=tol)
    assert bool((_certificate(X, T, sol.student, lam) < tol).all())  # recomputed independently of the solver
    sk = torch.as_tensor(np.array([sklearn_lasso(X[i].numpy(), T[i].numpy(), lam) for i in range(X.shape[0])]))
    assert bool((_certificate(X, T, sk, lam) < tol).all())
    sk_gen = 0.5 * ((sk - T) ** 2).sum(-1)
    assert float(((sol.gen_loss - sk_gen).abs() / sk_gen).max()) < 1e-4
    assert torch.equal(sol.support_fraction, (sol.student != 0).double().mean(-1))


def test_a_wrong_gradient_fails_the_certificate(monkeypatch):
    """Labels off by 1 % inside the solver: it converges to another problem's solution, which passes the
    solver's own check but not the certificate computed here through X."""
    X, T = _problem(120, 0.4)
    lam = 5e-3 * (1000 / 120) ** 0.5
    real = lasso_mod._labels
    monkeypatch.setattr(lasso_mod, "_labels", lambda X, T: tuple(1.01 * v for v in real(X, T)))
    sol = solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-6)
    assert bool((sol.kkt < 1e-6).all())  # the solver certifies against its own (wrong) gradient
    assert float(_certificate(X, T, sol.student, lam).max()) > 1e-3  # ~1e-2 expected: the labels off by 1 %


@pytest.mark.parametrize("share", [0.4, 1.0])
def test_newton_alone_is_not_trusted(monkeypatch, share):
    """Newton solves that return wrong points must be neither certified nor kept: the answer stays right."""
    X, T = _problem(120, share)
    lam = 1.2e-3 * (1000 / 120) ** 0.5
    calls = []

    real = lasso_mod._active_set_step

    def wrong(block, x, grad, guess, *args):
        calls.append(1)
        _, factor = real(block, x, grad, guess, *args)
        return (guess * 0.05 + 1e-3) * block.valid, factor

    monkeypatch.setattr(lasso_mod, "_active_set_step", wrong)
    sol = solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-6, newton_every=25)
    assert calls  # Newton was tried
    assert bool((_certificate(X, T, sol.student, lam) < 1e-6).all())


def test_float32_iterations_end_certified_in_float64():
    """The block iterates in float32, yet every answer meets a float64 certificate far below float32's
    resolution, and a float32 problem is solved in float32 throughout."""
    X, T = _problem(200, 1.0)
    lam = 1.2e-3 * (1000 / 200) ** 0.5
    sol = solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-7)
    assert bool((_certificate(X, T, sol.student, lam) < 1e-7).all())
    X32, T32 = X.float(), T.float()
    sol32 = solve_lasso(X32, T32, lam, gram_spectrum(X32)[:, -1], tol=1e-3)
    assert sol32.student.dtype == torch.float32
    # its float32 certificate holds through float64 arithmetic too, up to float32 rounding of the answer
    assert float(_certificate(X, T, sol32.student.double(), lam).max()) < 2e-3


def test_lasso_bench_reports_ratio_iterations_and_accuracy():
    result = bench_mod.bench_lasso(dim=80, n_sets=2, repeats=2, cases=((0.4, 5e-3), (1.0, 1.2e-3)))
    assert result.ours_s > 0 and result.baseline_s > 0
    for case in result.notes["cases"]:
        assert len(case["ours_over_sklearn"]) == 2 and case["median_ours_over_sklearn"] > 0
        assert case["ours_max_kkt"] < 1e-4 and case["max_rel_gen_gap"] < 1e-4
        assert case["ours_iterations_max"] >= 1 and case["sklearn_epochs_mean"] >= 1


def test_lasso_bench_fails_when_ours_disagrees(monkeypatch):
    real = bench_mod.__dict__.get("solve_lasso")
    assert real is None  # imported inside the function: patch the module it comes from
    monkeypatch.setattr(lasso_mod, "solve_lasso", lambda X, T, lam, lm, tol: lasso_mod.LassoSolution(
        T * 0.9, 0.5 * ((T * 0.1) ** 2).sum(-1), T.new_ones(T.shape[0]), T.new_zeros(T.shape[0]),
        torch.ones(T.shape[0], dtype=torch.long)))
    with pytest.raises(AssertionError, match="differ"):
        bench_mod.bench_lasso(dim=60, n_sets=2, repeats=1, cases=((0.4, 5e-3),))


def test_chunks_solve_each_set_as_one_batch_does():
    """A CPU solves a few sets at a time (sized by the cache); any chunking gives every set its certificate
    and the same solution as one batch, to the certificate's accuracy."""
    X, T = _problem(120, 0.4, n_sets=5)
    lam = 5e-3 * (1000 / 120) ** 0.5
    lam_max = gram_spectrum(X)[:, -1]
    whole = solve_lasso(X, T, lam, lam_max, tol=1e-8, chunk_sets=5)
    for chunk in (1, 2):
        part = solve_lasso(X, T, lam, lam_max, tol=1e-8, chunk_sets=chunk)
        assert bool((_certificate(X, T, part.student, lam) < 1e-8).all())
        assert float((part.student - whole.student).abs().max()) < 1e-9
    with pytest.raises(ValueError, match="chunk_sets"):
        solve_lasso(X, T, lam, lam_max, chunk_sets=0)


def test_a_repeated_guess_refines_its_point_to_the_problem_precision():
    """A fresh support guess is solved in float32; the same guess again refines that point with the residual
    in float64 (reusing the factor): the KKT residual on the support falls by orders of magnitude, to
    float64 rounding after two refinements."""
    X, T = _problem(120, 0.4, n_sets=2)
    lam = 5e-3 * (1000 / 120) ** 0.5
    sol = solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-10)
    y, b = lasso_mod._labels(X, T)
    block = lasso_mod._Block(X, torch.float32, capacity=X.shape[1])
    idx = torch.arange(X.shape[1]).expand(2, -1).contiguous()
    block.grow(X, b, idx, torch.ones_like(idx, dtype=torch.bool))
    guess = torch.sign(sol.student)
    x = torch.zeros_like(sol.student)
    active = torch.ones(2, dtype=torch.bool)
    residuals, last, factor = [], None, None
    for _ in range(3):
        grad = block.grad(x)
        x, factor = lasso_mod._active_set_step(block, x, grad, guess, last, factor, active, lam, X.shape[2])
        last = guess
        residuals.append(float(((block.grad(x) + lam * guess) * (guess != 0)).abs().max() / lam))
    assert residuals[0] > 1e-9  # float32: about 1e-6 of lam
    assert residuals[1] < 1e-3 * residuals[0] and residuals[2] < 1e-10
    assert float((x - sol.student).abs().max()) < 1e-8


def test_fista_momentum_table_follows_the_recurrence(monkeypatch):
    """The momentum table is FISTA's (t_k - 1) / t_{k+1}; a table shorter than a run grows and the solve is
    the same to the certificate."""
    t, expected = 1.0, []
    for _ in range(6):
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        expected.append((t - 1) / t_next)
        t = t_next
    table = lasso_mod._momentum(6, torch.float64, torch.device("cpu"))
    assert torch.allclose(table, torch.tensor(expected, dtype=torch.float64), rtol=1e-15, atol=0)
    X, T = _problem(120, 1.0, n_sets=2)
    lam = 1.2e-3 * (1000 / 120) ** 0.5
    lam_max = gram_spectrum(X)[:, -1]
    ref = solve_lasso(X, T, lam, lam_max, tol=1e-8)
    monkeypatch.setattr(lasso_mod, "_MOMENTUM_TABLE", 2)
    short = solve_lasso(X, T, lam, lam_max, tol=1e-8)
    assert bool((_certificate(X, T, short.student, lam) < 1e-8).all())
    assert float((short.student - ref.student).abs().max()) < 1e-8
