"""The built-in sweeps, by name."""
from __future__ import annotations

from gentoys.checks.sweeps import finite_size, lasso_phase, momentum_speedup, ridge_correction
from gentoys.checks.sweeps.spec import Sweep

SWEEPS: dict[str, Sweep] = {m.SWEEP.name: m.SWEEP for m in (ridge_correction, finite_size, momentum_speedup,
                                                              lasso_phase)}


def get(name: str) -> Sweep:
    """The sweep called ``name``; a ValueError listing the others when there is none."""
    if name not in SWEEPS:
        raise ValueError(f"sweep {name!r} is unknown; the built-in sweeps are {', '.join(SWEEPS)}")
    return SWEEPS[name]
