"""Helpers the sweep declarations share: seeds per data set, statistics, crossings, fits, figures."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from gentoys.checks.framework.compare import mean_se


def sub_seed(seed: int, index: int) -> int:
    """The seed of data set ``index`` of a point (independent sets, reproducible from the point's seed)."""
    return (seed * 1_000_003 + 7919 * (index + 1)) % (2**62)


def stats(prefix: str, samples) -> dict[str, float]:
    """``{prefix}_mean`` and ``{prefix}_se`` over independent data sets."""
    m, se = mean_se(samples)
    return {f"{prefix}_mean": m, f"{prefix}_se": se}


def crossing(x: np.ndarray, y: np.ndarray, level: float) -> float:
    """The first x at which y, linearly interpolated, rises through ``level`` (NaN if it never does)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    for i in range(len(x) - 1):
        if y[i] < level <= y[i + 1]:
            return float(x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    return math.nan


def power_fit(x, y, y_se=None) -> dict[str, float]:
    """Least-squares fit of log|y| = a + p log x (weights 1/relative error when ``y_se`` is given).

    Returns the exponent p with its standard error and the number of points used; points whose |y| is not
    at least twice its standard error carry no information on the exponent and are left out.
    """
    x, y = np.asarray(x, float), np.abs(np.asarray(y, float))
    keep = np.isfinite(y) & (y > 0)
    w = np.ones_like(y)
    if y_se is not None:
        se = np.asarray(y_se, float)
        keep &= y > 2 * se
        w = np.where(keep, y / np.maximum(se, 1e-300), 0.0)
    if keep.sum() < 2:
        return {"exponent": math.nan, "exponent_se": math.nan, "points_used": int(keep.sum())}
    lx, ly, ww = np.log(x[keep]), np.log(y[keep]), w[keep]
    A = np.stack([np.ones_like(lx), lx], 1) * ww[:, None]
    coef, *_ = np.linalg.lstsq(A, ly * ww, rcond=None)
    n = int(keep.sum())
    if n > 2:
        resid = ly * ww - A @ coef
        cov = np.linalg.inv(A.T @ A) * float(resid @ resid) / (n - 2)
        p_se = float(math.sqrt(cov[1, 1]))
    else:
        p_se = math.nan
    return {"exponent": float(coef[1]), "exponent_se": p_se, "points_used": n}


def save_figure(fig, table: pd.DataFrame, out: Path, name: str) -> list[Path]:
    """Write ``name.png`` and the numbers behind it, ``name.csv``."""
    import matplotlib.pyplot as plt

    png, csv = out / f"{name}.png", out / f"{name}.csv"
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    plt.close(fig)
    table.to_csv(csv, index=False)
    return [png, csv]


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
