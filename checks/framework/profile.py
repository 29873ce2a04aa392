"""Run profiles: how large the numerical and simulated evidence is."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    name: str
    dim: int  # D of sampled spectra
    n_sets: int  # independent data sets per statistic
    ratios: tuple[float, ...]  # values of q probed by sampled evidence
    n_probes: int  # random parameter points for S and N comparisons
    sim_dim: int = 200  # D of simulated training
    sim_sets: int = 10  # independent data sets trained at once
    sim_epochs: int = 200
    sparse_sets: int = 10  # data sets of the sparse-teacher comparison
    sparse_epochs: int = 500
    net_sets: int = 6  # data sets of each over-parametrized network example
    net_scale: float = 1.0  # the two-layer linear example's D, width and N_tr, relative to the seed's
    net_epochs: float = 1.0  # epochs of both network examples, relative to the seed's
    lasso_dims: tuple[int, ...] = (100, 200, 400)  # D of the lasso finite-size trend (lam sqrt(D) held fixed)
    lasso_sets: int = 16  # data sets per lasso statistic
    lasso_tol: float = 1e-4  # the lasso is solved until its KKT violation is below lasso_tol * lam on every set
    recovery_dim: int = 200  # D of the basis-pursuit instances on both sides of the Donoho-Tanner line
    boundary_dim: int = 400  # D of the lasso-vs-ridge points on both sides of the predicted boundary


PROFILES = {
    "quick": Profile("quick", dim=300, n_sets=40, ratios=(0.3, 0.7), n_probes=6, sim_dim=300, sim_sets=30,
                     sim_epochs=200, sparse_sets=16, sparse_epochs=500, net_sets=6, net_scale=0.5, net_epochs=1.0),
    "full": Profile("full", dim=1000, n_sets=100, ratios=(0.2, 0.5, 0.7, 0.9), n_probes=20, sim_dim=1000,
                    sim_sets=100, sim_epochs=200, sparse_sets=30, sparse_epochs=500, net_sets=20, net_scale=1.0,
                    net_epochs=1.0, lasso_dims=(250, 500, 1000), lasso_sets=16,
                    recovery_dim=500, boundary_dim=500),
}


#: sizes at which every check runs in seconds: for tests and for the mutation harness's verification pass
TINY_SIZES = dict(dim=120, n_sets=12, ratios=(0.7,), n_probes=3, sim_dim=60, sim_sets=6, sim_epochs=50, net_sets=3,
                  net_scale=0.1, net_epochs=0.05, lasso_dims=(40, 80, 120), lasso_sets=6,
                  recovery_dim=60, boundary_dim=120)


def tiny(name: str = "tiny") -> Profile:
    """The quick profile shrunk to ``TINY_SIZES``."""
    return replace(PROFILES["quick"], name=name, **TINY_SIZES)


#: ``--profile tiny``: every command end to end in seconds (a smoke test; its verdicts have little power)
PROFILES["tiny"] = tiny()


@dataclass(frozen=True)
class Context:
    """Everything a check may depend on besides the theory itself, and the runs the checks share.

    ``cache`` holds what several checks ask for (simulated runs, sampled spectra), computed once per context;
    it lives and dies with the context (it takes no part in equality or hashing).
    """

    profile: Profile
    seed: int = 0
    device: str = "cpu"
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per context and ``key``; a value being computed elsewhere (a future put in
        the cache by :func:`checks.evidence.runs.prefetch_networks`) is waited for, and its error raised here."""
        if key not in self.cache:
            self.cache[key] = make()
        elif isinstance(self.cache[key], Future):
            self.cache[key] = self.cache[key].result()
        return self.cache[key]
