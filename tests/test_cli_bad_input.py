"""Bad input on every command of the CLI, table-driven: each probe must exit 2 with exactly one ``error:`` /
``Error:`` line naming the option, no traceback, nothing written and nothing started (the work itself is
replaced by spies that record a start), and it must return at once.

``PATHS`` are the bad output paths (symlink, FIFO, device, folder, a parent that is a file, an unwritable
place, empty, ``-``, a trailing slash); every output option (verify/bench ``--json``, derive/figures/sweep
``--out``) meets the ones that apply to it.
"""
from __future__ import annotations

import contextlib
import os
import signal
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import gentoys.checks.cli as cli
import gentoys.checks.framework.runner as runner_module
import gentoys.checks.outputs.bench as bench_module
import gentoys.checks.outputs.docs as docs_module
import gentoys.checks.outputs.figures as figures_module
import gentoys.checks.outputs.floors as floors_module
import gentoys.checks.sweeps.engine as engine

TOO_BIG_SEED = str(2**64)
#: a probe returns in well under this (nothing runs); the unreachable scheduler gets its 1 s connect timeout
FAST_S = 5.0


@dataclass(frozen=True)
class Probe:
    args: tuple[str, ...]  # "{tmp}" is the probe's scratch folder
    names: str  # the error line must contain this (the option, or the argument)
    real_connect: bool = False  # sweep: let it try to reach the scheduler (the probe is about that attempt)

    @property
    def id(self) -> str:
        return " ".join(a.replace("{tmp}/", "") for a in self.args) or "(none)"


#: bad file paths: what an option that writes one file must refuse
FILE_PATHS = ["", "-", "newdir/", "{tmp}/link.json", "{tmp}/fifo", "{tmp}/folder", "{tmp}/device", "{tmp}/plain/x.json",
              "/proc/gentoys.json"]
#: bad folder paths: what an option that writes a folder of files must refuse
FOLDER_PATHS = ["", "-", "{tmp}/linkdir", "{tmp}/fifo", "{tmp}/plain", "{tmp}/device", "{tmp}/plain/sub",
                "/proc/gentoys-figures"]


def _probes() -> list[Probe]:
    probes = []
    for path in FILE_PATHS:
        probes += [Probe(("verify", "--json", path), "--json"), Probe(("bench", "--json", path), "--json"),
                   Probe(("floors", "--json", path), "--json"), Probe(("derive", "--out", path), "--out")]
    for path in FOLDER_PATHS:
        probes += [Probe(("figures", "--out", path), "--out"),
                   Probe(("sweep", "ridge_correction", "--out", path), "--out")]
    for command in ("verify", "figures", "sweep ridge_correction"):
        for seed in (TOO_BIG_SEED, "-1", "1.5"):
            probes.append(Probe((*command.split(), "--seed", seed), "--seed"))
    probes += [
        Probe(("verify", "--only", "no_such_claim"), "no_such_claim"),
        Probe(("verify", "--profile", "huge"), "--profile"),
        Probe(("verify", "--threads", "0"), "--threads"),
        Probe(("verify", "--device", "tpu"), "--device"),
        Probe(("bench", "--baseline-sets", "0"), "--baseline-sets"),
        Probe(("figures", "--device", "tpu"), "--device"),
        Probe(("derive", "--check", "--out", "{tmp}/fifo"), "--out"),
        Probe(("bench", "--sets", "0"), "--sets"),
        Probe(("bench", "--epochs-scale", "0"), "--epochs-scale"),
        Probe(("bench", "--workload", "bogus"), "--workload"),
        Probe(("bench", "--threads", "0"), "--threads"),
        Probe(("floors", "--threads", "0"), "--threads"),
        Probe(("sweep",), "NAME"),
        Probe(("sweep", "no_such_sweep"), "no_such_sweep"),
        Probe(("sweep", "ridge_correction", "--grid", "q=abc"), "--grid q"),
        Probe(("sweep", "ridge_correction", "--grid", "q=1.5"), "--grid q"),
        Probe(("sweep", "ridge_correction", "--grid", "q=1.5,2,3"), "--grid q"),
        Probe(("sweep", "ridge_correction", "--grid", "D=0"), "--grid D"),
        Probe(("sweep", "ridge_correction", "--grid", "D=40.5"), "--grid D"),
        Probe(("sweep", "ridge_correction", "--grid", "q=0.5", "--grid", "z=1"), "--grid"),
        Probe(("sweep", "ridge_correction", "--grid", "q="), "--grid"),
        Probe(("sweep", "finite_size", "--grid", "method=sgd"), "--grid method"),
        Probe(("sweep", "ridge_correction", "--grid", "q=0.1:0.9:0"), "--grid"),
        Probe(("sweep", "ridge_correction", "--grid", "q=0.5:x:3"), "--grid"),
        Probe(("sweep", "ridge_correction", "--grid", "q=0.5:1.5:3"), "--grid q"),
        Probe(("sweep", "lasso_phase", "--grid", "lam=0"), "--grid lam"),
        Probe(("sweep", "momentum_speedup", "--grid", "eps=nan"), "--grid eps"),
        Probe(("sweep", "ridge_correction", "--workers", "0"), "--workers"),
        Probe(("sweep", "ridge_correction", "--connect-timeout", "0"), "--connect-timeout"),
        Probe(("sweep", "ridge_correction", "--scheduler", "bad://x"), "--scheduler", real_connect=True),
        Probe(("sweep", "ridge_correction", "--scheduler", "tcp://"), "--scheduler", real_connect=True),
        Probe(("sweep", "ridge_correction", "--scheduler", ""), "--scheduler", real_connect=True),
        Probe(("sweep", "ridge_correction", "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", "1"),
              "--scheduler", real_connect=True),
        Probe(("errors", "--bogus"), "--bogus"),
        Probe(("errors", "extra"), "extra"),
    ]
    return probes


PROBES = _probes()


@pytest.fixture(scope="module", autouse=True)
def _imports_done():
    """Import what the commands import (the claims, matplotlib, dask) once, outside the timed probes."""
    from gentoys.checks.claims import load_all
    from gentoys.checks.sweeps import command  # noqa: F401

    load_all()
    import distributed  # noqa: F401


@pytest.fixture
def started(monkeypatch, tmp_path):
    """Spies in place of the work of every command; the list records each start."""
    calls: list[str] = []

    def spy(name, value=None):
        def record(*args, **kwargs):
            calls.append(name)
            return value() if callable(value) else value
        return record

    monkeypatch.setattr(runner_module, "run_claims", spy("verify", []))
    monkeypatch.setattr(docs_module, "render", spy("derive", "# Derivations\n"))

    def figure(ctx, out):
        calls.append("figures")
        out.mkdir(parents=True, exist_ok=True)
        (out / "fake.csv").write_text("x\n1\n")
        return [out / "fake.csv"]

    monkeypatch.setattr(figures_module, "FIGURES", {"fake": figure})
    fake = bench_module.BenchResult(workload="w", baseline_s=1.0, ours_s=1.0, max_rel_gap_of_averaged_losses=0.0)
    monkeypatch.setattr(bench_module, "bench_gen_linear", spy("bench", fake))
    monkeypatch.setattr(bench_module, "bench_network", spy("bench", fake))
    monkeypatch.setattr(engine, "run_sweep", spy("sweep"))
    monkeypatch.setattr(floors_module, "measure", spy("floors"))
    monkeypatch.setattr(floors_module, "measure_in_subprocess", spy("floors"))
    real_in_checkout = cli._in_checkout

    def in_checkout(command, relative):  # derive's default document: a scratch copy, never the checkout's
        if relative.startswith("docs/"):
            return tmp_path / "checkout" / relative
        return real_in_checkout(command, relative)

    monkeypatch.setattr(cli, "_in_checkout", in_checkout)
    return calls


def _scratch(tmp: Path) -> None:
    """The probe's bad paths."""
    (tmp / "target.json").write_text("the link's target\n")
    (tmp / "link.json").symlink_to(tmp / "target.json")
    (tmp / "targetdir").mkdir()
    (tmp / "linkdir").symlink_to(tmp / "targetdir")
    os.mkfifo(tmp / "fifo")
    try:  # a device of our own (a null device's numbers): a broken command replaces it, not the system's
        os.mknod(tmp / "device", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pass
    (tmp / "folder").mkdir()
    (tmp / "plain").write_text("a plain file\n")


@contextlib.contextmanager
def _deadline(seconds: float):
    def expire(signum, frame):
        raise TimeoutError(f"the command was still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _snapshot(*folders: Path) -> dict:
    """Every entry under ``folders``: its type, and a file's size and modification time."""
    seen = {}
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            for name in dirs + names:
                path = Path(root) / name
                st = path.lstat()  # a folder's mtime is left out: checking that a place is writable touches it
                is_dir = stat.S_ISDIR(st.st_mode)
                seen[str(path)] = (st.st_mode,) if is_dir else (st.st_mode, st.st_size, st.st_mtime_ns)
    return seen


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_bad_input_exits_2_with_one_named_error_and_does_nothing(probe, started, monkeypatch, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _scratch(scratch)
    if "{tmp}/device" in probe.args and not (scratch / "device").exists():
        pytest.skip("making a device node needs root")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    if not probe.real_connect:
        _patch_connect(monkeypatch, started)
    before = _snapshot(tmp_path)
    args = [a.replace("{tmp}", str(scratch)) for a in probe.args]
    start = time.perf_counter()
    with _deadline(4 * FAST_S):  # a command blocked (e.g. opening a FIFO) is interrupted, and fails below
        result = CliRunner().invoke(cli.main, args)
    elapsed = time.perf_counter() - start
    output = result.output
    errors = [line for line in output.splitlines() if line.strip().lower().startswith("error:")]
    assert result.exit_code == 2, f"rc {result.exit_code}: {output[-1500:]}"
    assert "Traceback" not in output, output[-3000:]
    assert len(errors) == 1, output[-1500:]
    assert probe.names in errors[0], errors[0]
    assert started == [], f"work started: {started}"
    after = _snapshot(tmp_path)
    assert after == before, f"something was written: {sorted(set(after.items()) ^ set(before.items()))}"
    assert elapsed < FAST_S, f"took {elapsed:.1f} s"


def _patch_connect(monkeypatch, calls):
    @contextlib.contextmanager
    def connect(*args, **kwargs):
        calls.append("cluster")
        yield None

    monkeypatch.setattr(engine, "connect", connect)


def test_probe_count():
    """The table covers every command and every kind of bad path (the count is quoted in the report)."""
    commands = {p.args[0] for p in PROBES if p.args}
    assert commands == {"verify", "figures", "derive", "bench", "floors", "sweep", "errors"}
    assert len(PROBES) >= 80
