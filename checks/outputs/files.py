"""Outputs: checked before any work starts, then written atomically (a reader sees the old file or the new
one, never half; a folder of figures is built aside and moved in whole)."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Iterator


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


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "a file"


def check_output(path: str | os.PathLike, folder: bool = False) -> Path:
    """``path`` as an output file (or, with ``folder``, a folder of output files) that can be written: a
    ValueError saying why not, before any work starts.

    Refused: an empty path; ``-`` (no command writes its output to standard output: ``./-`` names a file
    called ``-``); a trailing slash on a file; a symbolic link (writing would replace the link by a regular
    file); anything that exists and is not a regular file (a folder, a FIFO, a device) or, for ``folder``, not
    a folder; a place whose nearest existing parent is not a folder or where no file can be created.
    """
    text = os.fspath(path)
    what = "folder" if folder else "file"
    if not text:
        raise ValueError(f"an empty path ('') names no {what}")
    if text == "-":
        raise ValueError(f"'-' is not standard output here: it would be a {what} named '-' (write ./- for that)")
    if not folder and text.endswith((os.sep, "/")):
        raise ValueError(f"{text!r} ends with a slash, so it names a folder, not a file")
    target = Path(text)
    try:
        mode = target.lstat().st_mode
    except OSError:  # missing, or a parent is not a folder (said below)
        mode = None
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise ValueError(f"{text!r} is a symbolic link; writing would replace the link by a regular {what}: "
                             "give the link's target, or another path")
        if folder and not stat.S_ISDIR(mode):
            raise ValueError(f"{text!r} is {_kind(mode)}, not a folder")
        if not folder and not stat.S_ISREG(mode):
            raise ValueError(f"{text!r} is {_kind(mode)}, not a regular file")
    _check_creatable(target, text)
    if mode is not None and folder:  # the files are moved into it, too
        _check_creatable(target / "x", text)
    return target


def _check_creatable(target: Path, text: str) -> None:
    """The nearest existing parent of ``target`` is a folder in which a file can be created (tried, then
    removed: permissions alone say nothing for root or a read-only mount)."""
    parent = target.parent  # as the user wrote it (relative stays relative), for the message
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{text!r} cannot be created: {str(parent)!r} is {_kind(parent.lstat().st_mode)}, "
                         "not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".gentoys-probe-")
    except OSError as exc:
        raise ValueError(f"{text!r} cannot be written: no file can be created in {str(parent)!r} "
                         f"({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed over it at the end."""
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
    return 0o666 & ~_umask()


@contextlib.contextmanager
def staged_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``path`` to write every output into; on a normal exit its files are moved
    into ``path`` (created when missing), on an exception or Ctrl-C it is removed and ``path`` is untouched.

    A missing ``path`` is the staged folder renamed (one atomic step); an existing one receives the files one
    rename each, with Ctrl-C held off for those few milliseconds, so it ends with all the new files or none.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name or 'out'}.", suffix=".tmp"))
    try:
        yield staging
        with _interrupts_held():
            _move_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_in(staging: Path, target: Path) -> None:
    os.chmod(staging, 0o777 & ~_umask())
    if not target.exists():
        os.rename(staging, target)
        return
    for src in sorted(staging.rglob("*")):
        dst = target / src.relative_to(staging)
        if src.is_dir():
            dst.mkdir(exist_ok=True)
        else:
            os.chmod(src, _mode_for(dst))
            os.replace(src, dst)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT (Ctrl-C) off for the block, then deliver it; elsewhere than the main thread: nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
