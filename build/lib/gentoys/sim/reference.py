"""Exact finite-D loss curves of one data set, from its spectrum.

In the eigenbasis of that data set's Sigma_tr every method acts mode by mode
(``theory.iterates``), so the curves the simulator must reproduce follow from
the eigenvalues and the projections of S0 and T: no training involved.
"""
from __future__ import annotations

import numpy as np
import torch

from gentoys.theory.iterates import mode_trajectory


def reference_curves(X: torch.Tensor, teacher: torch.Tensor, init: torch.Tensor, eta: float, beta: float,
                     lam: float, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """(l_gen, l_tr) over epochs 0..epochs for one design X (D, N), float64."""
    Xn = X.detach().cpu().double().numpy()
    sigma = Xn @ Xn.T / Xn.shape[1]
    evals, basis = np.linalg.eigh(sigma)
    evals = np.clip(evals, 0.0, None)  # rounding leaves the null eigenvalues at +-1e-16
    t_modes = basis.T @ teacher.detach().cpu().double().numpy()
    s_modes = basis.T @ init.detach().cpu().double().numpy()
    traj = mode_trajectory(evals, s_modes, t_modes, eta, beta, epochs, lam)  # (epochs + 1, D)
    delta = traj - t_modes
    return 0.5 * (delta**2).sum(axis=1), 0.5 * (evals * delta**2).sum(axis=1)
