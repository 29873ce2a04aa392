"""``gentoys sweep``: list the sweeps, or run one and print where its files are."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2  # the table every gentoys command follows (docs/cli.md)


def _error(message: str) -> int:
    """Print one ``error:`` line on stderr and return exit code 2 (bad input, or no cluster to run on)."""
    import click

    click.echo(f"error: {message}", err=True)
    return EXIT_BAD_INPUT


def list_sweeps(console: Console) -> None:
    from gentoys.checks.sweeps.registry import SWEEPS

    table = Table("sweep", "default grid", "points", "computes")
    for sweep in SWEEPS.values():
        from gentoys.checks.sweeps.grid import expand

        grid = "  ".join(f"{k}={','.join(f'{v:g}' if isinstance(v, float) else str(v) for v in vs)}"
                         for k, vs in sweep.grid.items())
        table.add_row(sweep.name, grid, str(len(expand(sweep.grid))), sweep.description)
    console.print(table)


def run_command(name: str | None, list_: bool, grid: tuple[str, ...], out: str | None, scheduler: str | None,
                workers: int | None, device: str, seed: int, quiet: bool, console: Console,
                connect_timeout: float = 10.0) -> int:
    """The command's body; returns the exit code: 0 every point ok, 1 some failed or were refused, 2 bad input
    (the name, the whole grid and the output folder are checked before the cluster starts) or no scheduler."""
    import contextlib

    from gentoys.checks.outputs.files import check_output
    from gentoys.checks.sweeps.engine import SchedulerUnreachable, connect, run_sweep
    from gentoys.checks.sweeps.grid import merge_grid
    from gentoys.checks.sweeps.registry import get

    if list_:
        list_sweeps(console)
        return EXIT_OK
    if not name:
        return _error("give a sweep NAME, or --list")
    try:
        sweep = get(name)
    except ValueError as exc:
        return _error(f"NAME: {exc}")
    for text in grid:  # each --grid on its own first, so that the error names the one at fault
        try:
            merge_grid(sweep.grid, [text], sweep.axes)
        except ValueError as exc:
            return _error(f"--grid {text}: {exc}")
    axes = merge_grid(sweep.grid, list(grid), sweep.axes)
    folder = Path(out or Path("sweeps") / name)
    try:
        check_output(folder, folder=True)
    except ValueError as exc:
        return _error(f"--out {exc}")
    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(connect(scheduler, workers, timeout=connect_timeout))
        except SchedulerUnreachable as exc:
            return _error(f"--scheduler {exc}")
        if not quiet:
            console.print(f"{name}: {len(client.scheduler_info()['workers'])} workers at {client.scheduler.address}")
        try:
            result = run_sweep(sweep, axes, folder, client, seed=seed, device=device, progress=not quiet)
        except ValueError as exc:
            return _error(str(exc))
    from rich.markup import escape

    for row in result.table[result.table["status"] != "ok"].itertuples():
        console.print(f"[red]{row.status}[/] {escape(str(row.point))}: {escape(str(row.error))}", emoji=False)
    console.print(f"{name}: {len(result.table)} points ({result.skipped} already done, {result.ran} run, "
                  f"{result.failed} failed)")
    if "finding" in result.summary:
        console.print(result.summary["finding"])
    for path in result.files:
        console.print(f"wrote {path}")
    return EXIT_FAILED if result.failed else EXIT_OK
