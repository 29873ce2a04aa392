"""The disk cache of derivations: what each theory module's ``derive()`` returned, and its records.

Deriving the whole theory takes half a minute of SymPy, paid by every process that uses it. The result
depends only on the theory's sources and on SymPy, so it is stored once per *key*: a SHA-256 of every file
under ``theory/`` (the derivations import nothing from ``checks``), the SymPy and mpmath versions, Python's
minor version (the entries are pickles) and this cache's format number. A change to any of them is a new
key, so a stale entry is never read.

Layout: ``<cache dir>/derivations/<key[:24]>/<module>.pickle`` and, beside it, ``<module>.pickle.sha256``
(the payload's SHA-256). The cache dir is ``$GENTOYS_CACHE_DIR`` or ``platformdirs.user_cache_dir("gentoys")``.
Both files are written atomically (a temporary file renamed over the target), the payload first. A read
trusts nothing: a missing or different checksum, a payload that does not unpickle, or one whose key, module
or shape is not what was asked for is reported ``corrupt`` and the module is derived again (its fresh result
replaces the entry).

``GENTOYS_NO_CACHE=1`` (``gentoys --no-cache``) turns the cache off: no read, no write. In ``refresh`` mode
(``gentoys derive --check``, which checks the derivations themselves) nothing is read and fresh results are
written.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

#: bump when the payload's layout changes (a new key: old entries are never read)
FORMAT = 1
ENV_DIR = "GENTOYS_CACHE_DIR"
ENV_OFF = "GENTOYS_NO_CACHE"
MODES = ("on", "off", "refresh")
_THEORY = Path(__file__).resolve().parents[1]
_mode = "on"


def mode() -> str:
    """``off`` when ``$GENTOYS_NO_CACHE`` is set (not empty, not 0), else the mode set in this process."""
    return "off" if os.environ.get(ENV_OFF, "") not in ("", "0") else _mode


def set_mode(value: str) -> None:
    """``on`` (read and write), ``off`` (neither; also for child processes) or ``refresh`` (write only)."""
    global _mode
    if value not in MODES:
        raise ValueError(f"cache mode must be one of {MODES}, got {value!r}")
    if value == "off":
        os.environ[ENV_OFF] = "1"
    _mode = value


def cache_dir() -> Path:
    """The cache folder (absolute); a ValueError names ``$GENTOYS_CACHE_DIR`` when it cannot be one."""
    value = os.environ.get(ENV_DIR)
    if value is None:
        import platformdirs

        return Path(platformdirs.user_cache_dir("gentoys"))
    if not value.strip():
        raise ValueError(f"{ENV_DIR} is empty: unset it (the user cache folder) or name a folder")
    path = Path(value).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{ENV_DIR}={value} is not a folder")
    return path


def sources(root: Path = _THEORY) -> list[Path]:
    """Every file under ``root`` that the key covers (compiled bytecode left out), sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo"))


def compute_key(root: Path = _THEORY) -> str:
    """The SHA-256 of the theory's sources under ``root`` and of the versions the pickles depend on."""
    import mpmath
    import sympy

    h = hashlib.sha256()
    h.update(f"format {FORMAT}\npython {sys.version_info[0]}.{sys.version_info[1]}\nsympy {sympy.__version__}\n"
             f"mpmath {mpmath.__version__}\n".encode())
    for path in sources(root):
        data = path.read_bytes()
        h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def key() -> str:
    """This process's key (the sources are read once)."""
    return compute_key()


def entry_dir(root: Path | None = None, key_: str | None = None) -> Path:
    """The folder of one key's entries."""
    return (root or cache_dir()) / "derivations" / (key_ or key())[:24]


def paths(module: str, root: Path | None = None, key_: str | None = None) -> tuple[Path, Path]:
    """The payload and the checksum file of ``module``'s entry."""
    payload = entry_dir(root, key_) / f"{module}.pickle"
    return payload, payload.with_name(payload.name + ".sha256")


def load(module: str) -> tuple[str, dict[str, Any] | None]:
    """``("hit", payload)``, ``("missing", None)`` or ``("corrupt", None)``; a payload is a dict with ``names``
    (what ``derive()`` returned) and ``records`` (the derivation records it made)."""
    payload_path, sum_path = paths(module)
    try:
        expected = sum_path.read_text(encoding="ascii").strip()
        data = payload_path.read_bytes()
    except FileNotFoundError:
        return ("corrupt" if payload_path.exists() or sum_path.exists() else "missing"), None
    except (OSError, UnicodeDecodeError):
        return "corrupt", None
    if hashlib.sha256(data).hexdigest() != expected:
        return "corrupt", None
    try:
        payload = _unpickle(data)
    except Exception:  # noqa: BLE001 - whatever a damaged or foreign pickle raises, it is not trusted
        return "corrupt", None
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT and payload.get("key") == key()
            and payload.get("module") == module and isinstance(payload.get("names"), dict)
            and all(isinstance(k, str) for k in payload["names"]) and isinstance(payload.get("records"), list)):
        return "corrupt", None
    return "hit", payload


def _unpickle(data: bytes) -> Any:
    """Unpickle with SymPy's evaluation off: an expression is rebuilt from its arguments exactly as stored
    (evaluating would, e.g., distribute the rational factor of a factored form again)."""
    import sympy as sp

    with sp.evaluate(False):
        return pickle.loads(data)


def _dumps(payload: Any) -> bytes:
    """Pickle ``payload``; polynomials go as expression, generators and domain (see :func:`_poly`)."""
    import io

    import sympy as sp

    class Pickler(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, sp.Poly):
                return _poly, (type(obj), obj.as_expr(), obj.gens, str(obj.domain))
            return NotImplemented

    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(payload)
    return buffer.getvalue()


def _poly(cls: type, expr: Any, gens: tuple, domain: str) -> Any:
    """A polynomial rebuilt with evaluation on: its constructor needs canonical expressions, which the
    unevaluated load of its own pickle does not give."""
    import sympy as sp

    with sp.evaluate(True):
        return cls(expr, *gens, domain=domain)


def store(module: str, names: dict[str, Any], records: list) -> Path | None:
    """Write ``module``'s entry atomically (payload, then checksum); None when the folder is not writable.

    A value that does not pickle is a TypeError naming it: what ``derive()`` returns must be data.
    """
    payload = {"format": FORMAT, "key": key(), "module": module, "names": names, "records": records}
    try:
        data = _dumps(payload)
    except Exception as exc:  # noqa: BLE001 - find the name to blame
        for name, value in names.items():
            try:
                _dumps(value)
            except Exception:  # noqa: BLE001
                raise TypeError(f"derivation {module}: {name!r} ({type(value).__name__}) does not pickle, so it "
                                f"cannot be cached: {exc}") from None
        raise TypeError(f"derivation {module}: its records do not pickle: {exc}") from None
    payload_path, sum_path = paths(module)
    try:
        payload_path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(payload_path, data)
        _atomic_write(sum_path, (hashlib.sha256(data).hexdigest() + "\n").encode("ascii"))
    except OSError:
        return None
    return payload_path


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def info() -> dict[str, Any]:
    """Where the cache is, this process's key, its entries and the size of every key's entries."""
    root = cache_dir()
    base = root / "derivations"
    current = entry_dir(root)
    keys = {}
    if base.is_dir():
        for d in sorted(p for p in base.iterdir() if p.is_dir()):
            keys[d.name] = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
    modules = sorted(p.name[: -len(".pickle")] for p in current.glob("*.pickle")) if current.is_dir() else []
    return {"dir": str(root), "key": key(), "entry_dir": str(current), "modules": modules,
            "bytes": sum(keys.values()), "keys": keys}


def clear() -> tuple[int, int]:
    """Remove every key's entries (only the cache's own ``derivations`` folder); the number of files and bytes."""
    base = cache_dir() / "derivations"
    if not base.is_dir():
        return 0, 0
    files = [f for f in base.rglob("*") if f.is_file()]
    size = sum(f.stat().st_size for f in files)
    shutil.rmtree(base)
    return len(files), size
