"""Peak resident memory of a block of code (Linux: the kernel's high-water mark, reset before the block)."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

_STATUS, _CLEAR = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def _field(name: str) -> int | None:
    try:
        match = re.search(rf"{name}:\s+(\d+) kB", _STATUS.read_text())
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None


@contextlib.contextmanager
def peak_rss():
    """``with peak_rss() as peak: ...``; afterwards ``peak["bytes"]`` is the process's largest resident set
    during the block (None where the kernel gives no high-water mark). Writing "5" to clear_refs resets the
    mark to the current resident set, so the number is the block's own peak, not the process's history."""
    result: dict[str, int | None] = {"bytes": None}
    try:
        _CLEAR.write_text("5")
        reset = True
    except OSError:
        reset = False
    try:
        yield result
    finally:
        result["bytes"] = _field("VmHWM") if reset else None
