"""Sampled training sets and their Gram spectra, R data sets at once.

X has shape (R, D, N) with iid N(0, 1) entries and Sigma_tr = X X^T / N. The
non-zero spectrum is that of the small N x N matrix X^T X / N, and quantities
that need the D x D matrix (the flat-direction projector, the ridge
resolvent) go through N x N solves (Woodbury), so D = 1000 stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

from gentoys.sim.core.device import generator, resolve_device, validate_dtype, validate_real_tensor
from gentoys.sim.core.linalg import spd_solve
from gentoys.theory.core.domain import NON_NEGATIVE, REAL, validate_int, validate_seed


@dataclass
class GramSample:
    X: torch.Tensor  # (R, D, N)

    @property
    def n_sets(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def n_samples(self) -> int:
        return self.X.shape[2]

    @cached_property
    def _small_gram(self) -> torch.Tensor:
        return self.X.transpose(1, 2) @ self.X / self.n_samples  # (R, N, N)

    @cached_property
    def nonzero_eigenvalues(self) -> torch.Tensor:
        """The N eigenvalues of Sigma_tr that are not forced to zero, ascending."""
        return torch.linalg.eigvalsh(self._small_gram)

    def full_eigenvalues(self) -> torch.Tensor:
        """All D eigenvalues of Sigma_tr (costly: a D x D eigensolve per set)."""
        sigma = self.X @ self.X.transpose(1, 2) / self.n_samples
        return torch.linalg.eigvalsh(sigma)

    def _per_set(self, v: torch.Tensor, name: str = "v") -> torch.Tensor:
        """A vector of shape (D,) shared by all sets, or (R, D) one per set, as (R, D, 1)."""
        v = torch.as_tensor(v) if not isinstance(v, (str, bytes)) else v
        validate_real_tensor(name, v)
        if tuple(v.shape) not in ((self.dim,), (self.n_sets, self.dim)):
            raise ValueError(f"{name} has shape {tuple(v.shape)}, expected (D,) = ({self.dim},) "
                             f"or (R, D) = ({self.n_sets}, {self.dim})")
        REAL.validate(name, v.detach().cpu().double().numpy())
        return v.to(self.X).reshape(-1, self.dim, 1).expand(self.n_sets, -1, -1)

    def null_projection_norm2(self, v: torch.Tensor) -> torch.Tensor:
        """||P_0 v||^2 per set, P_0 the projector on the null space of Sigma_tr."""
        vs = self._per_set(v)
        xtv = self.X.transpose(1, 2) @ vs
        coef = spd_solve(self._small_gram * self.n_samples, xtv)
        return (vs**2).sum(dim=(1, 2)) - (xtv * coef).sum(dim=(1, 2))

    def ridge_residual_norm2(self, teacher: torch.Tensor, lam: float | torch.Tensor) -> torch.Tensor:
        """||lam (Sigma_tr + lam)^-1 T||^2 per set: twice the ridge plateau of l_gen."""
        NON_NEGATIVE.validate("lam", lam.cpu().numpy() if torch.is_tensor(lam) else lam)
        lam_t = torch.as_tensor(lam, dtype=self.X.dtype, device=self.X.device).reshape(-1, 1, 1)
        eye = torch.eye(self.n_samples, dtype=self.X.dtype, device=self.X.device)
        ts = self._per_set(teacher, "teacher")
        coef = spd_solve(self._small_gram + lam_t * eye, self.X.transpose(1, 2) @ ts) / self.n_samples
        residual = ts - self.X @ coef
        return (residual**2).sum(dim=(1, 2))


def sample_gram(
    n_sets: int, dim: int, n_samples: int, seed: int = 0, device: str = "cpu", dtype=torch.float64
) -> GramSample:
    """Draw ``n_sets`` independent design matrices X in R^{dim x n_samples}."""
    n_sets = validate_int("n_sets", n_sets)
    dim = validate_int("D", dim)
    n_samples = validate_int("N_tr", n_samples)
    if n_samples > dim:
        raise ValueError(f"N_tr={n_samples} is outside its domain: integers 1..D (D={dim}); "
                         f"the non-zero spectrum has only D eigenvalues")
    seed = validate_seed(seed)
    dtype = validate_dtype(dtype)
    dev = resolve_device(device)
    X = torch.randn(n_sets, dim, n_samples, generator=generator(seed, dev), device=dev, dtype=dtype)
    return GramSample(X)
