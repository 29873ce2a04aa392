"""The Newton steps' factor: a support close to the factored one is bordered, and solves as a fresh factor does."""
import pytest
import torch

from gentoys.sim import lasso as lasso_mod
from gentoys.sim.linear import LinearSetting, draw_problem


def _full_block(dim=120, n_sets=3, seed=4):
    s = LinearSetting(dim=dim, q=0.7, n_sets=n_sets, teacher="sparse", sparse_dim=round(0.4 * dim),
                      teacher_per_set=True, dtype=torch.float64, seed=seed)
    T, _, X = draw_problem(s)
    _, b = lasso_mod._labels(X, T)
    block = lasso_mod._Block(X, torch.float32, capacity=dim)
    idx = torch.arange(dim).expand(n_sets, -1).contiguous()
    block.grow(X, b, idx, torch.ones_like(idx, dtype=torch.bool))
    return X, block


def _guesses(n_sets, dim, moved):
    """A random signed support per row and the same with ``moved[r]`` coordinates dropped and as many joined."""
    gen = torch.Generator().manual_seed(1)
    g0 = torch.where(torch.rand(n_sets, dim, generator=gen) < 0.4, 1.0, 0.0) * torch.sign(
        torch.randn(n_sets, dim, generator=gen))
    g1 = g0.clone()
    for r, k in enumerate(moved):
        on, off = g0[r].nonzero()[:, 0], (g0[r] == 0).nonzero()[:, 0]
        g1[r, on[:k]], g1[r, off[:k]] = 0.0, -1.0
    return g0, g1


def _exact_solve(X, support, rhs):
    """Q_AA^-1 rhs_A per row in float64 (Q = X X^T / N), zero off A."""
    Q = X @ X.mT / X.shape[2]
    out = torch.zeros_like(rhs)
    for r in range(X.shape[0]):
        a = support[r]
        out[r, a] = torch.linalg.solve(Q[r][a][:, a], rhs[r, a])
    return out


def test_a_bordered_factor_solves_as_a_fresh_one():
    X, block = _full_block()
    g0, g1 = _guesses(3, 120, moved=(0, 1, 2))
    rank = X.shape[2]
    active = torch.ones(3, dtype=torch.bool)
    bordered = lasso_mod._bordered(block, lasso_mod._factor(block, g0, rank), g1, active, rank)
    assert bordered is not None and bool(bordered.fine.all())
    rhs = torch.randn(3, 120, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    exact = _exact_solve(X, g1 != 0, rhs)
    for factor in (bordered, lasso_mod._factor(block, g1, rank)):
        x = factor.solve(rhs, torch.zeros_like(rhs))
        assert bool((x[g1 == 0] == 0).all())  # dropped coordinates stay exactly 0
        assert float((x - exact).abs().max() / exact.abs().max()) < 1e-4  # float32 accuracy


def test_a_wrong_border_gives_a_wrong_solve(monkeypatch):
    """The check above can fail: a border that loses the coordinates that joined solves another system."""
    X, block = _full_block()
    g0, g1 = _guesses(3, 120, moved=(1, 2, 2))
    rank = X.shape[2]
    bordered = lasso_mod._bordered(block, lasso_mod._factor(block, g0, rank), g1, torch.ones(3, dtype=torch.bool),
                                   rank)
    rhs = torch.randn(3, 120, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    exact = _exact_solve(X, g1 != 0, rhs)
    bordered.add_on = torch.zeros_like(bordered.add_on)  # the joined coordinates left out of the solve
    x = bordered.solve(rhs, torch.zeros_like(rhs))
    assert float((x - exact).abs().max() / exact.abs().max()) > 1e-3


def test_no_border_over_a_failed_or_distant_factor():
    X, block = _full_block()
    rank = X.shape[2]
    active = torch.ones(3, dtype=torch.bool)
    g0, near = _guesses(3, 120, moved=(1, 1, 1))
    base = lasso_mod._factor(block, g0, rank)
    _, far = _guesses(3, 120, moved=(1, 1, 20))  # 40 changes against a support of ~48: refactored instead
    assert lasso_mod._bordered(block, base, far, active, rank) is None
    base.fine = torch.tensor([True, False, True])  # that row's factorization failed: nothing to border
    assert lasso_mod._bordered(block, base, near, active, rank) is None
    inactive = torch.tensor([True, False, True])  # unless the row is not being solved
    assert lasso_mod._bordered(block, base, near, inactive, rank) is not None


def test_a_border_past_the_rank_is_singular():
    X, block = _full_block(dim=40)
    rank = X.shape[2]  # 28
    g0 = torch.zeros(3, 40)
    g0[:, :rank] = 1.0
    g1 = g0.clone()
    g1[:, rank:rank + 2] = 1.0  # rank + 2 coordinates: Q_AA is singular
    base = lasso_mod._factor(block, g0, rank)
    bordered = lasso_mod._bordered(block, base, g1, torch.ones(3, dtype=torch.bool), rank)
    assert bool(base.fine.all()) and not bool(bordered.fine.any())


@pytest.mark.parametrize("share", [0.4, 1.0])
def test_newton_solves_are_bordered_and_certified(monkeypatch, share):
    """Whole-problem Newton uses bordered factors at these settings, and every answer meets the certificate."""
    calls = []
    real = lasso_mod._bordered
    monkeypatch.setattr(lasso_mod, "_bordered", lambda *a: calls.append(real(*a)) or calls[-1])
    s = LinearSetting(dim=200, q=0.7, n_sets=2, teacher="sparse" if share < 1 else "random", sparse_dim=80,
                      teacher_per_set=True, dtype=torch.float64, seed=3)
    T, _, X = draw_problem(s)
    lam = 5e-3 * (1000 / 200) ** 0.5
    from gentoys.sim.linear import gram_spectrum
    sol = lasso_mod.solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-8)
    grad = torch.einsum("rdn,rn->rd", X, torch.einsum("rdn,rd->rn", X, sol.student - T)) / X.shape[2]
    assert bool((lasso_mod.kkt_violation(grad, sol.student, lam) / lam < 1e-8).all())
    assert any(c is not None for c in calls)


def test_a_guess_with_wrong_signs_is_solved_again_without_the_flipped_coordinates():
    """The lasso solution's support with signs planted wrong on part of it: the solve flips some of them, and
    the step solves the guess again without exactly those; with the right signs nothing is dropped and the
    step lands on the solution."""
    from gentoys.sim.linear import gram_spectrum
    s = LinearSetting(dim=120, q=0.7, n_sets=2, teacher="sparse", sparse_dim=48, teacher_per_set=True,
                      dtype=torch.float64, seed=4)
    T, _, X = draw_problem(s)
    rank, lam = X.shape[2], 5e-3 * (1000 / 120) ** 0.5
    S = lasso_mod.solve_lasso(X, T, lam, gram_spectrum(X)[:, -1], tol=1e-10).student
    _, b = lasso_mod._labels(X, T)
    block = lasso_mod._Block(X, torch.float32, capacity=120)
    idx = torch.arange(120).expand(2, -1).contiguous()
    block.grow(X, b, idx, torch.ones_like(idx, dtype=torch.bool))
    x0, active = torch.zeros_like(S), torch.ones(2, dtype=torch.bool)
    grad0, right = block.grad(x0), torch.sign(S)
    wrong = right.clone()
    for r in range(2):
        on = right[r].nonzero()[:, 0]
        wrong[r, on[::4]] = -wrong[r, on[::4]]  # planted: a quarter of the signs opposite
    plain, _ = lasso_mod._active_set_step(block, x0, grad0, wrong, None, None, active, lam, rank)
    flipped = (torch.sign(plain) != wrong) & (wrong != 0)
    assert bool(flipped.any(1).all())  # the planted signs do not hold
    x, _, kept = lasso_mod._sign_consistent_step(block, x0, grad0, wrong, None, None, active, lam, rank)
    assert torch.equal(kept, torch.where(flipped, torch.zeros_like(wrong), wrong))
    assert bool((x[kept == 0] == 0).all()) and bool((kept != 0).sum(1).gt(0).all())
    residual = (block.grad(x) + lam * kept) * (kept != 0)  # Q_AA x_A = c_A - lam s_A on the kept support
    assert float(residual.abs().max()) < 1e-3 * lam  # a float32 solve
    x, _, unchanged = lasso_mod._sign_consistent_step(block, x0, grad0, right, None, None, active, lam, rank)
    assert torch.equal(unchanged, right)
    assert float((x - S).abs().max()) < 1e-4 * float(S.abs().max())
