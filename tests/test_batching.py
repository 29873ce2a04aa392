"""Cache-sized chunks of data sets (sim.core.batching) and the peak-memory probe (sim.core.memory)."""
import pytest
import torch

from gentoys.sim.core.batching import CACHE_BYTES, sets_per_chunk
from gentoys.sim.core.memory import peak_rss

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_cpu_chunks_fit_the_cache_budget():
    assert sets_per_chunk(100, 4_000_000, CPU) == CACHE_BYTES // 4_000_000 == 2
    assert sets_per_chunk(100, CACHE_BYTES + 1, CPU) == 1  # at least one set
    assert sets_per_chunk(3, 10, CPU) == 3  # never more than there are


def test_cuda_takes_every_set_and_an_override_wins():
    assert sets_per_chunk(100, 4_000_000, CUDA) == 100
    assert sets_per_chunk(100, 4_000_000, CPU, override=7) == 7
    with pytest.raises(ValueError, match="chunk_sets"):
        sets_per_chunk(100, 4_000_000, CPU, override=0)


def test_peak_rss_sees_a_block_allocating_64_mib():
    with peak_rss() as quiet:
        pass
    with peak_rss() as busy:
        block = torch.ones(16 * 2**20)  # 64 MiB, touched
        del block
    if quiet["bytes"] is None:
        pytest.skip("no resident high-water mark on this system")
    assert busy["bytes"] - quiet["bytes"] > 48 * 2**20


def test_a_smaller_cache_budget_gives_smaller_chunks():
    from gentoys.sim.core.batching import L2_BYTES

    assert sets_per_chunk(100, 1_960_000, CPU, cache_bytes=L2_BYTES) == 1  # one 700 x 700 float32 Gram matrix
    assert sets_per_chunk(100, 176_400, CPU, cache_bytes=L2_BYTES) == 11  # N = 210
    assert sets_per_chunk(100, 1_960_000, CPU) == 4  # the default budget, CACHE_BYTES
