"""Batched torch simulations of the toy models (CPU by default, CUDA on request)."""
from gentoys.sim.core.device import resolve_device
from gentoys.sim.spectra import GramSample, sample_gram

__all__ = ["GramSample", "resolve_device", "sample_gram"]
