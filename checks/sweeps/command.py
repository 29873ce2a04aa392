"""``gentoys sweep``: list the sweeps, or run one and print where its files are."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

MAX_EXIT = 100  # exit codes above ~125 mean signals to the shell


def _error(console: Console, message: str) -> int:
    """Print a usage error (user text printed as is: no markup, no emoji codes) and return exit code 2."""
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(message)}", emoji=False)
    return 2


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
                workers: int | None, device: str, seed: int, quiet: bool, console: Console) -> int:
    """The command's body; returns the exit code (failed points, at most 100; 2 for a usage error)."""
    from gentoys.checks.sweeps.engine import connect, run_sweep
    from gentoys.checks.sweeps.grid import merge_grid
    from gentoys.checks.sweeps.registry import get

    if list_:
        list_sweeps(console)
        return 0
    if not name:
        return _error(console, "give a sweep NAME, or --list")
    try:
        sweep = get(name)
    except ValueError as exc:
        return _error(console, str(exc))
    try:
        axes = merge_grid(sweep.grid, list(grid))
    except ValueError as exc:
        return _error(console, f"--grid: {exc}")
    folder = Path(out or Path("sweeps") / name)
    with connect(scheduler, workers) as client:
        if not quiet:
            console.print(f"{name}: {len(client.scheduler_info()['workers'])} workers at {client.scheduler.address}")
        try:
            result = run_sweep(sweep, axes, folder, client, seed=seed, device=device, progress=not quiet)
        except ValueError as exc:
            return _error(console, str(exc))
    from rich.markup import escape

    for row in result.table[result.table["status"] != "ok"].itertuples():
        console.print(f"[red]{row.status}[/] {escape(str(row.point))}: {escape(str(row.error))}", emoji=False)
    console.print(f"{name}: {len(result.table)} points ({result.skipped} already done, {result.ran} run, "
                  f"{result.failed} failed)")
    if "finding" in result.summary:
        console.print(result.summary["finding"])
    for path in result.files:
        console.print(f"wrote {path}")
    return min(result.failed, MAX_EXIT)
