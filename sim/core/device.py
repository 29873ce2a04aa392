"""Device and dtype selection shared by every simulation."""
from __future__ import annotations

import torch

from gentoys.theory.core.domain import ParameterTypeError, choice_error, shown, validate_int, validate_seed


class DivergedError(RuntimeError):
    """A run produced NaN or inf: the message names the method, the step size and the epoch (or step)."""


def resolve_device(name: str = "cpu") -> torch.device:
    """``"cpu"``, ``"cuda"`` (error if absent) or ``"auto"`` (CUDA when present)."""
    if not isinstance(name, str):
        raise choice_error(name, f"device={name!r} is not one of 'cpu', 'cuda', 'auto'")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise choice_error(name, f"device={name!r} is not one of 'cpu', 'cuda', 'auto'")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} was asked for but torch sees no CUDA device")
    return torch.device(name)


def generator(seed: int, device: torch.device) -> torch.Generator:
    """A seeded generator on ``device``: the same seed gives the same draws."""
    seed = validate_seed(seed)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


#: dtypes the simulations compute in: the eigensolvers (eigh, eigvalsh) and batched solves support these only
FLOAT_DTYPES = (torch.float32, torch.float64)


def validate_dtype(dtype, name: str = "dtype") -> torch.dtype:
    """torch.float32 or torch.float64 (half precision has no eigensolver; complex is not this model)."""
    if not isinstance(dtype, torch.dtype):
        raise ParameterTypeError(f"{name} must be torch.float32 or torch.float64, got {shown(dtype)}")
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name}={dtype} is outside its domain: torch.float32 or torch.float64")
    return dtype


def validate_real_tensor(name: str, value) -> torch.Tensor:
    """A real (integer or floating-point) tensor: a complex one would be cut to its real part further on."""
    if not isinstance(value, torch.Tensor):
        raise ParameterTypeError(f"{name} must be a real torch tensor, got {shown(value)}")
    if value.is_complex() or value.dtype == torch.bool:
        raise ParameterTypeError(f"{name} must be a real torch tensor, got a tensor of {value.dtype}")
    return value


def set_cpu_threads(n: int | None) -> None:
    """Use ``n`` CPU threads for the rest of the process (``None``: the libraries' own choice): torch's, and those
    of the BLAS libraries numpy and scipy load (OpenBLAS: eigensolves, L-BFGS-B, scikit-learn), through
    threadpoolctl. On shared cores a second BLAS thread waits for a core that someone else holds.

    Called once, by the command line, before any work: library code never changes the thread count in the
    middle of a run (a thread pool resized between two batched solves is where torch's CPU build has
    failed)."""
    if n is None:
        return
    validate_int("threads", n)
    if n != torch.get_num_threads():
        torch.set_num_threads(n)
    import scipy.linalg  # noqa: F401  (loads scipy's own BLAS now, so that the limit below reaches it)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")
