"""checks.evidence.runs.prefetch_networks: the network examples trained in a second process are the very runs
this process would train, and the claims that ask wait for them (or see the worker's error)."""
from __future__ import annotations

from concurrent.futures import Future

import pytest
import torch

from gentoys.checks.evidence import runs
from gentoys.checks.framework.profile import PROFILES, Context
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)


def test_prefetched_runs_equal_local_training():
    """Same settings, same thread count: bitwise the same final weights and loss curves."""
    ctx = Context(PROFILES["tiny"])
    with runs.prefetch_networks(ctx):
        assert isinstance(ctx.cache[("network_run", "relu")], Future)
        far = {m: runs.network_run(ctx, m) for m in ("two_layer", "relu")}
    here = Context(PROFILES["tiny"])
    for model, run in far.items():
        local = runs.network_run(here, model)
        assert not isinstance(ctx.cache[("network_run", model)], Future)
        for name in ("M", "V", "train_loss", "val_loss"):
            assert torch.equal(getattr(run, name), getattr(local, name)), (model, name)


def test_unasked_prefetch_leaves_no_future_behind():
    ctx = Context(PROFILES["tiny"])
    with runs.prefetch_networks(ctx):
        pass
    assert not any(isinstance(v, Future) for v in ctx.cache.values())


def test_worker_error_is_raised_in_the_claim_that_asks(monkeypatch):
    """A training that diverges in the worker raises DivergedError where network_run asks for it."""
    from gentoys.sim.core.device import DivergedError
    from gentoys.sim.networks import Method

    ctx = Context(PROFILES["tiny"])
    exploding = runs.network_setting(ctx, "relu").with_(methods=(Method("none", 1e6, 0.0),), epochs=200)
    monkeypatch.setattr(runs, "network_setting", lambda ctx, model: exploding)
    with runs.prefetch_networks(ctx, models=("relu",)):
        with pytest.raises(DivergedError, match="diverged"):
            runs.network_run(ctx, "relu")
