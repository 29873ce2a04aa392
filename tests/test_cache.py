"""The disk cache of derivations (gentoys.theory.core.cache): a cached load equals a fresh derivation, and a
corrupt, partial or stale entry is never trusted but derived again."""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from gentoys.checks.cli import main
from gentoys.theory.core import cache, derivation
from gentoys.theory.core.lambdified import Lambdified, lambdify

ROOT = Path(__file__).resolve().parents[1]
x = sp.Symbol("x", positive=True)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache folder of this test's, the cache on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    monkeypatch.setattr(cache, "_mode", "on")
    return folder


def _names():
    return {"half": sp.Mul(sp.Rational(1, 2), x + 1, evaluate=False), "f": lambdify(x, sp.sqrt(x), "numpy")}


# --- the key ------------------------------------------------------------------------------------------------

def test_the_key_covers_every_theory_file_and_the_versions(tmp_path, monkeypatch):
    tree = tmp_path / "theory"
    shutil.copytree(ROOT / "theory", tree, ignore=shutil.ignore_patterns("__pycache__"))
    base = cache.compute_key(tree)
    assert cache.compute_key(tree) == base and base == cache.compute_key(ROOT / "theory")
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "lasso.cpython-311.pyc").write_bytes(b"bytecode")
    assert cache.compute_key(tree) == base  # bytecode is not source
    lasso = tree / "lasso.py"
    lasso.write_text(lasso.read_text() + "\n# an edit\n")
    edited = cache.compute_key(tree)
    assert edited != base
    (tree / "core" / "notes.txt").write_text("a new file\n")
    assert cache.compute_key(tree) not in (base, edited)
    monkeypatch.setattr(sp, "__version__", "0.0.0")
    assert cache.compute_key(ROOT / "theory") != base


def test_the_derivations_read_nothing_outside_theory():
    """Why the key is theory/ alone: no theory source imports checks/ (the seed transcription included)."""
    for path in cache.sources(ROOT / "theory"):
        text = path.read_text(encoding="utf-8")
        assert "gentoys.checks" not in text and "from checks" not in text and "import checks" not in text, path


# --- store and load -----------------------------------------------------------------------------------------

def test_a_stored_entry_loads_back_equal_and_unevaluated(cache_dir):
    names = _names()
    record = derivation.Derivation("toy", "Toy", "a model")
    record.step("a step", names["half"], name="half")
    assert cache.store("toy", names, [record]) is not None
    status, payload = cache.load("toy")
    assert status == "hit"
    assert sp.srepr(payload["names"]["half"]) == sp.srepr(names["half"])  # not distributed to x/2 + 1/2
    assert payload["records"][0] == record
    assert sp.Rational(1, 2) * (x + 1) == x / 2 + sp.Rational(1, 2)  # SymPy evaluates as before afterwards


def test_lambdified_functions_are_rebuilt_not_pickled(cache_dir):
    f = _names()["f"]
    assert f(4.0) == 2.0 and f.built
    data = pickle.dumps(f)
    assert b"lambdifygenerated" not in data and b"numpy" in data
    back = pickle.loads(data)
    assert isinstance(back, Lambdified) and not back.built and back(9.0) == 3.0
    with pytest.raises(Exception):
        pickle.dumps(sp.lambdify(x, sp.sqrt(x)))  # what Lambdified replaces: generated code does not pickle


def test_a_value_that_does_not_pickle_is_a_type_error_naming_it(cache_dir):
    with pytest.raises(TypeError, match=r"derivation toy: 'gen' \(generator\) does not pickle"):
        cache.store("toy", {"gen": (i for i in range(2))}, [])


def test_scaffolding_is_not_kept():
    import gentoys.theory.tuning as module

    kept = derivation.kept({"__doc__": "", "m": module, "helper": lambda: 1, "keep": x, "d": module.derive})
    assert kept == {"keep": x}


def _write_raw(module: str, data: bytes, checksum: str | None = None) -> None:
    payload, sums = cache.paths(module)
    payload.parent.mkdir(parents=True, exist_ok=True)
    payload.write_bytes(data)
    sums.write_text((checksum or hashlib.sha256(data).hexdigest()) + "\n")


def _valid(module: str = "toy") -> bytes:
    cache.store(module, _names(), [])
    return cache.paths(module)[0].read_bytes()


CORRUPTIONS = {
    "truncated": lambda: _write_raw("toy", (d := _valid())[: len(d) // 2], hashlib.sha256(d).hexdigest()),
    "truncated with its own checksum": lambda: _write_raw("toy", _valid()[:-7]),
    "garbage bytes": lambda: _write_raw("toy", os.urandom(512)),
    "garbage bytes, old checksum": lambda: _write_raw("toy", os.urandom(512), hashlib.sha256(_valid()).hexdigest()),
    "a pickle of something else": lambda: _write_raw("toy", pickle.dumps(["not", "a", "payload"])),
    "another module's payload": lambda: _write_raw("toy", _valid("other")),
    "another key's payload": lambda: _write_raw("toy", pickle.dumps({**pickle.loads(_valid()), "key": "0" * 64})),
    "a valid payload beside an older checksum (a write cut between its two renames)": lambda: _write_raw(
        "toy", (cache.store("toy", {"other": x}, []), cache.paths("toy")[0].read_bytes())[1],
        hashlib.sha256(_valid()).hexdigest()),
    "checksum file missing (a write cut short)": lambda: (_valid(), cache.paths("toy")[1].unlink()),
    "payload missing": lambda: (_valid(), cache.paths("toy")[0].unlink()),
    "checksum not ascii": lambda: (_valid(), cache.paths("toy")[1].write_bytes(b"\xff\xfe")),
}


@pytest.mark.parametrize("damage", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_a_damaged_entry_is_reported_corrupt(cache_dir, damage):
    CORRUPTIONS[damage]()
    assert cache.load("toy") == ("corrupt", None)


def test_a_missing_entry_and_a_stale_one_are_not_found(cache_dir, monkeypatch):
    assert cache.load("toy") == ("missing", None)
    _valid()
    assert cache.load("toy")[0] == "hit"
    cache.key.cache_clear()
    monkeypatch.setattr(cache, "compute_key", lambda root=None: "f" * 64)  # the sources changed
    try:
        assert cache.load("toy") == ("missing", None)
    finally:
        cache.key.cache_clear()


def test_an_interrupted_write_leaves_the_old_entry_and_no_temporary_file(cache_dir, monkeypatch):
    _valid()
    before = cache.paths("toy")[0].read_bytes()

    def fail(*args):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        assert cache.store("toy", {"other": x}, []) is None  # a failed write is no error: the run goes on
    assert cache.paths("toy")[0].read_bytes() == before
    assert sorted(p.name for p in cache.paths("toy")[0].parent.iterdir()) == ["toy.pickle", "toy.pickle.sha256"]
    assert cache.load("toy")[0] == "hit"


# --- Derived: loaded, or derived again and rewritten ---------------------------------------------------------

@pytest.fixture
def toy(cache_dir, monkeypatch):
    """A cacheable derivation called ``toy`` and the count of its runs."""
    monkeypatch.setattr(derivation, "REGISTRY", {})
    runs = []

    def make():
        def derive():
            runs.append(1)
            record = derivation.new("toy_record", "Toy", "model")
            value = record.step("value", sp.Mul(2, x + 1, evaluate=False))
            f = lambdify(x, value, "math")
            return locals()

        d = derivation.Derived(derive)
        d.module, d.cacheable = "toy", True
        return d

    return make, runs


def _fresh_process(monkeypatch):
    monkeypatch.setattr(derivation, "REGISTRY", {})


def test_a_derivation_is_stored_then_loaded_instead_of_run(toy, monkeypatch):
    make, runs = toy
    first = make()
    assert first().f(1.0) == 4.0 and first.source == "derived" and runs == [1]
    _fresh_process(monkeypatch)
    second = make()
    assert second().f(1.0) == 4.0 and second.source == "cache" and runs == [1]
    assert sp.srepr(second().value) == sp.srepr(first().value)
    assert derivation.REGISTRY["toy_record"].steps == first().record.steps
    assert derivation.REGISTRY["toy_record"] is second().record  # the record and the name are one object


@pytest.mark.parametrize("damage", ["truncated", "garbage bytes", "a pickle of something else",
                                    "checksum file missing (a write cut short)"])
def test_a_damaged_entry_is_derived_again_and_rewritten(toy, monkeypatch, damage):
    make, runs = toy
    make()()
    data = cache.paths("toy")[0].read_bytes()
    if damage == "truncated":
        cache.paths("toy")[0].write_bytes(data[:100])
    elif damage == "garbage bytes":
        _write_raw("toy", os.urandom(256))
    elif damage == "a pickle of something else":
        _write_raw("toy", pickle.dumps({"format": cache.FORMAT}))
    else:
        cache.paths("toy")[1].unlink()
    _fresh_process(monkeypatch)
    again = make()
    assert again().f(1.0) == 4.0 and again.source == "derived" and runs == [1, 1]
    assert cache.load("toy")[0] == "hit"  # rewritten whole


def test_off_neither_reads_nor_writes_and_refresh_only_writes(toy, monkeypatch):
    make, runs = toy
    monkeypatch.setenv(cache.ENV_OFF, "1")
    make()()
    assert cache.load("toy") == ("missing", None)
    monkeypatch.delenv(cache.ENV_OFF)
    _fresh_process(monkeypatch)
    make()()
    _fresh_process(monkeypatch)
    monkeypatch.setattr(cache, "_mode", "refresh")
    refreshed = make()
    refreshed()
    assert refreshed.source == "derived" and runs == [1, 1, 1] and cache.load("toy")[0] == "hit"


def test_test_modules_are_never_cached(cache_dir):
    @derivation.derived
    def derive():
        return {"v": 1}

    assert not derive.cacheable and derive().v == 1 and not (cache_dir / "derivations").exists()


# --- the whole theory: a cached load equals a fresh derivation -------------------------------------------------

DUMP = r"""
import importlib, json, sys
import sympy as sp
import gentoys.theory as th
from gentoys.checks.outputs.docs import render
from gentoys.theory.core import cache, derivation
from gentoys.theory.core.lambdified import Lambdified

cache.set_mode(sys.argv[1])
text = render()
out, sources = {}, {}
def walk(v, path):
    if isinstance(v, Lambdified):
        out[path] = "lambdified " + sp.srepr(v.expr)
    elif isinstance(v, (sp.Basic, sp.MatrixBase)):
        out[path] = sp.srepr(v)
    elif isinstance(v, dict):
        for k, w in v.items(): walk(w, f"{path}[{k!r}]")
    elif isinstance(v, (list, tuple)):
        for i, w in enumerate(v): walk(w, f"{path}[{i}]")
    elif isinstance(v, derivation.Derivation):
        out[path] = [v.title, v.model, [(s.text, s.name, sp.srepr(s.expr)) for s in v.steps]]
    else:
        out[path] = repr(v) if isinstance(v, (int, float, str, bool, type(None))) else type(v).__name__
for m in sorted(set(th._EXPORTS.values()) | {"tuning", "factorization"}):
    d = getattr(importlib.import_module(f"gentoys.theory.{m}"), "derive", None)
    if d is not None:
        walk(vars(d()), m)
        sources[m] = d.source
for key, record in derivation.REGISTRY.items():
    walk(record, "REGISTRY." + key)
json.dump({"docs": text, "names": out, "sources": sources}, open(sys.argv[2], "w"))
"""


@pytest.mark.slow
def test_the_theory_from_the_cache_equals_a_fresh_derivation(tmp_path):
    """A process that derives everything (and fills the cache), then one that loads everything from it: the
    same expressions (srepr), the same records, and docs/derivations.md byte for byte, the committed one."""
    import json

    env = {**os.environ, cache.ENV_DIR: str(tmp_path / "cache")}
    env.pop(cache.ENV_OFF, None)
    dumps = {}
    for mode in ("refresh", "on"):
        path = tmp_path / f"{mode}.json"
        run = subprocess.run([sys.executable, "-c", DUMP, mode, str(path)], env=env, capture_output=True, text=True,
                             cwd=ROOT, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        dumps[mode] = json.loads(path.read_text())
    fresh, cached = dumps["refresh"], dumps["on"]
    assert set(fresh["sources"].values()) == {"derived"} and set(cached["sources"].values()) == {"cache"}
    assert cached["names"] == fresh["names"]
    assert cached["docs"] == fresh["docs"] == (ROOT / "docs" / "derivations.md").read_text(encoding="utf-8")


# --- the command line ------------------------------------------------------------------------------------------

def test_cache_info_and_clear(cache_dir):
    cache.store("toy", _names(), [])
    (cache_dir / "keep.txt").write_text("not the cache's\n")
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert str(cache_dir) in info.output and cache.key() in info.output and "derivations cached: 1 (toy)" in info.output
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 2 files" in cleared.output, cleared.output
    assert not (cache_dir / "derivations").exists() and (cache_dir / "keep.txt").exists()
    assert CliRunner().invoke(main, ["cache", "clear"]).output.startswith("removed 0 files")


@pytest.mark.parametrize("value", ["", "{tmp}/plain"])
def test_an_unusable_cache_dir_is_one_error_line_and_exit_2(tmp_path, monkeypatch, value):
    (tmp_path / "plain").write_text("a file\n")
    monkeypatch.setenv(cache.ENV_DIR, value.replace("{tmp}", str(tmp_path)))
    for command in (["cache", "info"], ["cache", "clear"]):
        result = CliRunner().invoke(main, command)
        errors = [line for line in result.output.splitlines() if line.lower().startswith("error:")]
        assert result.exit_code == 2 and len(errors) == 1 and cache.ENV_DIR in errors[0], result.output
        assert "Traceback" not in result.output
    assert (tmp_path / "plain").read_text() == "a file\n"


@pytest.mark.parametrize("args", [["cache"], ["cache", "nothing"], ["cache", "info", "extra"]])
def test_bad_cache_subcommands_exit_2(cache_dir, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output


def test_no_cache_turns_it_off_for_the_command(cache_dir, monkeypatch):
    result = CliRunner().invoke(main, ["--no-cache", "cache", "info"])
    assert result.exit_code == 0 and "(off:" in result.output
    assert cache.mode() == "off"  # and for the processes it starts (monkeypatch restores the environment)


def test_derive_check_never_reads_the_cache(cache_dir, monkeypatch):
    import gentoys.checks.outputs.docs as docs

    seen = []
    monkeypatch.setattr(docs, "render", lambda: seen.append(cache.mode()) or "text")
    out = cache_dir.parent / "d.md"
    out.write_text("text")
    assert CliRunner().invoke(main, ["derive", "--check", "--out", str(out)]).exit_code == 0
    assert CliRunner().invoke(main, ["derive", "--out", str(out)]).exit_code == 0
    assert seen == ["refresh", "on"] and cache.mode() == "on"
