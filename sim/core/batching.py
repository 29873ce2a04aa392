"""How many data sets to train together: all on a GPU, a cache-sized chunk on a CPU."""
from __future__ import annotations

import torch

from gentoys.theory.core.domain import validate_int

#: bytes of per-chunk working set that stay in this class of CPU's cache (two 2 MB L2s and a shared L3)
CACHE_BYTES = 8 << 20
#: one core's L2: the budget of a working set that is read once per epoch by a thin product and is small
#: enough to live there (the linear trainer's rowspace route, docs/performance.md)
L2_BYTES = 2 << 20


def sets_per_chunk(n_sets: int, bytes_per_set: int, device: torch.device, override: int | None = None,
                   cache_bytes: int = CACHE_BYTES) -> int:
    """Data sets per chunk: ``override`` when given; every set on CUDA (one batch, fewest launches); on a CPU
    as many as keep their ``bytes_per_set`` working set within ``cache_bytes``, at least one. Each epoch
    streams that working set several times, and a chunk that stays in cache runs about twice as fast as
    one batch that streams from memory."""
    if override is not None:
        return validate_int("chunk_sets", override)
    if device.type == "cuda":
        return n_sets
    return max(1, min(n_sets, cache_bytes // max(1, bytes_per_set)))


def element_size(dtype: torch.dtype) -> int:
    return torch.tensor([], dtype=dtype).element_size()
