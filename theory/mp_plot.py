"""One call: eigenvalues of sampled Wishart matrices as a histogram over the Marchenko-Pastur density.

Uses matplotlib's object API on a bare ``Figure`` (no pyplot, no GUI backend),
so it works headless; ``path`` saves a PNG.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from gentoys.theory.core.domain import validate_int


def plot_histogram(law, dim: int = 400, size: int = 10, bins: int = 60, path: str | Path | None = None,
                   random_state=None) -> Figure:
    """Histogram of ``law.rvs_eigenvalues(dim, size)`` with ``law.pdf`` on top; returns the Figure.

    The histogram shows the non-zero eigenvalues normalized like ``pdf`` (area =
    fraction of non-zero eigenvalues, the continuous part's mass), and the fraction of
    exact zeros is written beside the atom ``1 - q`` in the legend.
    """
    bins = validate_int("bins", bins)
    eig = law.rvs_eigenvalues(dim, size, random_state=random_state).ravel()
    nonzero = eig[eig > 0]
    weights = np.full(nonzero.size, 1.0 / eig.size)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    lo, hi = law.support()
    ax.hist(nonzero, bins=np.linspace(lo, hi * 1.05, bins + 1), weights=weights * bins / (hi * 1.05 - lo),
            alpha=0.5, label=f"{size} x D={dim} sampled eigenvalues (zeros: {1 - nonzero.size / eig.size:.3f})")
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, law.pdf(grid), "k-", label=f"{law!r} density (atom {law.atom:.3f})")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density of the non-zero part")
    ax.legend(fontsize=8)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
