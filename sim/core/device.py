"""Device and dtype selection shared by every simulation."""
from __future__ import annotations

import contextlib

import torch

from gentoys.theory.core.domain import ParameterTypeError, choice_error, shown, validate_seed


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


@contextlib.contextmanager
def cpu_threads(n: int | None):
    """Run the block with ``n`` torch CPU threads (``None``: leave the setting alone); restored afterwards.

    ``torch.set_num_threads`` is called only when the count changes: with torch 2.13's CPU build, any call
    that sets 2 threads leaves batched float64 ``torch.linalg.solve`` failing inside MKL (DLASWP parameter
    errors, then a hang), so a needless reset must not happen."""
    before = torch.get_num_threads()
    if n is None or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
