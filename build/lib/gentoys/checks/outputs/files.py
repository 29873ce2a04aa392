"""Atomic file writes: a reader sees the old file or the new one, never half."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def source_tree() -> Path | None:
    """The checkout this package runs from (an editable install), or None when it runs from an installed wheel.

    The generated documents (docs/) and the developer tools (tools/) live there, not in the wheel.
    """
    root = Path(__file__).resolve().parents[2]
    markers = (root / "pyproject.toml", root / "theory", root / "tools", root / "docs")
    return root if all(m.exists() for m in markers) else None


def require_source_tree(command: str) -> Path:
    """The checkout, or a clear error saying that ``command`` needs one."""
    root = source_tree()
    if root is None:
        raise RuntimeError(f"`{command}` works on a source checkout (docs/ and tools/ are not installed); "
                           "run it from an editable install (`pip install -e .` in the repository)")
    return root


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": "\n"})) as fh:
            fh.write(data)
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the umask's default."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
