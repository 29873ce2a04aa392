"""sim.core.openblas: planned products equal torch's to rounding, in place, and see in-place updates."""
import pytest
import torch
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

from gentoys.sim.core import openblas


def _stack(*shape, dtype=torch.float64, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_products_of_the_two_layer_shapes_equal_torch(dtype):
    """S = M V, X S^T on transposed views, and the row g^T M, written into strided outputs."""
    k, r, d, h, n = 3, 2, 7, 5, 4
    M, V = _stack(k, r, d, h, dtype=dtype), _stack(k, r, h, dtype=dtype, seed=1)
    X = _stack(r, n, d, dtype=dtype, seed=2)
    S = torch.empty(k, r, d, dtype=dtype)
    openblas.product(M, V[..., :, None], S[..., :, None])()
    resid = torch.empty(r, k, n, dtype=dtype)
    openblas.product(S.transpose(0, 1), X.transpose(1, 2), resid)()
    g = torch.empty(r, k, d, dtype=dtype)
    openblas.product(resid, X, g)()
    g_V = torch.empty(k, r, h, dtype=dtype)
    openblas.product(g.transpose(0, 1)[..., None, :], M, g_V[..., None, :])()
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-12}
    torch.testing.assert_close(S, (M @ V[..., None])[..., 0], **tol)
    torch.testing.assert_close(resid, S.transpose(0, 1) @ X.transpose(1, 2), **tol)
    torch.testing.assert_close(g, resid @ X, **tol)
    torch.testing.assert_close(g_V, (g.transpose(0, 1)[..., None, :] @ M)[..., 0, :], **tol)


def test_a_plan_reads_its_tensors_as_they_are_now():
    """The plan holds views, not copies: an in-place update of A shows in the next call, and out is written."""
    A, x = _stack(2, 3, 4), _stack(2, 4, 1, seed=1)
    out = torch.zeros(2, 3, 1, dtype=torch.float64)
    run = openblas.product(A, x, out)
    run()
    first = out.clone()
    torch.testing.assert_close(first, A @ x, rtol=1e-12, atol=1e-12)
    A.mul_(2.0)
    run()
    torch.testing.assert_close(out, 2 * first, rtol=1e-12, atol=1e-12)


def test_product_refuses_a_wrong_output_shape():
    with pytest.raises(ValueError, match="out has shape"):
        openblas.product(_stack(2, 3, 4), _stack(2, 4, 1), torch.empty(2, 4, 1))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rank_one_update_is_baddbmm_in_place(dtype):
    """C <- beta C + x y^T on the trainer's layout (x a strided view), twice: the same as baddbmm_ to rounding."""
    C = _stack(3, 5, 6, dtype=dtype)
    x = _stack(2, 3, 5, dtype=dtype, seed=1).transpose(0, 1)[1]  # (2, 5) with a stride, like g's rows
    y = _stack(2, 6, dtype=dtype, seed=2)
    C_j, want = C[1:], C[1:].clone()
    update = openblas.rank_one_update(C_j, x, y)
    storage = C_j.data_ptr()
    for beta in (0.9, 0.5):
        update(beta)
        want.baddbmm_(x[:, :, None], y[:, None, :], beta=beta)
    assert C_j.data_ptr() == storage
    tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == torch.float32 else {"rtol": 1e-13, "atol": 1e-13}
    torch.testing.assert_close(C_j, want, **tol)
    assert not torch.equal(C_j, _stack(3, 5, 6, dtype=dtype)[1:])


def test_tensors_numpy_cannot_hold_take_torchs_path_with_the_same_bits():
    """float16 and autograd tensors are left to torch: exactly torch's numbers."""
    A, x = _stack(2, 3, 4).half(), _stack(2, 4, 1, seed=1).half()
    out = torch.empty(2, 3, 1, dtype=torch.float16)
    openblas.product(A, x, out)()
    assert torch.equal(out, torch.matmul(A, x))
    C, xs, ys = _stack(2, 3, 4).half(), _stack(2, 3, seed=1).half(), _stack(2, 4, seed=2).half()
    want = C.clone().baddbmm_(xs[:, :, None], ys[:, None, :], beta=0.9)
    openblas.rank_one_update(C, xs, ys)(0.9)
    assert torch.equal(C, want)
    W = _stack(2, 3, 4).requires_grad_(True)
    with torch.no_grad():
        out = torch.empty(2, 3, 1, dtype=torch.float64)
        openblas.product(W, _stack(2, 4, 1, seed=1), out)()
        assert torch.equal(out, torch.matmul(W, _stack(2, 4, 1, seed=1)))


def test_rank_one_update_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="need C"):
        openblas.rank_one_update(_stack(2, 5, 6), _stack(3, 5), _stack(2, 6))


def test_the_trainer_on_torchs_path_matches_the_openblas_path(monkeypatch):
    """What a GPU runs (every plan on torch's path) trains two_layer to the same curves as OpenBLAS on a CPU."""
    from gentoys.sim.networks import TWO_LAYER, train

    s = TWO_LAYER.with_(dim=24, hidden=36, n_train=12, epochs=60, n_sets=3, record_every=5, dtype=torch.float64)
    blas = train(s)
    monkeypatch.setattr(openblas, "_on_blas", lambda *tensors: False)
    plain = train(s)
    assert not torch.equal(blas.M, plain.M)  # the two paths round differently: the patch took effect
    for name in ("M", "V", "train_loss", "val_loss"):
        torch.testing.assert_close(getattr(plain, name), getattr(blas, name), rtol=1e-10, atol=1e-13)
