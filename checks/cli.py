"""The ``gentoys`` command line: verify, derive."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gentoys")
def main() -> None:
    """Derive, simulate and verify the claims of the generalization toy models."""


@main.command()
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="Size of the numerical and simulated evidence.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of every random draw.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the JSON report here (written only when every check ran).")
@click.option("--strict", is_flag=True, help="Exit 1 when a claim is refuted, too.")
@click.option("--only", multiple=True, metavar="ID", help="Run only these claim ids (repeatable).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="torch CPU threads for the whole run (default: torch's own); 1 is faster on shared cores.")
def verify(profile: str, device: str, seed: int, json_path: str | None, strict: bool, only: tuple[str, ...],
           threads: int | None) -> None:
    """Judge every claim of the seed and print a verdict table."""
    from gentoys.checks.framework.profile import PROFILES, Context
    from gentoys.checks.framework.runner import CheckCrashed, run_claims
    from gentoys.checks.outputs.files import write_atomic
    from gentoys.checks.outputs.report import dumps, print_report
    from gentoys.sim.core.device import cpu_threads

    console = _console()
    ctx = Context(PROFILES[profile], seed=seed, device=_device(device))
    try:
        with console.status("deriving and checking...") as status, cpu_threads(threads):
            results = run_claims(ctx, only or None,
                                 on_result=lambda r: status.update(f"{r.claim.id}: {r.outcome.verdict}"))
    except (CheckCrashed, ValueError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    print_report(results, console)
    if json_path:
        write_atomic(json_path, dumps(ctx, results))
        console.print(f"report written to {json_path}")
    if not all(r.outcome.agreement for r in results):
        sys.exit(1)
    if strict and any(r.outcome.verdict == "refuted" for r in results):
        sys.exit(1)


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
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to write (default: docs/derivations.md of the source checkout).")
def derive(check: bool, out: str | None) -> None:
    """Regenerate docs/derivations.md from the SymPy derivations."""
    from gentoys.checks.outputs.docs import render
    from gentoys.checks.outputs.files import write_atomic

    path = Path(out) if out else _in_checkout("gentoys derive", "docs/derivations.md")
    text = render()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            click.echo(f"{path} is stale: run `gentoys derive` and commit it", err=True)
            sys.exit(1)
        click.echo(f"{path} is current")
        return
    write_atomic(path, text)
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
@click.option("--out", type=click.Path(file_okay=False), default="figures", show_default=True)
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick", show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def figures(out: str, profile: str, device: str, seed: int) -> None:
    """Write the figures (PNG) and the numbers behind them (CSV)."""
    from rich.progress import Progress

    from gentoys.checks.framework.profile import PROFILES, Context
    from gentoys.checks.outputs.figures import FIGURES

    ctx = Context(PROFILES[profile], seed=seed, device=_device(device))
    written = []
    with Progress(transient=True) as progress:
        task = progress.add_task("figures", total=len(FIGURES))
        for name, make in FIGURES.items():
            progress.update(task, description=name)
            written += make(ctx, Path(out))
            progress.advance(task)
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 if docs/errors.md differs from a fresh render.")
def errors(check: bool) -> None:
    """Regenerate docs/errors.md: each bad input and the message it raises."""
    sys.exit(_tool("gentoys errors", "errors").main(["--check"] if check else []))


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def mutate(args: tuple[str, ...]) -> None:
    """Mutation testing: plant small errors in theory/ and the seed transcriptions, count those caught.

    Options are tools/mutation.py's (`gentoys mutate --help`): --sample N, --jobs J, --budget S, --json PATH, ...
    """
    sys.exit(_tool("gentoys mutate", "mutation").main(list(args)))


WORKLOADS = ("gen_linear", "two_layer", "relu")


@main.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Also write the timings here.")
@click.option("--workload", "workloads", type=click.Choice(WORKLOADS), multiple=True,
              help="Workloads to time (repeatable; default: all).")
@click.option("--sets", type=click.IntRange(min=1), default=100, show_default=True,
              help="Data sets of the gen_linear workload.")
@click.option("--net-sets", type=click.IntRange(min=1), default=20, show_default=True,
              help="Data sets of each network workload (the full profile's).")
@click.option("--baseline-sets", type=click.IntRange(min=1), default=2, show_default=True,
              help="Network workloads: data sets the per-set baseline is timed on (its time is per set).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="torch CPU threads of both sides of every workload.")
def bench(json_path: str | None, workloads: tuple[str, ...], sets: int, net_sets: int, baseline_sets: int,
          device: str, threads: int) -> None:
    """Time each workload against its straightforward per-set loop, in one run."""
    import json

    from gentoys.checks.outputs.bench import bench_gen_linear, bench_network
    from gentoys.checks.outputs.files import write_atomic
    from gentoys.sim import networks
    from gentoys.sim.linear import LinearSetting

    dev = _device(device)
    jobs = {
        "gen_linear": lambda: bench_gen_linear(LinearSetting(n_sets=sets, device=dev, threads=threads)),
        "two_layer": lambda: bench_network(networks.TWO_LAYER.with_(n_sets=net_sets, device=dev, threads=threads),
                                           baseline_sets),
        "relu": lambda: bench_network(networks.RELU.with_(n_sets=net_sets, device=dev, threads=threads), baseline_sets),
    }
    results = {}
    for name in workloads or WORKLOADS:
        with Console().status(f"timing {name} (batched, then the per-set baseline)..."):
            result = jobs[name]()
        results[name] = result.to_json()
        click.echo(f"{name}: baseline {result.baseline_s:.2f} s, ours {result.ours_s:.2f} s, ratio "
                   f"{result.ratio:.1f}x (averaged losses agree to {result.max_rel_gap_of_averaged_losses:.1e})")
    if json_path:
        write_atomic(json_path, json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
