"""What the commands write, and when: a report reproducible but for its timings, figures moved in whole at
the end of a run (an interrupted run leaves the folder as it was), paths printed absolute, a write that
fails at the end said in one line."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from strategies import one_torch_thread  # noqa: F401

import gentoys.checks.framework.profile
import gentoys.checks.outputs.docs as docs_module
import gentoys.checks.outputs.figures as figures_module
import gentoys.checks.outputs.files as files
from gentoys.checks.cli import main
from gentoys.checks.framework.profile import tiny as tiny_profile
from gentoys.checks.outputs.files import check_output, staged_folder

CHEAP = ["--only", "mp_lambda_R", "--only", "soft_threshold_is_prox", "--only", "s0_norm_expectation"]


@pytest.fixture(autouse=True)
def _small_quick_profile(monkeypatch):
    monkeypatch.setitem(gentoys.checks.framework.profile.PROFILES, "quick", tiny_profile("quick"))


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the report ---------------------------------------------------------------------------------

def test_two_runs_give_the_same_report_but_for_the_timing_object(tmp_path):
    """Everything but ``timing`` is identical between two runs of one seed (a sampled claim included);
    ``timing`` holds one number of seconds per claim, and no claim carries a time of its own."""
    docs = []
    for name in ("a.json", "b.json"):
        result = CliRunner().invoke(main, ["verify", *CHEAP, "--seed", "5", "--json", str(tmp_path / name), "-q"])
        assert result.exit_code == 0, result.output
        docs.append(json.loads((tmp_path / name).read_text()))
    timings = [doc.pop("timing") for doc in docs]
    assert docs[0] == docs[1]
    ids = [c["id"] for c in docs[0]["claims"]]
    assert all(list(t) == ids and all(s >= 0 for s in t.values()) for t in timings)
    assert not any("seconds" in c for c in docs[0]["claims"])


# --- figures: made aside, moved in at the end ----------------------------------------------------

def _figures(calls, interrupt_at=None):
    """Three stand-in figures writing through the real writer; the one numbered ``interrupt_at`` is Ctrl-C."""
    import matplotlib.pyplot as plt

    def make(i):
        def figure(ctx, out):
            calls.append(out)
            if i == interrupt_at:
                raise KeyboardInterrupt
            fig, ax = plt.subplots()
            ax.plot([0, i])
            return figures_module._save(fig, [{"x": 0, "y": i}], out, f"fig{i}")
        return figure

    return {f"fig{i}": make(i) for i in range(3)}


@pytest.fixture
def old_figures(tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    for i in range(3):
        (out / f"fig{i}.png").write_bytes(b"old png")
        (out / f"fig{i}.csv").write_text("old csv\n")
    (out / "notes.txt").write_text("the user's own file\n")
    return out


def test_figures_interrupted_leaves_the_folder_as_it_was(old_figures, monkeypatch):
    """Ctrl-C at the third figure: the folder holds exactly its old files (none of the two new ones), and
    no temporary folder is left beside it."""
    before = _listing(old_figures)
    calls = []
    monkeypatch.setattr(figures_module, "FIGURES", _figures(calls, interrupt_at=2))
    result = CliRunner().invoke(main, ["figures", "--out", str(old_figures), "-q"])
    assert result.exit_code == 2 and "Aborted" in result.output
    assert len(calls) == 3 and all(out != old_figures for out in calls)  # made elsewhere
    assert _listing(old_figures) == before
    assert sorted(p.name for p in old_figures.parent.iterdir()) == ["figures"]


def test_figures_complete_replace_the_figures_and_keep_other_files(old_figures, monkeypatch):
    calls = []
    monkeypatch.setattr(figures_module, "FIGURES", _figures(calls))
    result = CliRunner().invoke(main, ["figures", "--out", str(old_figures)])
    assert result.exit_code == 0, result.output
    after = _listing(old_figures)
    assert sorted(after) == sorted([f"fig{i}.{ext}" for i in range(3) for ext in ("png", "csv")] + ["notes.txt"])
    assert all(after[f"fig{i}.png"].startswith(b"\x89PNG") for i in range(3))
    assert after["notes.txt"] == b"the user's own file\n"
    assert [line.split()[1] for line in result.output.splitlines() if line.startswith("wrote")] == \
        [str(old_figures / f"fig{i}.{ext}") for i in range(3) for ext in ("png", "csv")]
    assert sorted(p.name for p in old_figures.parent.iterdir()) == ["figures"]


def test_figures_into_a_new_folder_create_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(figures_module, "FIGURES", _figures([]))
    out = tmp_path / "new" / "figures"
    result = CliRunner().invoke(main, ["figures", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert len(_listing(out)) == 6
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # not mkdtemp's 0o700


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ctrl_c_while_the_files_move_in_is_delivered_after_all_of_them(tmp_path, monkeypatch):
    """The moves into an existing folder are one step for Ctrl-C: a SIGINT during the first rename is held
    until every file is in, then raised."""
    out = tmp_path / "out"
    out.mkdir()
    real_replace = os.replace
    sent = []

    def replace_with_sigint(src, dst):
        if not sent:
            sent.append(dst)
            os.kill(os.getpid(), signal.SIGINT)
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace_with_sigint)
    with pytest.raises(KeyboardInterrupt):
        with staged_folder(out) as staging:
            for name in "abc":
                (staging / name).write_text(name)
    assert sent and _listing(out) == {"a": b"a", "b": b"b", "c": b"c"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- checked before, written after ---------------------------------------------------------------

@pytest.mark.parametrize("folder", [False, True])
def test_check_output_accepts_new_and_existing_places(tmp_path, folder):
    existing = tmp_path / "there"
    existing.mkdir() if folder else existing.write_text("old")
    for path in (existing, tmp_path / "a" / "b" / "new"):
        assert check_output(path, folder=folder) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["there"]  # the probe file is gone, no folder made


def test_a_write_that_fails_at_the_end_is_one_error_line(tmp_path, monkeypatch):
    """The place was writable when checked but the write fails (a full disk): one `error:` line, exit 2."""
    def full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_atomic", full)
    result = CliRunner().invoke(main, ["verify", "--only", "mp_lambda_R", "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: --json {tmp_path / 'r.json'}: could not write it: No space left on device" in result.output


def test_derive_prints_the_absolute_path(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_module, "render", lambda: "# Derivations\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["derive", "--out", "sub/derivations.md"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {tmp_path / 'sub' / 'derivations.md'}"


def test_errors_prints_the_absolute_path(tmp_path, monkeypatch):
    from tools import errors

    monkeypatch.setattr(errors, "render", lambda: "# Input errors\n")
    monkeypatch.setattr(errors, "ROOT", tmp_path)  # a document inside the checkout, as the real one is
    monkeypatch.setattr(errors, "DOC_PATH", tmp_path / "docs" / "errors.md")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["errors"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {tmp_path / 'docs' / 'errors.md'}"
    assert Path(result.output.split()[-1]).is_absolute()


def test_figures_into_the_current_folder_and_a_read_only_one(tmp_path, monkeypatch):
    """`--out .` works (the temporary folder sits in it, and is gone after); a folder the files cannot be
    moved into is refused before any figure is made."""
    calls = []
    monkeypatch.setattr(figures_module, "FIGURES", _figures(calls))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["figures", "--out", ".", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"fig{i}.{e}" for i in range(3) for e in ("png", "csv"))
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(files.tempfile, "mkstemp", _refuse_in(locked))
    result = CliRunner().invoke(main, ["figures", "--out", str(locked)])
    assert result.exit_code == 2 and "no file can be created in" in result.output and len(calls) == 3


def _refuse_in(folder: Path):
    """mkstemp that fails inside ``folder`` as a read-only folder does (chmod alone does not stop root)."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve() == folder.resolve():
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    return mkstemp
