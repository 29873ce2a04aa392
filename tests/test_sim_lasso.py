"""The batched lasso and ridge solvers against scikit-learn and against gradient descent."""
import numpy as np
import pytest
import torch

from gentoys.sim.amp import sklearn_lasso
from gentoys.sim.lasso import NotConvergedError, kkt_violation, solve_lasso, solve_ridge
from gentoys.sim.linear import LinearSetting, draw_problem, gram_spectrum, train


def lasso_lipschitz(X):
    return gram_spectrum(X)[:, -1]


def _problem(dim=80, q=0.7, n_sets=3, sparse=True):
    s = LinearSetting(dim=dim, q=q, n_sets=n_sets, teacher="sparse" if sparse else "random", sparse_dim=dim // 3,
                      teacher_per_set=True, dtype=torch.float64, seed=11)
    teacher, _, X = draw_problem(s)
    return X, teacher


@pytest.mark.parametrize("q, sparse", [(0.7, True), (0.7, False), (0.3, True)])  # q = 0.3: the gradient through X
def test_solve_lasso_matches_coordinate_descent(q, sparse):
    X, T = _problem(q=q, sparse=sparse)
    sol = solve_lasso(X, T, 0.02, lasso_lipschitz(X), tol=1e-7)
    for i in range(X.shape[0]):
        S = sklearn_lasso(X[i].numpy(), T[i].numpy(), 0.02)
        assert np.linalg.norm(S - sol.student[i].numpy()) < 1e-5
        assert sol.support_fraction[i] == pytest.approx(np.mean(S != 0))
    assert bool((sol.kkt < 1e-7).all())


def test_kkt_violation_sees_a_wrong_solution():
    X, T = _problem()
    sol = solve_lasso(X, T, 0.02, lasso_lipschitz(X), tol=1e-8)
    sigma = X @ X.transpose(1, 2) / X.shape[2]
    grad = lambda S: torch.einsum("rij,rj->ri", sigma, S - T)  # noqa: E731
    assert float(kkt_violation(grad(sol.student), sol.student, 0.02).max()) < 1e-9
    shifted = sol.student * 1.01
    assert float(kkt_violation(grad(shifted), shifted, 0.02).max()) > 1e-5


def test_an_unconverged_lasso_raises_naming_max_iter():
    X, T = _problem()
    with pytest.raises(NotConvergedError, match="max_iter=5"):
        solve_lasso(X, T, 1e-3, lasso_lipschitz(X), tol=1e-12, max_iter=5)


def test_bad_penalty_is_named():
    X, T = _problem()
    with pytest.raises(ValueError, match="lam"):
        solve_lasso(X, T, -1.0, lasso_lipschitz(X))


def test_solve_ridge_is_the_limit_of_ridge_gradient_descent():
    s = LinearSetting(dim=60, q=0.7, n_sets=2, epochs=4000, methods=("ridge",), init_variance=1e-30,
                      teacher_per_set=True, dtype=torch.float64)
    run = train(s)
    S = solve_ridge(run.X, run.teacher, run.hyper.lam[:, 0, 0])
    assert torch.allclose(S, run.student[:, 0], atol=1e-9)
