"""Atomic outputs: an interrupted write (an exception or a KeyboardInterrupt at any point) leaves the
previous file intact and no temp file behind - for write_atomic itself, `gentoys derive`, the figure
writer and `gentoys verify --json` (which writes nothing when a check crashes)."""
from __future__ import annotations

import dataclasses
import io
import os

import pytest
from click.testing import CliRunner
from strategies import one_torch_thread  # noqa: F401

import gentoys.checks.framework.profile
import gentoys.checks.framework.registry as registry
import gentoys.checks.outputs.docs
import gentoys.checks.outputs.files as files
from gentoys.checks.claims import load_all
from gentoys.checks.cli import main
from gentoys.checks.outputs.files import write_atomic

OLD = "previous content\n"
CHEAP = ["--only", "mp_lambda_R", "--only", "soft_threshold_is_prox"]


def _listing(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    return target


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_replace_interrupted_keeps_previous_file(old_file, monkeypatch, interrupt):
    """The rename is the commit point: if it never happens the old file is untouched, the temp file gone."""
    def failing_replace(src, dst):
        raise interrupt("interrupted at the rename")

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(interrupt):
        write_atomic(old_file, "new content\n" * 1000)
    assert old_file.read_text() == OLD
    assert _listing(old_file.parent) == ["out.txt"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, MemoryError])
@pytest.mark.parametrize("data", ["new text " * 5000, b"new bytes " * 5000])
def test_writer_interrupted_half_way_keeps_previous_file(old_file, monkeypatch, interrupt, data):
    """The writer gets half the data to disk, then is interrupted: the target still holds the old bytes."""
    real_fdopen = os.fdopen

    def half_then_interrupt(fd, mode="r", **kwargs):
        fh = real_fdopen(fd, mode, **kwargs)

        class Half(io.IOBase):
            def write(self, payload):
                fh.write(payload[: len(payload) // 2])
                fh.flush()
                raise interrupt("interrupted mid-write")

            def __exit__(self, *exc):
                fh.close()
                return False

        return Half()

    monkeypatch.setattr(files.os, "fdopen", half_then_interrupt)
    with pytest.raises(interrupt):
        write_atomic(old_file, data)
    assert old_file.read_text() == OLD
    assert _listing(old_file.parent) == ["out.txt"]


def test_successful_write_replaces_whole_file(old_file):
    write_atomic(old_file, "new\n")
    assert old_file.read_text() == "new\n" and _listing(old_file.parent) == ["out.txt"]


def test_derive_interrupted_keeps_previous_document(tmp_path, monkeypatch):
    """`gentoys derive --out PATH` interrupted at the rename: the previous document stays as it was."""
    monkeypatch.setattr(gentoys.checks.outputs.docs, "render", lambda: "# Derivations\n\nnew render\n")
    doc = tmp_path / "derivations.md"
    doc.write_text(OLD)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    result = CliRunner().invoke(main, ["derive", "--out", str(doc)])
    assert result.exit_code == 2 and "Aborted" in result.output  # an interrupted run did not complete
    assert doc.read_text() == OLD
    assert _listing(tmp_path) == ["derivations.md"]


def test_figure_writer_replaces_each_file_atomically(tmp_path, monkeypatch):
    """A figure is a PNG and a CSV; an interruption between them leaves the new PNG, the old CSV
    (each file whole) and no temp file."""
    import matplotlib.pyplot as plt

    from gentoys.checks.outputs import figures

    (tmp_path / "f.png").write_bytes(b"old png")
    (tmp_path / "f.csv").write_text(OLD)
    real_replace = os.replace
    calls = []

    def second_call_interrupted(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", second_call_interrupted)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(KeyboardInterrupt):
        figures._save(fig, [{"x": 0, "y": 0}, {"x": 1, "y": 1}], tmp_path, "f")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "f.csv").read_text() == OLD
    assert _listing(tmp_path) == ["f.csv", "f.png"]


# --- gentoys verify --json ---------------------------------------------------------------------

@pytest.fixture
def tiny_quick(monkeypatch):
    base = gentoys.checks.framework.profile.PROFILES["quick"]
    small = dict(name="quick", dim=120, n_sets=12, ratios=(0.7,), n_probes=3, sim_dim=60, sim_sets=6, sim_epochs=50)
    names = {f.name for f in dataclasses.fields(base)}
    monkeypatch.setitem(gentoys.checks.framework.profile.PROFILES, "quick",
                        dataclasses.replace(base, **{k: v for k, v in small.items() if k in names}))


def _replace_check(monkeypatch, cid, exc):
    claims = load_all()

    def crash(ctx):
        raise exc

    monkeypatch.setitem(registry.CLAIMS, cid, dataclasses.replace(claims[cid], check=crash))


@pytest.mark.parametrize("exc", [RuntimeError("planted crash"), KeyboardInterrupt()])
def test_verify_json_writes_nothing_when_a_check_crashes(tiny_quick, monkeypatch, tmp_path, exc):
    """A crash (or an interruption) in the last check: no new report, an old report untouched, no temp file."""
    _replace_check(monkeypatch, "soft_threshold_is_prox", exc)
    fresh, old = tmp_path / "fresh.json", tmp_path / "old.json"
    old.write_text(OLD)
    for path in (fresh, old):
        result = CliRunner().invoke(main, ["verify", *CHEAP, "--json", str(path)])
        if isinstance(exc, KeyboardInterrupt):  # an interrupted run did not complete: exit 2
            assert result.exit_code == 2 and "Aborted" in result.output
        else:  # a crashing check is CheckCrashed, exit 2
            assert result.exit_code == 2 and "planted crash" in result.output
    assert not fresh.exists()
    assert old.read_text() == OLD
    assert _listing(tmp_path) == ["old.json"]


def test_verify_json_keeps_old_report_when_serializing_fails(tiny_quick, monkeypatch, tmp_path):
    """Every check ran but building the report text fails: the old report stays."""
    import gentoys.checks.outputs.report

    def broken(*args, **kwargs):
        raise ValueError("cannot serialize")

    monkeypatch.setattr(gentoys.checks.outputs.report, "dumps", broken)
    old = tmp_path / "old.json"
    old.write_text(OLD)
    result = CliRunner().invoke(main, ["verify", *CHEAP, "--json", str(old)])
    assert result.exit_code == 2 and "error: the run could not complete: ValueError: cannot serialize" in result.output
    assert old.read_text() == OLD and _listing(tmp_path) == ["old.json"]
