"""The ``gentoys`` command line: verify, derive, figures, report, bench, floors, sweep, errors, cache, mutate.

Exit codes, the same for every command:

* 0 (EXIT_OK): done, and every check it made passed.
* 1 (EXIT_FAILED): the run completed but a check failed: two routes disagree
  (verify), a claim is refuted under ``--strict``, a generated document is
  stale (``derive --check``, ``errors --check``).
* 2 (EXIT_BAD_INPUT): bad input (an unknown option value or claim id, a
  parameter out of its domain, a command that needs a checkout run outside
  one), or a run that could not complete (a crashed check, Ctrl-C): an ``error:``
  line on stderr says which, and no report is written.

``-q/--quiet`` and ``-v/--verbose`` on the long commands (verify, figures,
bench) choose between only the result, the default, and per-item detail.

``gentoys --no-cache COMMAND`` derives the theory afresh instead of reading the disk cache of derivations
(and writes nothing to it; child processes inherit the choice); ``derive --check`` never reads the cache.
"""
from __future__ import annotations

import functools
import os
import sys
import traceback
from pathlib import Path

import click
from rich.console import Console

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
#: seeds are 64-bit signed integers for torch and numpy: --seed is bounded here, before any work
SEED = click.IntRange(min=0, max=2**63 - 1)


class OutputPath(click.ParamType):
    """An output file (or folder) checked when the options are read, before any work: a symlink, a FIFO, a
    device, a folder where a file is due, an empty path, ``-``, an unwritable place are usage errors."""

    def __init__(self, folder: bool = False):
        self.folder = folder
        self.name = "folder" if folder else "file"

    def convert(self, value, param, ctx):
        from gentoys.checks.outputs.files import check_output

        try:
            check_output(value, folder=self.folder)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


class SchedulerAddress(click.ParamType):
    """A Dask scheduler address whose scheme is known and whose host:port parses (no connection yet)."""

    name = "address"

    def convert(self, value, param, ctx):
        from gentoys.checks.sweeps.engine import check_address

        try:
            return check_address(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class _Group(click.Group):
    """Click's group: any unexpected exception of a command turns into exit 2 (never 1), and the checkout's
    developer tools (``mutate``) are commands that load only when asked for."""

    TOOLS = {"mutate": ("mutation", "Mutation testing: plant small errors in theory/ and the seed "
                                    "transcriptions, count those caught (needs a source checkout).")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.TOOLS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from gentoys.checks.outputs.files import source_tree

        if name not in self.TOOLS:
            return super().get_command(ctx, name)
        module, text = self.TOOLS[name]
        if source_tree() is None:  # an installed wheel: say what is missing when the command is used
            return click.Command(name, help=text, callback=lambda: _in_checkout(f"gentoys {name}", "tools"))
        return _tool(f"gentoys {name}", module).main

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except (KeyboardInterrupt, click.exceptions.Abort):
            _fail("Aborted (interrupted): the run did not complete")
        except Exception as exc:  # noqa: BLE001 - the exit-code convention: a crash is not "a check failed"
            traceback.print_exc()
            _fail(f"the run could not complete: {type(exc).__name__}: {exc}")


def _fail(message: str) -> None:
    """Report bad input (or a run that could not complete) on stderr and exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def verbosity_options(command):
    """-q/--quiet and -v/--verbose, passed on as ``verbosity`` -1, 0 or 1 (both at once: exit 2)."""

    @click.option("-q", "--quiet", is_flag=True, help="Print only the outcome (a summary line, errors).")
    @click.option("-v", "--verbose", is_flag=True, help="Print detail for each item as it is done.")
    @functools.wraps(command)
    def wrapper(*args, quiet: bool, verbose: bool, **kwargs):
        if quiet and verbose:
            raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
        return command(*args, verbosity=-1 if quiet else (1 if verbose else 0), **kwargs)

    return wrapper


def threads_option(default: int | None = None):
    """--threads N: CPU threads (torch's and numpy/scipy's BLAS) for the whole command, set once before any work
    (never changed mid-run)."""
    help_text = "CPU threads (torch, BLAS) for the whole run" + (
        " (default: the libraries' own); 1 is faster on shared cores." if default is None else ".")

    def decorate(command):
        @click.option("--threads", type=click.IntRange(min=1), default=default, show_default=default is not None,
                      help=help_text)
        @functools.wraps(command)
        def wrapper(*args, threads: int | None, **kwargs):
            from gentoys.sim.core.device import set_cpu_threads

            set_cpu_threads(threads)
            return command(*args, **kwargs)

        return wrapper

    return decorate


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gentoys")
@click.option("--no-cache", is_flag=True,
              help="Derive the theory afresh: neither read nor write the disk cache of derivations.")
def main(no_cache: bool) -> None:
    """Derive, simulate and verify the claims of the generalization toy models.

    Exit codes: 0 ok; 1 a check failed (agreement failed, --strict and a claim refuted, a stale generated
    document); 2 bad input or a run that could not complete.
    """
    if no_cache:
        from gentoys.theory.core import cache as disk_cache

        disk_cache.set_mode("off")


@main.command()
@click.option("--profile", type=click.Choice(["quick", "full", "tiny"]), default="quick", show_default=True,
              help="Size of the numerical and simulated evidence (tiny: a smoke test in seconds).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of every random draw.")
@click.option("--json", "json_path", type=OutputPath(), default=None,
              help="Also write the JSON report here (written only when every check ran; checked before).")
@click.option("--strict", is_flag=True, help="Exit 1 when a claim is not confirmed (erratum, refuted, inconclusive).")
@click.option("--only", multiple=True, metavar="ID", help="Run only these claim ids (repeatable).")
@threads_option(default=1)
@verbosity_options
def verify(profile: str, device: str, seed: int, json_path: str | None, strict: bool, only: tuple[str, ...],
           verbosity: int) -> None:
    """Judge every claim of the seed and print a verdict table.

    Exit 0 when every claim's routes agree, 1 when some disagree (or, with --strict, a claim is refuted),
    2 on bad input or a crashed check. -q prints the summary line only, -v each claim as it is judged and
    its evidence after the table.
    """
    from contextlib import nullcontext

    from gentoys.checks.claims import load_all
    from gentoys.checks.evidence.runs import prefetch_networks
    from gentoys.checks.framework.profile import PROFILES, Context
    from gentoys.checks.framework.runner import CheckCrashed, run_claims
    from gentoys.checks.outputs.report import dumps, print_report

    console = _console()
    ctx = Context(PROFILES[profile], seed=seed, device=_device(device))
    claims = load_all()
    unknown = [i for i in only if i not in claims]
    if unknown:
        raise click.BadParameter(f"unknown claim id(s) {unknown}; known: {sorted(claims)}", param_hint="--only")

    def progress(result, status) -> None:
        line = f"{result.claim.id}: {result.outcome.verdict}"
        if verbosity > 0:
            agreement = {"yes": "agree", "NO": "DISAGREE", "undecided": "undecided",
                         "n/a": "n/a: no second route"}[result.outcome.agreement_label]
            console.print(f"{line} (routes {agreement}, "
                          f"{result.seconds:.1f} s)", highlight=False)
        elif status is not None:
            status.update(line)

    try:
        shown = console.status("deriving and checking...") if verbosity == 0 else nullcontext()
        # the whole suite: the network examples train in a second process meanwhile (docs/performance.md)
        parallel = prefetch_networks(ctx) if not only else nullcontext()
        with shown as status, parallel:
            results = run_claims(claims, ctx, only or None, on_result=lambda r: progress(r, status))
    except (CheckCrashed, ValueError) as exc:
        _fail(str(exc))
    if verbosity >= 0:
        print_report(results, console)
    else:
        _print_summary(results)
    if verbosity > 0:
        _print_evidence(results, console)
    if json_path:
        _write("--json", json_path, dumps(ctx, results))
        if verbosity >= 0:
            console.print(f"report written to {json_path}")
    sys.exit(verify_exit_code(results, strict))


def _write(option: str, path: str | Path, text: str) -> Path:
    """Write an output atomically; a failure (checked before the work, so rare: a full disk) is one error line."""
    from gentoys.checks.outputs.files import write_atomic

    try:
        return write_atomic(path, text)
    except OSError as exc:
        _fail(f"{option} {path}: could not write it: {exc.strerror or exc}")


def verify_exit_code(results, strict: bool) -> int:
    """The convention: 1 when any claim's routes disagree, or with ``strict`` any claim is not confirmed; else 0.
    A claim with no second route, or an undecided cross-check (agreement None), does not fail."""
    if any(r.outcome.agreement is False for r in results):
        return EXIT_FAILED
    if strict and any(r.outcome.verdict != "confirmed" for r in results):
        return EXIT_FAILED
    return EXIT_OK


def _print_summary(results) -> None:
    from gentoys.checks.outputs.report import summary_line

    click.echo(summary_line(results))


def _print_evidence(results, console: Console) -> None:
    console.print("\n[bold]Evidence[/]")
    for r in results:
        console.print(f"[bold]{r.claim.id}[/] ({r.outcome.verdict}, {r.seconds:.1f} s)")
        for ev in r.outcome.evidence:
            agrees = "undecided" if ev.undecided else {True: "agrees", False: "DISAGREES", None: "measured"}[ev.agrees]
            console.print(f"  {ev.kind} [{agrees}] {ev.summary}", markup=False, highlight=False)


def _console() -> Console:
    """Rich console; when output is not a terminal (CI, a pipe) use a wide page, not 80 columns."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=160)


def _device(name: str) -> str:
    from gentoys.sim.core.device import resolve_device

    try:
        return str(resolve_device(name))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--device") from None


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if the committed document differs from a fresh render.")
@click.option("--out", type=OutputPath(), default=None,
              help="Where to write (default: docs/derivations.md of the source checkout).")
def derive(check: bool, out: str | None) -> None:
    """Regenerate docs/derivations.md from the SymPy derivations.

    --check derives afresh (it checks the derivations themselves, so it never reads the disk cache; it
    refreshes the cache's entries unless --no-cache).
    """
    from gentoys.checks.outputs.docs import render
    from gentoys.theory.core import cache as disk_cache

    refresh = check and disk_cache.mode() == "on"
    if refresh:
        disk_cache.set_mode("refresh")

    path = Path(os.path.abspath(out if out is not None else _in_checkout("gentoys derive", "docs/derivations.md")))
    try:
        text = render()
    finally:
        if refresh:
            disk_cache.set_mode("on")
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            click.echo(f"{path} is stale: run `gentoys derive` and commit it", err=True)
            sys.exit(EXIT_FAILED)
        click.echo(f"{path} is current")
        return
    _write("--out", path, text)
    click.echo(f"wrote {path}")


def _in_checkout(command: str, relative: str) -> Path:
    """A path inside the source checkout; a usage error (exit 2) when the package is not run from one."""
    from gentoys.checks.outputs.files import require_source_tree

    try:
        root = require_source_tree(command)
    except RuntimeError as exc:
        raise click.UsageError(str(exc)) from None
    return root / relative


def _tool(command: str, module: str):
    """A developer tool of the checkout's tools/ folder (not installed with the package)."""
    import importlib

    root = _in_checkout(command, "tools").parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"tools.{module}")


@main.command()
@click.option("--out", type=OutputPath(folder=True), default="figures", show_default=True,
              help="Folder of the figures: they are made in a temporary folder beside it and moved in at the end.")
@click.option("--profile", type=click.Choice(["quick", "full", "tiny"]), default="quick", show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@threads_option()
@verbosity_options
def figures(out: str, profile: str, device: str, seed: int, verbosity: int) -> None:
    """Write the figures (PNG) and the numbers behind them (CSV).

    Every figure is made into a temporary folder beside --out and moved into --out only once all are done:
    an interrupted run leaves --out as it was. -q prints nothing but errors, -v each figure with its time
    as it is made.
    """
    from gentoys.checks.framework.profile import PROFILES, Context
    from gentoys.checks.outputs.figures import FIGURES

    ctx = Context(PROFILES[profile], seed=seed, device=_device(device))
    try:
        written = _make_figures(FIGURES, ctx, out, verbosity)
    except OSError as exc:  # moving the finished figures in (the folder was checked before the work)
        _fail(f"--out {out}: could not move the figures in: {exc.strerror or exc}")
    if verbosity >= 0:
        for path in written:
            click.echo(f"wrote {path}")


def _make_figures(figures: dict, ctx, out: str, verbosity: int) -> list[Path]:
    """Every figure into a folder beside ``out``, moved into ``out`` once all are made; the final paths."""
    import time
    from contextlib import nullcontext

    from rich.progress import Progress

    from gentoys.checks.outputs.files import staged_folder

    written = []
    with staged_folder(out) as staging, \
            (Progress(transient=True) if verbosity == 0 else nullcontext()) as progress:
        task = progress.add_task("figures", total=len(figures)) if progress else None
        for name, make in figures.items():
            if progress:
                progress.update(task, description=name)
            start = time.perf_counter()
            try:
                made = make(ctx, staging)
            except (ValueError, OSError) as exc:
                _fail(f"figure {name}: {exc}")
            written += [Path(out) / Path(p).relative_to(staging) for p in made]
            if verbosity > 0:
                click.echo(f"{name}: {len(made)} files in {time.perf_counter() - start:.1f} s")
            if progress:
                progress.advance(task)
    return written


@main.command()
@click.option("--from", "from_path", type=str, default=None, metavar="REPORT.json",
              help="Render this report of `gentoys verify --json` (default: run the verification first).")
@click.option("--out", type=OutputPath(), default="report.html", show_default=True,
              help="Where to write the page (checked before any work).")
@click.option("--figures", "figures_dir", type=str, default=None, metavar="DIR",
              help="PNGs of `gentoys figures --out DIR` to embed in the cards they illustrate.")
@click.option("--profile", type=click.Choice(["quick", "full", "tiny"]), default="quick", show_default=True,
              help="Without --from: the verification's profile.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
              help="Without --from: the verification's device.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Without --from: seed of every random draw.")
@click.option("--only", multiple=True, metavar="ID", help="Without --from: run only these claim ids (repeatable).")
@threads_option()
def report(from_path: str | None, out: str, figures_dir: str | None, profile: str, device: str, seed: int,
           only: tuple[str, ...]) -> None:
    """Write the verification report as one self-contained HTML page (offline: inline style, figures, MathML).

    With --from it renders that JSON (exit 0); otherwise it runs the verification first and exits as
    `gentoys verify` does (1 when our routes disagree), the page written either way. Bad input: exit 2,
    nothing written.
    """
    import json

    from gentoys.checks.outputs.files import write_atomic
    from gentoys.checks.outputs.html import read_figures, render
    from gentoys.checks.outputs.report_input import ReportInputError, check_report, load_report

    if figures_dir is not None and not Path(figures_dir).is_dir():
        _fail(f"--figures {figures_dir}: not a folder (make one with `gentoys figures --out DIR`)")
    try:
        figures = read_figures(figures_dir)
    except OSError as exc:
        _fail(f"--figures {figures_dir}: {exc}")
    code = EXIT_OK
    if from_path is not None:
        try:
            doc = load_report(from_path)
        except (ReportInputError, OSError) as exc:
            _fail(f"--from {from_path}: {exc}")
    else:
        from gentoys.checks.claims import load_all
        from gentoys.checks.framework.profile import PROFILES, Context
        from gentoys.checks.framework.runner import CheckCrashed, run_claims
        from gentoys.checks.outputs.report import dumps

        ctx = Context(PROFILES[profile], seed=seed, device=_device(device))
        try:
            with _console().status("deriving and checking..."):
                results = run_claims(load_all(), ctx, only or None)
        except (CheckCrashed, ValueError) as exc:
            _fail(str(exc))
        doc = json.loads(dumps(ctx, results))
        check_report(doc)
        code = verify_exit_code(results, strict=False)
    path = write_atomic(out, render(doc, figures))
    click.echo(f"report written to {path.resolve()}")
    sys.exit(code)


@main.group()
def cache() -> None:
    """The disk cache of derivations: where it is, how big, which key; clear it.

    Its folder is $GENTOYS_CACHE_DIR or the user's cache folder; entries are keyed by the theory's sources and
    the SymPy, mpmath and Python versions, so an edit to theory/ never reads a stale entry.
    """


def _cache_module():
    from gentoys.theory.core import cache as disk_cache

    try:
        disk_cache.cache_dir()
    except ValueError as exc:
        _fail(str(exc))
    return disk_cache


@cache.command("info")
def cache_info() -> None:
    """Print the cache folder, this checkout's key, its cached derivations and the size of every key's entries."""
    disk_cache = _cache_module()
    try:
        info = disk_cache.info()
    except OSError as exc:
        _fail(f"cannot read the cache folder: {exc}")
    other = {k: v for k, v in info["keys"].items() if not info["key"].startswith(k)}
    click.echo(f"folder: {info['dir']}" + ("" if disk_cache.mode() != "off" else " (off: --no-cache or "
                                           f"{disk_cache.ENV_OFF})"))
    click.echo(f"key: {info['key']}")
    click.echo(f"entries: {info['entry_dir']}")
    click.echo(f"derivations cached: {len(info['modules'])}" + (f" ({', '.join(info['modules'])})"
                                                                  if info["modules"] else ""))
    click.echo(f"size: {_size(info['bytes'])} in all; other keys (older sources or versions): {len(other)}, "
               f"{_size(sum(other.values()))} (`gentoys cache clear` removes them)")


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached derivation (of every key); the next process derives afresh."""
    disk_cache = _cache_module()
    try:
        files, size = disk_cache.clear()
    except OSError as exc:
        _fail(f"cannot clear the cache: {exc}")
    click.echo(f"removed {files} files ({_size(size)}) from {disk_cache.cache_dir() / 'derivations'}")


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024**2 else f"{n / 1024**2:.1f} MiB"


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if docs/errors.md differs from a fresh render.")
def errors(check: bool) -> None:
    """Regenerate docs/errors.md: each bad input and the message it raises."""
    sys.exit(_tool("gentoys errors", "errors").main(["--check"] if check else []))


@main.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the built-in sweeps and their default grids.")
@click.option("--grid", "grid", multiple=True, metavar="KEY=V1,V2|KEY=START:STOP:N",
              help="Replace one axis of the default grid (repeatable).")
@click.option("--out", type=OutputPath(folder=True), default=None, help="Output folder (default: sweeps/NAME).")
@click.option("--scheduler", type=SchedulerAddress(), default=None, metavar="ADDRESS",
              help="A running Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster on this machine).")
@click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help="Give up on --scheduler after this long (exit 2).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="LocalCluster processes (default: cores).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def sweep(name: str | None, list_: bool, grid: tuple[str, ...], out: str | None, scheduler: str | None,
          connect_timeout: float, workers: int | None, device: str, seed: int, quiet: bool) -> None:
    """Run a sweep over a grid on a Dask cluster.

    Exit 0 when every point succeeded, 1 when any failed or was refused (the count is in the summary line and
    summary.json), 2 on bad input (checked, the whole grid included, before the cluster starts) or when the
    scheduler cannot be reached.
    """
    from gentoys.checks.sweeps.command import run_command

    sys.exit(run_command(name, list_, grid, out, scheduler, workers, device, seed, quiet, _console(),
                         connect_timeout=connect_timeout))


WORKLOADS = ("gen_linear", "two_layer", "relu", "lasso", "sweep")
DEFAULT_WORKLOADS = WORKLOADS[:4]  # `sweep` (local clusters): only when asked for


@main.command()
@click.option("--json", "json_path", type=OutputPath(), default=None, help="Also write the timings here.")
@click.option("--workload", "workloads", type=click.Choice(WORKLOADS), multiple=True,
              help="Workloads to time (repeatable; default: all but sweep).")
@click.option("--sets", type=click.IntRange(min=1), default=100, show_default=True,
              help="Data sets of the gen_linear workload.")
@click.option("--net-sets", type=click.IntRange(min=1), default=20, show_default=True,
              help="Data sets of each network workload (the full profile's).")
@click.option("--baseline-sets", type=click.IntRange(min=1), default=2, show_default=True,
              help="Network workloads: data sets the per-set baseline is timed on (its time is per set).")
@click.option("--lasso-sets", type=click.IntRange(min=1), default=8, show_default=True,
              help="Instances per case of the lasso workload (D = 1000, both teachers, both seed penalties).")
@click.option("--lasso-repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="Lasso workload: interleaved repeats of ours and scikit-learn (the median ratio is reported).")
@click.option("--epochs-scale", type=click.FloatRange(min=0, min_open=True, max=1), default=1.0, show_default=True,
              help="Fraction of each workload's epochs (below 1: a smoke test, not a timing to quote).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--no-floors", is_flag=True,
              help="Skip measuring this machine's floors (GEMM rates, read bandwidths) and each workload's floor.")
@threads_option(default=1)
@verbosity_options
def bench(json_path: str | None, workloads: tuple[str, ...], sets: int, net_sets: int, baseline_sets: int,
          lasso_sets: int, lasso_repeats: int, epochs_scale: float, device: str, no_floors: bool,
          verbosity: int) -> None:
    """Time each workload against its straightforward per-set loop, in one run (both sides with the same
    --threads; the sweep's workers keep their own), and against this machine's floor for the same work.

    First the floors are measured (a few seconds; CPU only): GEMM rates and read bandwidths at this run's
    --threads, and in a second process at the other count (all cores, or one). A workload's floor is the sum
    over its phases of max(flops / GEMM rate, bytes / bandwidth of the level its working set lives in), at
    this run's thread count (docs/performance.md).

    -q prints nothing but errors (use --json for the numbers), -v every timing field of each workload.
    """
    import json
    from contextlib import nullcontext

    from gentoys.checks.outputs.bench import bench_gen_linear, bench_lasso, bench_network
    from gentoys.sim import networks
    from gentoys.sim.linear import LinearSetting

    dev = _device(device)
    epochs = lambda full: max(1, round(full * epochs_scale))  # noqa: E731
    net = lambda s: s.with_(n_sets=net_sets, device=dev, epochs=epochs(s.epochs))  # noqa: E731
    jobs = {
        "gen_linear": lambda: bench_gen_linear(LinearSetting(n_sets=sets, device=dev,
                                                             epochs=epochs(LinearSetting.epochs))),
        "two_layer": lambda: bench_network(net(networks.TWO_LAYER), baseline_sets),
        "relu": lambda: bench_network(net(networks.RELU), baseline_sets),
        "lasso": lambda: bench_lasso(n_sets=lasso_sets, repeats=lasso_repeats),
        "sweep": lambda: __import__("gentoys.checks.sweeps.bench", fromlist=["bench_sweep"]).bench_sweep(),
    }
    results, done = {}, {}
    start = None
    if not no_floors:
        start, results["floors"] = _bench_floors(dev, verbosity)
    for name in workloads or DEFAULT_WORKLOADS:
        status = Console().status(f"timing {name} (batched, then the per-set baseline)...") if verbosity == 0 \
            else nullcontext()
        try:
            with status:
                result = jobs[name]()
        except ValueError as exc:
            _fail(f"workload {name}: {exc}")
        done[name] = result
        if verbosity >= 0 and name == "lasso":
            for case in result.notes["cases"]:
                click.echo(f"lasso d/D={case['teacher_share']:g} lam={case['lam']:g}: ours "
                           f"{case['ours_s_per_instance']:.3f} s, scikit-learn {case['sklearn_s_per_instance']:.3f} s "
                           f"per instance, ours/scikit-learn {case['median_ours_over_sklearn']:.2f} (median), "
                           f"l_gen gap {case['max_rel_gen_gap']:.1e}, KKT ours {case['ours_max_kkt']:.1e} "
                           f"scikit-learn {case['sklearn_max_kkt']:.1e}")
        elif verbosity >= 0:
            click.echo(f"{name}: baseline {result.baseline_s:.2f} s, ours {result.ours_s:.2f} s, ratio "
                       f"{result.ratio:.1f}x (averaged losses agree to {result.max_rel_gap_of_averaged_losses:.1e})")
    if start is not None:  # the floors again after the work: each rate is the better of the two measurements
        from gentoys.checks.outputs import floors

        end = floors.measure()
        used = floors.best_of(start, end)
        results["floors"].update({"end": {str(end.threads): end.to_json()}, "used": used.to_json()})
        if verbosity >= 0:
            click.echo(f"floors at the end, {floors.describe(end)}; used: the better of start and end")
        for result in done.values():
            result.set_floor(used)
    for name, result in done.items():
        results[name] = result.to_json()
    if verbosity >= 0 and start is not None:
        _print_floor_table(done)
    if verbosity > 0:
        for name in done:
            click.echo(name)
            for key, value in results[name].items():
                if key != "floor_phases":
                    click.echo(f"  {key}: {value}")
            for row in results[name].get("floor_phases", ()):
                click.echo(f"    floor {row['floor_s']:.3g} s ({row['bound']}, {row['level']}): {row['phase']}, "
                           f"{row['flops']:.3g} flops, {row['bytes']:.3g} bytes")
    if json_path:
        _write("--json", json_path, json.dumps(results, indent=2) + "\n")


def _print_floor_table(done: dict) -> None:
    """Each workload's times beside its floor: baseline, ours, their ratio, the floor, ours / floor."""
    click.echo(f"{'workload':<12} {'baseline s':>11} {'ours s':>9} {'ratio':>7} {'floor s':>9} {'ours/floor':>11}")
    for name, r in done.items():
        floor = ("-", "-") if r.floor_seconds is None else (f"{r.floor_seconds:.2f}", f"{r.ours_over_floor:.2f}x")
        click.echo(f"{name:<12} {r.baseline_s:>11.2f} {r.ours_s:>9.2f} {r.ratio:>6.1f}x {floor[0]:>9} {floor[1]:>11}")


def _bench_floors(device: str, verbosity: int):
    """Measure the floors for ``bench`` before the work: at this run's threads here, at the other count in a
    fresh process (the command line sets each process's threads once).

    Returns the floors measured here (None off the CPU) and the JSON ``floors`` object."""
    import subprocess
    from contextlib import nullcontext

    from gentoys.checks.outputs import floors

    if device != "cpu":
        return None, {"note": f"not measured: the floors are a CPU's, and this run is on {device}"}
    status = Console().status("measuring this machine's floors...") if verbosity == 0 else None
    with status or nullcontext():
        here = floors.measure()
        other, error = floors.other_thread_count(here.threads), None
        there = None
        if other is not None:
            try:
                there = floors.measure_in_subprocess(other)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                error = f"{type(exc).__name__}: {exc}"
    out = {"threads_used_for_floor_seconds": here.threads,
           "start": {str(f.threads): f.to_json() for f in (here, there) if f is not None},
           "statistic": f"best of {floors.REPEATS} repeats (the highest rate), at the start and again at the end "
                        f"of the run at this run's threads; the floors use the better of the two",
           "model": "sum over phases of max(flops / GEMM rate of its dtype, bytes read and written / read "
                    "bandwidth of the level its working set lives in)"}
    if error:
        out["other_threads_error"] = error
    if verbosity >= 0:
        for f in (here, there):
            if f is not None:
                click.echo(f"floors, {floors.describe(f)}")
        if error:
            click.echo(f"floors at {other} threads not measured: {error}")
    return here, out


@main.command()
@click.option("--json", "json_path", type=OutputPath(), default=None, help="Also write the floors here.")
@threads_option(default=1)
@verbosity_options
def floors(json_path: str | None, verbosity: int) -> None:
    """Measure this machine's floors at --threads: SGEMM and DGEMM GFLOP/s (torch.mm, square 1536), and the
    read bandwidth of buffers sized for one core's L2, the L3 and DRAM (cache sizes from sysfs when present).

    Best of 3 repeats each, a couple of seconds in all; `gentoys bench` measures them itself.
    """
    import json

    from gentoys.checks.outputs import floors as floors_module

    measured = floors_module.measure()
    if verbosity >= 0:
        click.echo(floors_module.describe(measured))
    if verbosity > 0:
        for key, value in measured.to_json().items():
            click.echo(f"  {key}: {value}")
    if json_path:
        _write("--json", json_path, json.dumps(measured.to_json(), indent=2) + "\n")


if __name__ == "__main__":
    main()
