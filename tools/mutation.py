"""Mutation testing of the theory and of the seed transcriptions.

    python -m tools.mutation [--sample N] [--json PATH] [--jobs J] [--isolated]

Mutants are small, deliberate errors planted with ``ast`` in ``theory/*.py`` and
``checks/claims/seed.py``: a changed constant, a flipped sign, an exponent off by one, a
dropped term, swapped call arguments, ``*`` <-> ``/``. Each mutant is written into
its own copy of the source tree (the working tree is never touched) and the kill
suite runs there: the fast tests of theory and claims (pytest ``-x``, Hypothesis
derandomized by the ``ci`` profile of tests/conftest.py), then a verification pass
over every claim on a tiny profile, compared with the unmutated baseline. A mutant
is *caught* when a test fails, a claim's verdict changes, a claim's agreement turns
false, a check crashes, or the suite runs past its time limit (recorded as
``timeout``). A diff in the rendered docs (``gentoys derive --check``) never counts.

Throughput: the ``theory`` derivations take tens of seconds on a busy 2-core
machine. Each worker therefore imports the third-party libraries and runs every
``theory`` module's derivation once, from a pristine copy of the tree, and forks
one child per mutant; the child points the ``theory`` package at the mutant's copy, drops the
mutated module and every module that imports it (directly or not) from
``sys.modules``, and re-imports them from the copy, so only the derivations
downstream of the mutation run again. ``--isolated`` runs each mutant in a fresh
interpreter instead (cwd and PYTHONPATH = the copy): slower, nothing shared.
Everything runs under ``nice -n 19`` with one thread per process.
"""
from __future__ import annotations

import click
import ast
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
#: what a copy of the tree holds (the kill suite needs nothing else)
COPY = ("theory", "sim", "checks", "tools", "tests", "docs", "pyproject.toml", "conftest.py")
#: the installed package's folders: in a copy, gentoys/<name> links to <name>, so ``gentoys.theory`` is the copy's
PACKAGES = ("theory", "sim", "checks")
#: the files whose mutants are enumerated
TARGET_GLOBS = ("theory/*.py", "theory/core/*.py", "checks/claims/seed.py")
#: domain and validation code: never mutated (whole files)
SKIP_FILES = {"theory/core/domain.py"}
#: functions that only validate, format or dispatch: never mutated
SKIP_FUNCTIONS = re.compile(r"^(validate.*|_ordered|__repr__|__str__|__dir__|__getattr__|_fmt|load_all|label|latex)$")
#: calls that build domains, parameters, derivation records or validate: their arguments are not mutated
SKIP_CALLS = {"Domain", "Param", "validate", "validate_int", "new", "Symbol", "symbols", "lru_cache", "Function"}
#: functions whose two first arguments commute: swapping them cannot change anything
SYMMETRIC_CALLS = {"Max", "Min", "maximum", "minimum", "Eq", "max", "min"}

#: The kill suite, fast tests first. Files missing in the copy are skipped.
KILL_TESTS = (
    "tests/test_mutation_killers.py",
    "tests/test_formula.py",
    "tests/test_domain.py",
    "tests/test_marchenko_pastur.py",
    "tests/test_tuning.py",
    "tests/test_ridge.py",
    "tests/test_iterates.py",
    "tests/test_curves.py",
    "tests/test_prox.py",
    "tests/test_factorization.py",
    "tests/test_claims.py",
    "tests/test_can_fail.py",
)

#: Surviving mutants shown to be equivalent (same behaviour for every input the
#: code can receive), with the reason. They are reported as ``equivalent`` and left
#: out of the score's denominator. Filled in from the full run (docs/mutation.md).
EQUIVALENT: dict[str, str] = {
    # mp_curves' default node count max(400, 2 steps + 64) -> max(400, 2 steps): both Gauss-Legendre rules
    # integrate the curves to rounding (relative difference <= 6e-14 at 250 and 400 steps for gd, ridge and
    # momentum, against 3e-13 between either and 4000 nodes); the same holds for 2 steps - 64 and 65.
    "theory/curves.py:103:76:drop": "quadrature node count 2*steps+64 -> 2*steps: both rules exact to rounding (<= 6e-14)",
    "theory/curves.py:103:76:addsub": "quadrature node count 2*steps+64 -> 2*steps-64: both rules exact to rounding",
    "theory/curves.py:103:76:const": "quadrature node count 2*steps+64 -> 2*steps+65: both rules exact to rounding",
    # _tidy's last substitution finds no Abs(s - 1) left (the line before removed them all): every one of the
    # 11 mp_limits formulas has the identical expression with the mutant (checked by rebuilding the module)
    "theory/mp_limits.py:39:62:drop": "Abs(s-1) -> 1 instead of 1-s in a substitution that finds nothing to replace",
    # group_ridge_solution brackets log(mu) in [log lam - 40, log lam + 40]; 41 still brackets the unique root
    # and brentq returns it to the same tolerance
    "theory/two_layer.py:152:47:const": "root bracket log(lam) - 40 -> - 41: same unique root, same tolerance",
}

OPERATORS = {
    "const": "numeric constant changed (0 <-> 1, c -> c + 1, a/b -> a/(b+1))",
    "sign": "sign flipped (unary minus removed, or added in front of a computed value)",
    "addsub": "+ <-> -",
    "pow": "exponent off by one (**n -> **(n + 1))",
    "drop": "term dropped from a sum or difference (a + b -> a, a - b -> a)",
    "swap": "first two positional arguments of a call swapped",
    "muldiv": "* <-> /",
}


# --------------------------------------------------------------------------------------------------
# Enumerating and applying mutants
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    id: str  # file:line:col:operator (a ".k" suffix tells apart mutants at the same place)
    file: str  # relative path
    line: int
    col: int
    operator: str
    description: str
    index: int  # position among the file's mutation sites, in walk order


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _num(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _is_text(node: ast.BinOp) -> bool:
    return any(isinstance(o, (ast.Constant, ast.JoinedStr)) and not _num(o) for o in (node.left, node.right))


def _bump(value):
    if value == 0:
        return 1
    if value == 1:
        return 0
    return value + 1


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Sites(ast.NodeVisitor):
    """Collects (node, operator, replacement, anchor) in a deterministic walk order."""

    def __init__(self, read_steps: set[str]):
        self.sites: list[tuple[ast.AST, str, ast.AST, ast.AST]] = []
        self.read_steps = read_steps  # derivation objects (names) whose .steps some check reads

    # -- contexts that are never mutated -------------------------------------------------------
    def visit_FunctionDef(self, node):
        if SKIP_FUNCTIONS.match(node.name):
            return
        for stmt in node.body:  # decorators, annotations and defaults are left alone
            self.visit(stmt)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for stmt in node.body:
            self.visit(stmt)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)

    def visit_Raise(self, node):
        return

    def visit_Assert(self, node):
        return

    def visit_JoinedStr(self, node):
        return

    def visit_If(self, node):
        if all(isinstance(s, ast.Raise) for s in node.body) and not node.orelse:
            return  # validation: a test whose only consequence is an error
        self.generic_visit(node)

    def visit_Assign(self, node):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if "__all__" in names or "_EXPORTS" in names:
            return
        if isinstance(node.value, ast.BinOp) and not _is_text(node.value):  # a computed value: flip its sign
            self.sites.append((node.value, "sign", ast.UnaryOp(ast.USub(), node.value), node.value))
        self.generic_visit(node)

    def visit_Expr(self, node):
        v = node.value
        if isinstance(v, ast.Constant):
            return  # docstring
        if (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "step"
                and isinstance(v.func.value, ast.Name) and v.func.value.id not in self.read_steps):
            return  # a derivation step that only documents (its result is discarded and no check reads it)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _call_name(node)
        if name in SKIP_CALLS:
            return
        if name == "step":  # D.step(text, expr): the text is documentation, the expression is math
            for arg in node.args[1:]:
                self.visit(arg)
            for kw in node.keywords:
                self.visit(kw.value)
            return
        if name == "Rational" and len(node.args) == 2 and all(_num(a) for a in node.args):
            p, qq = node.args
            new = ast.Call(node.func, [p, ast.Constant(qq.value + 1)], [])
            self.sites.append((node, "const", new, node))
            return
        pos = [a for a in node.args if not isinstance(a, ast.Starred)]
        if (len(node.args) >= 2 and len(pos) == len(node.args) and name not in SYMMETRIC_CALLS
                and not any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in pos[:2])
                and ast.dump(pos[0]) != ast.dump(pos[1])):
            new = ast.Call(node.func, [pos[1], pos[0], *node.args[2:]], node.keywords)
            self.sites.append((node, "swap", new, node))
        self.generic_visit(node)

    # -- mutation sites ------------------------------------------------------------------------
    def visit_Constant(self, node):
        if _num(node) and not isinstance(node.value, bool):
            self.sites.append((node, "const", ast.Constant(_bump(node.value)), node))

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            self.sites.append((node, "sign", node.operand, node))
        self.generic_visit(node)

    def visit_BinOp(self, node):
        op = node.op
        if _is_text(node):
            return  # text being joined (a docstring or a label), not arithmetic
        if isinstance(op, ast.Div) and _num(node.left) and _num(node.right):  # a/b -> a/(b+1)
            self.sites.append((node, "const", ast.BinOp(node.left, op, ast.Constant(node.right.value + 1)), node.right))
            self.visit(node.left)
            return
        if isinstance(op, (ast.Add, ast.Sub)):
            flipped = ast.Sub() if isinstance(op, ast.Add) else ast.Add()
            self.sites.append((node, "addsub", ast.BinOp(node.left, flipped, node.right), node.right))
            self.sites.append((node, "drop", node.left, node.right))
        elif isinstance(op, (ast.Mult, ast.Div)):
            flipped = ast.Div() if isinstance(op, ast.Mult) else ast.Mult()
            self.sites.append((node, "muldiv", ast.BinOp(node.left, flipped, node.right), node.right))
        elif isinstance(op, ast.Pow):
            if _num(node.right):
                exp = ast.Constant(node.right.value + 1)
            else:
                exp = ast.BinOp(node.right, ast.Add(), ast.Constant(1))
            self.sites.append((node, "pow", ast.BinOp(node.left, op, exp), node.right))
            self.visit(node.left)
            if not _num(node.right):
                self.visit(node.right)
            return
        self.generic_visit(node)


def _read_steps(root: Path) -> dict[str, set[str]]:
    """For each theory file, the derivation objects whose ``.steps`` a check or test reads.

    ``from theory import prox`` then ``prox.D.steps`` marks ``D`` of theory/prox.py:
    the discarded steps of that derivation are then not documentation only.
    """
    found: dict[str, set[str]] = {}
    for path in sorted([*root.glob("checks/**/*.py"), *root.glob("tests/*.py")]):
        text = path.read_text()
        aliases = {}
        for m in re.finditer(r"from gentoys.theory import (\w+)(?: as (\w+))?", text):
            aliases[m.group(2) or m.group(1)] = m.group(1)
        for m in re.finditer(r"\b(\w+)\.(\w+)\.steps\b", text):
            if m.group(1) in aliases:
                found.setdefault(f"theory/{aliases[m.group(1)]}.py", set()).add(m.group(2))
    return found


def _sites(source: str, rel: str, read_steps: set[str]):
    visitor = _Sites(read_steps)
    visitor.visit(ast.parse(source))
    return visitor.sites


def target_files(root: Path) -> list[str]:
    files = sorted({p.relative_to(root).as_posix() for g in TARGET_GLOBS for p in root.glob(g)})
    return [f for f in files if f not in SKIP_FILES]


def enumerate_mutants(root: Path = ROOT, files: list[str] | None = None) -> list[Mutant]:
    steps = _read_steps(root)
    out: list[Mutant] = []
    for rel in files or target_files(root):
        source = (root / rel).read_text()
        seen: dict[str, int] = {}
        for index, (node, op, new, anchor) in enumerate(_sites(source, rel, steps.get(rel, set()))):
            base = f"{rel}:{anchor.lineno}:{anchor.col_offset}:{op}"
            seen[base] = seen.get(base, 0) + 1
            mid = base if seen[base] == 1 else f"{base}.{seen[base]}"
            desc = f"{OPERATORS[op].split(' (')[0]}: `{_short(node)}` -> `{_short(new)}`"
            out.append(Mutant(mid, rel, anchor.lineno, anchor.col_offset, op, desc, index))
    return out


def mutate_source(source: str, rel: str, index: int, read_steps: set[str] = frozenset()) -> str:
    """The source with mutation site ``index`` applied; everything else is kept byte for byte."""
    node, _, new, _ = _sites(source, rel, set(read_steps))[index]
    data = source.encode()
    lines = data.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = offsets[node.lineno - 1] + node.col_offset  # col offsets are UTF-8 byte offsets
    end = offsets[node.end_lineno - 1] + node.end_col_offset
    text = (data[:start] + f"({ast.unparse(new)})".encode() + data[end:]).decode()
    ast.parse(text)  # a mutant is always valid Python
    return text


def apply_mutant(root: Path, mutant: Mutant) -> str:
    source = (root / mutant.file).read_text()
    return mutate_source(source, mutant.file, mutant.index, _read_steps(root).get(mutant.file, set()))


def sample(mutants: list[Mutant], n: int | None) -> list[Mutant]:
    """A fixed sample of ``n`` mutants: the same ids for the same source, in source order."""
    if n is None or n >= len(mutants):
        return list(mutants)
    ranked = sorted(mutants, key=lambda m: hashlib.sha256(m.id.encode()).hexdigest())[:n]
    keep = {m.id for m in ranked}
    return [m for m in mutants if m.id in keep]


# --------------------------------------------------------------------------------------------------
# Copies of the tree
# --------------------------------------------------------------------------------------------------

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")


def copy_tree(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        p = src / name
        if p.is_dir():
            shutil.copytree(p, dst / name, ignore=_IGNORE)
        elif p.exists():
            shutil.copy2(p, dst / name)
    (dst / "gentoys").mkdir(exist_ok=True)
    for name in PACKAGES:
        link = dst / "gentoys" / name
        if not link.exists():
            link.symlink_to(Path("..", name), target_is_directory=True)
    return dst


# --------------------------------------------------------------------------------------------------
# The import graph (which modules must be re-imported for a mutated file)
# --------------------------------------------------------------------------------------------------

def _module_name(rel: str) -> str:
    parts = rel[:-3].split("/")
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join(["gentoys", *parts] if parts[0] in PACKAGES else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in its body)."""
    modules = {_module_name(p.relative_to(root).as_posix()): p
               for pkg in ("theory", "checks", "sim") for p in (root / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        package = name if is_pkg else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                deps.add(base)
                deps.update(f"{base}.{a.name}" for a in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def dependents(graph: dict[str, set[str]], module: str) -> set[str]:
    """``module`` and every module that imports it, directly or not."""
    out, todo = {module}, [module]
    while todo:
        m = todo.pop()
        for k, deps in graph.items():
            if m in deps and k not in out:
                out.add(k)
                todo.append(k)
    return out


# --------------------------------------------------------------------------------------------------
# The kill suite (runs in the child, inside the mutant's copy)
# --------------------------------------------------------------------------------------------------

def _tiny_context():
    from gentoys.checks.framework.profile import Context, tiny

    return Context(tiny())


class _FirstFailure:
    """pytest plugin: remembers the first failing test (or collection error)."""

    def __init__(self):
        self.failed: str | None = None

    def pytest_runtest_logreport(self, report):
        if report.failed and self.failed is None:
            self.failed = report.nodeid

    def pytest_collectreport(self, report):
        if report.failed and self.failed is None:
            self.failed = f"collection of {report.nodeid or 'tests'}"


def _stage_tests(copy: Path, tests: list[str]) -> str | None:
    import pytest

    files = [t for t in tests if (copy / t).exists()]
    if not files:
        return None
    plugin = _FirstFailure()
    code = pytest.main([*files, "-x", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark", "--rootdir", str(copy),
                        "-c", str(copy / "pyproject.toml")], plugins=[plugin])
    if int(code) == 0:
        return None
    return f"pytest {plugin.failed or f'exit code {int(code)}'}"


def _stage_verify(claims: list[str], baseline: dict | None, record: dict, report: bool = False) -> str | None:
    """Run each claim on the tiny profile; a changed verdict or a lost agreement is a kill, and with
    ``report`` (mutants of the seed's transcriptions) so is a changed key or correction: a claim that stays
    refuted must still say how the seed is wrong, and a different wrong seed changes that statement."""
    import torch

    from gentoys.checks.claims import load_all
    from gentoys.checks.framework.runner import CheckCrashed, run_claims

    torch.set_num_threads(1)
    ctx = _tiny_context()
    for cid in claims:
        start = time.perf_counter()
        try:
            (result,) = run_claims(load_all(), ctx, [cid])
        except CheckCrashed as exc:
            return f"verify {cid}: check crashed ({str(exc)[:200]})"
        got = {"verdict": result.outcome.verdict, "agreement": result.outcome.agreement,
               "key": result.outcome.key, "correction": result.outcome.correction,
               "seconds": round(time.perf_counter() - start, 3)}
        record[cid] = got
        if baseline is None:
            continue
        want = baseline[cid]
        if got["verdict"] != want["verdict"]:
            return f"verify {cid}: verdict {want['verdict']} -> {got['verdict']}"
        if want["agreement"] and not got["agreement"]:
            return f"verify {cid}: agreement true -> false"
        if report:
            for field in ("key", "correction"):
                if field in want and got[field] != want[field]:  # older baselines lack these fields
                    return f"verify {cid}: the report's {field} changed ({want[field][:60]!r} -> {got[field][:60]!r})"
    return None


def _provenance(copy: Path, original: Path) -> dict[str, str]:
    """Where each loaded project module came from; any from the original tree is an error."""
    out = {}
    for name, mod in list(sys.modules.items()):
        if name.split(".")[0] in ("gentoys", "tools") and getattr(mod, "__file__", None):
            out[name] = mod.__file__
    return out


class _ImportTimeout(BaseException):
    """The mutated module's derivations ran past IMPORT_TIMEOUT (raised by SIGALRM)."""


#: seconds the mutated module's import may take (all of theory imports in about 20 s on an idle core)
IMPORT_TIMEOUT = 150


def run_suite(task: dict) -> dict:
    """The kill suite for one task, in the current process (cwd and sys.path already set)."""
    copy = Path(task["copy"])
    record: dict = {}
    stages = ("verify", "tests") if task.get("verify_first") else ("tests", "verify")
    killed = None
    if task.get("mutated_module"):
        import importlib

        def _alarm(signum, frame):
            raise _ImportTimeout

        # the mutated module itself first: a mutant that breaks the derivations is caught here, and one that
        # sends a derivation (solve, dsolve, rsolve, limit) into a search without end is stopped early
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(task.get("import_timeout", IMPORT_TIMEOUT)))
        try:
            _derive(importlib.import_module(task["mutated_module"]))
        except _ImportTimeout:
            return {"status": "timeout", "check": f"timeout: import of {task['mutated_module']} ran past "
                    f"{task.get('import_timeout', IMPORT_TIMEOUT)} s", "claims": {}, "stray_modules": {}}
        except Exception as exc:  # noqa: BLE001
            killed = f"crash: import of {task['mutated_module']} raised {type(exc).__name__}: {str(exc)[:200]}"
            stages = ()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    for stage in stages:
        if stage == "tests" and task.get("tests"):
            killed = _stage_tests(copy, task["tests"])
        elif stage == "verify" and task.get("claims"):
            killed = _stage_verify(task["claims"], task.get("baseline"), record,
                                   report=task.get("mutated_module") == "gentoys.checks.claims.seed")
        if killed:
            break
    prov = _provenance(copy, Path(task["original"]))
    stray = {k: v for k, v in prov.items() if not v.startswith((str(copy), task.get("base", str(copy))))}
    mutated = task.get("mutated_module")
    return {"killed": killed, "claims": record, "stray_modules": stray,
            "mutated_from": prov.get(mutated) if mutated else None}


def _child_main(task: dict) -> None:
    """Entry point of a fresh interpreter (``--isolated``): cwd and PYTHONPATH are the copy."""
    result = run_suite(task)
    Path(task["copy"], "_result.json").write_text(json.dumps(result))


# --------------------------------------------------------------------------------------------------
# Workers: preload, fork one child per task
# --------------------------------------------------------------------------------------------------

def _single_thread_env(env: dict) -> dict:
    env = dict(env)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    env["HYPOTHESIS_PROFILE"] = "ci"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _derive(module) -> None:
    """Run a theory module's derivation now (it is lazy: by default it runs on first use)."""
    derive = getattr(module, "derive", None)
    if callable(derive):
        derive()


def _preload(base: Path) -> list[str]:
    import importlib

    import hypothesis  # noqa: F401  (imported once here, shared by every forked child)
    import mpmath  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import scipy.optimize  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sympy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    loaded = []
    for path in sorted([*(base / "theory").glob("*.py"), *(base / "theory" / "core").glob("*.py")]):
        name = _module_name(path.relative_to(base).as_posix())
        _derive(importlib.import_module(name))
        loaded.append(name)
    return loaded


def _enter_copy(copy: Path, base: Path, purge: set[str]) -> None:
    """In a forked child: make the copy the tree Python imports the project from."""
    os.chdir(copy)
    sys.path[:] = [str(copy) if p in (str(base), "") else p for p in sys.path]
    if str(copy) not in sys.path:
        sys.path.insert(0, str(copy))
    os.environ["PYTHONPATH"] = str(copy)
    for name in list(sys.modules):
        top = name.split(".")[0]
        if (name.startswith(("gentoys.checks", "gentoys.sim")) or top in ("tools", "tests", "conftest", "strategies")
                or name.startswith("test_") or name in purge):
            del sys.modules[name]
    for name, pkg in list(sys.modules.items()):  # the theory packages kept: their submodules come from the copy
        if name.startswith("gentoys.theory") and hasattr(pkg, "__path__"):
            pkg.__path__[:] = [str(copy.joinpath(*name.split(".")[1:]))]
            for attr, value in list(vars(pkg).items()):
                mod = getattr(value, "__module__", None) if not isinstance(value, type(sys)) else value.__name__
                if attr in getattr(pkg, "_EXPORTS", {}) or (mod and mod in purge):
                    delattr(pkg, attr)


def _run_forked(task: dict, base: Path, graph: dict) -> dict:
    copy = Path(task["copy"])
    mutated = task.get("mutated_module")
    purge = dependents(graph, mutated) if mutated else set()
    if mutated == "gentoys.theory":
        purge = {m for m in sys.modules if m.startswith("gentoys.theory")}
    result_path = copy / "_result.json"
    pid = os.fork()
    if pid == 0:  # child
        try:
            log = os.open(copy / "_suite.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(log, 1)
            os.dup2(log, 2)
            _enter_copy(copy, base, purge)
            result = run_suite(task)
            result_path.write_text(json.dumps(result))
        except BaseException as exc:  # noqa: BLE001 - anything here is a crash of the mutant's suite
            try:
                result_path.write_text(json.dumps({"crash": f"{type(exc).__name__}: {str(exc)[:300]}"}))
            except Exception:  # noqa: BLE001
                pass
            os._exit(3)
        os._exit(0)
    return _wait(pid, task, result_path)


def _run_isolated(task: dict) -> dict:
    copy = Path(task["copy"])
    env = _single_thread_env(os.environ)
    env["PYTHONPATH"] = str(copy)
    code = f"import json, sys; from tools.mutation import _child_main; _child_main(json.load(open({str(copy / '_task.json')!r})))"
    (copy / "_task.json").write_text(json.dumps(task))
    with open(copy / "_suite.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=copy, env=env, stdout=log, stderr=log,
                                start_new_session=True)
    return _wait(proc.pid, task, copy / "_result.json", proc=proc)


def _wait(pid: int, task: dict, result_path: Path, proc=None) -> dict:
    start = time.monotonic()
    status = None
    while True:
        if proc is not None:
            rc = proc.poll()
            done = rc is not None
        else:
            done_pid, st = os.waitpid(pid, os.WNOHANG)
            done = done_pid != 0
            rc = os.waitstatus_to_exitcode(st) if done else None
        if done:
            break
        if time.monotonic() - start > task["timeout"]:
            try:
                os.killpg(pid, signal.SIGKILL) if proc is not None else os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if proc is not None:
                proc.wait()
            else:
                os.waitpid(pid, 0)
            status = "timeout"
            break
        time.sleep(0.2)
    seconds = round(time.monotonic() - start, 1)
    if status == "timeout":
        return {"status": "timeout", "check": f"timeout after {task['timeout']:.0f} s", "seconds": seconds}
    try:
        out = json.loads(result_path.read_text())
    except (OSError, ValueError):
        log = (Path(task["copy"]) / "_suite.log")
        tail = log.read_text()[-300:] if log.exists() else ""
        return {"status": "caught", "check": f"crash: suite exited with code {rc} ({tail.strip()[-200:]})",
                "seconds": seconds}
    out["seconds"] = seconds
    if "crash" in out:
        out.update(status="caught", check=f"crash: {out.pop('crash')}")
    return out


def _worker_main() -> None:
    """A worker: reads tasks (JSON lines) on stdin, answers one JSON line per task."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints of imported modules must not corrupt the protocol
    base = Path.cwd()
    isolated = "--isolated" in sys.argv
    graph = import_graph(base)
    loaded = [] if isolated else _preload(base)
    proto.write(json.dumps({"ready": True, "preloaded": loaded}) + "\n")
    for line in sys.stdin:
        task = json.loads(line)
        copy = copy_tree(base, Path(task["copy"]))
        if task.get("source") is not None:
            (copy / task["file"]).write_text(task["source"])
        task["base"] = str(base)
        try:
            result = _run_isolated(task) if isolated else _run_forked(task, base, graph)
        finally:
            if not task.get("keep"):
                shutil.rmtree(copy, ignore_errors=True)
        proto.write(json.dumps(result) + "\n")


class Worker:
    """One worker process, started in a pristine copy of the tree."""

    def __init__(self, base: Path, isolated: bool = False):
        env = _single_thread_env(os.environ)
        env["PYTHONPATH"] = str(base)
        args = [sys.executable, "-c", "from tools.mutation import _worker_main; _worker_main()"]
        self.proc = subprocess.Popen(args + (["--isolated"] if isolated else []), cwd=base, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        hello = self.proc.stdout.readline()
        if not hello:
            raise RuntimeError("mutation worker failed to start")
        self.preloaded = json.loads(hello)["preloaded"]

    def run(self, task: dict) -> dict:
        self.proc.stdin.write(json.dumps(task) + "\n")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("mutation worker died")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------

def _nice() -> None:
    try:
        current = os.nice(0)
        if current < 19:
            os.nice(19 - current)
    except OSError:
        pass


def kill_tests(rel: str) -> list[str]:
    """The kill suite's test files, those named after the mutated module first."""
    own = f"tests/test_{Path(rel).stem}.py"  # run even when not listed (a new module's own tests)
    return ([own] if rel else []) + [t for t in KILL_TESTS if t != own]


def claim_order(base: Path) -> list[str]:
    """Every registered claim id (read without running anything)."""
    ids = []
    for path in sorted((base / "checks" / "claims").glob("*.py")):
        ids += re.findall(r"@claim\(\s*\"(\w+)\"", path.read_text())
    return ids


def claims_reading(base: Path, rel: str, line: int) -> list[str]:
    """For a mutant of checks/seed.py: the claims whose checks read the seed name assigned at ``line``.

    The verification pass runs them first (a seed mutant is caught by the claim that judges it)."""
    if rel != "checks/claims/seed.py":
        return []
    names = set()
    for node in ast.parse((base / rel).read_text()).body:
        if isinstance(node, ast.Assign) and node.lineno <= line <= node.end_lineno:
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}

    def seed_names(node) -> set[str]:
        return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                and n.value.id == "seed"}

    out = []
    for path in sorted((base / "checks" / "claims").glob("*.py")):
        module = ast.parse(path.read_text())
        # a claim's seed statement (and the formulas it declares) is a module-level constant named in @claim
        statements = {t.id: seed_names(node.value) for node in module.body if isinstance(node, ast.Assign)
                      for t in node.targets if isinstance(t, ast.Name)}
        for fn in module.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            for dec in fn.decorator_list:
                if not (isinstance(dec, ast.Call) and _call_name(dec) == "claim" and dec.args
                        and isinstance(dec.args[0], ast.Constant)):
                    continue
                used = seed_names(fn) | seed_names(dec)
                used |= set().union(*(statements.get(a.id, set()) for a in dec.args if isinstance(a, ast.Name)))
                if used & names:
                    out.append(dec.args[0].value)
    return out


class Session:
    """A snapshot of the tree, its workers and the unmutated baseline."""

    def __init__(self, root: Path = ROOT, jobs: int = 1, isolated: bool = False, workdir: Path | None = None):
        _nice()
        self.root = Path(root)
        self.tmp = Path(tempfile.mkdtemp(prefix="gentoys-mutation-", dir=workdir))
        self.base = copy_tree(self.root, self.tmp / "base")
        self.graph = import_graph(self.base)
        self.isolated = isolated
        self.jobs = max(1, jobs)
        self.workers: list[Worker] = []
        self.baseline: dict | None = None
        self.baseline_seconds: float | None = None
        self.claims = claim_order(self.base)
        self.enumerated = self.selected = None
        self._n = 0
        self._lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        for w in self.workers:
            w.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _worker(self, i: int) -> Worker:
        while len(self.workers) <= i:
            self.workers.append(Worker(self.base, self.isolated))
        return self.workers[i]

    def task(self, mutant: Mutant | None, tests=None, claims=None, timeout: float = 900.0, keep=False) -> dict:
        with self._lock:
            self._n += 1
            n = self._n
        rel = mutant.file if mutant else None
        task = {
            "copy": str(self.tmp / f"m{n:05d}"),
            "original": str(self.root),
            "file": rel,
            "source": apply_mutant(self.base, mutant) if mutant else None,
            "mutated_module": _module_name(rel) if rel else None,
            "tests": list(kill_tests(rel or "") if tests is None else tests),
            "claims": _first(claims_reading(self.base, rel, mutant.line) if mutant else [],
                             list(self.claims if claims is None else claims)),
            "baseline": self.baseline,
            "verify_first": bool(rel and rel.startswith("checks/")),
            "timeout": timeout,
            "keep": keep,
        }
        return task

    def run_baseline(self, tests=None, claims=None) -> dict:
        """The unmutated copy through the kill suite; it must pass (else 'caught' would mean nothing)."""
        start = time.monotonic()
        task = self.task(None, tests, claims, timeout=3600)
        result = self._worker(0).run(task)
        self.baseline_seconds = time.monotonic() - start
        if result.get("killed") or result.get("status") or result.get("stray_modules"):
            raise RuntimeError(f"the unmutated copy does not pass the kill suite: {result}")
        self.baseline = result["claims"]
        # the cheapest claims first, so that most mutants are caught early
        self.claims = sorted(self.baseline, key=lambda c: self.baseline[c]["seconds"]) or self.claims
        return result

    def run_mutant(self, mutant: Mutant, worker: int = 0, timeout: float | None = None, **kw) -> dict:
        if timeout is None:
            timeout = max(180.0, 1.6 * (self.baseline_seconds or 240.0) + 30)
        task = self.task(mutant, timeout=timeout, **kw)
        result = self._worker(worker).run(task)
        return judge(mutant, result, task)

    def run_all(self, mutants: list[Mutant], progress=None, budget: float | None = None) -> list[dict]:
        """Run the mutants in a fixed pseudo-random order (so that a run stopped by ``budget``
        seconds still covers every file evenly); rows come back in source order, unrun ones left out."""
        results: list[dict | None] = [None] * len(mutants)
        queue = sorted(range(len(mutants)), key=lambda i: hashlib.sha256(mutants[i].id.encode()).hexdigest())
        qlock = threading.Lock()
        stop_at = None if budget is None else time.monotonic() + budget

        def loop(w: int):
            while True:
                with qlock:
                    if not queue or (stop_at is not None and time.monotonic() > stop_at):
                        return
                    i = queue.pop(0)
                results[i] = self.run_mutant(mutants[i], worker=w)
                if progress:
                    progress(results[i])

        for w in range(self.jobs):
            self._worker(w)
        threads = [threading.Thread(target=loop, args=(w,)) for w in range(self.jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [r for r in results if r is not None]


def _first(first: list[str], order: list[str]) -> list[str]:
    return [c for c in first if c in order] + [c for c in order if c not in first]


def judge(mutant: Mutant, result: dict, task: dict) -> dict:
    row = {"id": mutant.id, "file": mutant.file, "line": mutant.line, "operator": mutant.operator,
           "description": mutant.description, "seconds": result.get("seconds")}
    if result.get("stray_modules"):
        raise RuntimeError(f"{mutant.id}: modules imported from outside the copy: {result['stray_modules']}")
    if result.get("status") in ("timeout", "caught"):
        row.update(status=result["status"], check=result["check"])
    elif result.get("killed"):
        row.update(status="caught", check=result["killed"])
    elif mutant.id in EQUIVALENT:
        row.update(status="equivalent", check=EQUIVALENT[mutant.id])
    else:
        row.update(status="survived", check="")
    if result.get("mutated_from") is not None:
        row["mutated_from_copy"] = result["mutated_from"].startswith(task["copy"])
    return row


def score(rows: list[dict]) -> dict:
    counts = {s: sum(r["status"] == s for r in rows) for s in ("caught", "timeout", "survived", "equivalent")}
    killed = counts["caught"] + counts["timeout"]
    denom = killed + counts["survived"]
    return {"mutants": len(rows), **counts, "score": killed / denom if denom else 1.0}


@click.command("mutate", help=__doc__.split("\n\n")[0])
@click.option("--sample", "sample_size", type=click.IntRange(min=1), default=None, help="A fixed, deterministic sample of N mutants.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report here.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--isolated", is_flag=True, help="A fresh interpreter per mutant (slow).")
@click.option("--only", multiple=True, help="Run these mutant ids (repeatable).")
@click.option("--file", "files", multiple=True, help="Only mutants of these files (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="List the mutants and exit.")
@click.option("--resume", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A previous --json report: its mutants are not run again, its rows join this report.")
@click.option("--budget", type=click.FloatRange(min=0), default=None,
              help="Stop starting new mutants after this many seconds (the report says how many ran).")
def main(sample_size: int | None, json_path: Path | None, jobs: int, isolated: bool, only: tuple[str, ...],
         files: tuple[str, ...], list_only: bool, resume: Path | None, budget: float | None) -> None:
    """The command line (``gentoys mutate`` and ``python -m tools.mutation`` are this one command)."""
    args = SimpleNamespace(sample=sample_size, json=json_path, jobs=jobs, isolated=isolated, only=list(only),
                         file=list(files), list=list_only, resume=resume, budget=budget)
    _nice()
    mutants = enumerate_mutants(ROOT)
    n_all = len(mutants)
    if args.file:
        mutants = [m for m in mutants if m.file in args.file]
    if args.only:
        mutants = [m for m in mutants if m.id in set(args.only)]
    mutants = sample(mutants, args.sample)
    previous = json.loads(args.resume.read_text())["mutants"] if args.resume else []
    done = {r["id"] for r in previous}
    mutants = [m for m in mutants if m.id not in done]
    if args.list:
        for m in mutants:
            print(f"{m.id}\t{m.description}")
        print(f"{len(mutants)} mutants", file=sys.stderr)
        return 0
    start = time.monotonic()
    print(f"{len(mutants)} mutants; baseline (the unmutated copy through the kill suite) ...", flush=True)
    rows: list[dict] = list(previous)
    with Session(ROOT, jobs=args.jobs, isolated=args.isolated) as session:
        session.enumerated, session.selected = n_all, len(mutants)
        session.run_baseline()
        print(f"baseline passes in {session.baseline_seconds:.0f} s; {len(session.claims)} claims", flush=True)

        def progress(row):
            rows.append(row)
            print(f"[{len(rows)}/{len(mutants) + len(previous)} {time.monotonic() - start:6.0f}s] {row['status']:10s} {row['id']}  "
                  f"{row['check'][:90]}", flush=True)
            if args.json and len(rows) % 10 == 0:
                _write(args.json, rows, mutants, session, start, partial=True)

        ordered = previous + session.run_all(mutants, progress, budget=args.budget)
        report = _write(args.json, ordered, mutants, session, start) if args.json else _report(ordered, session, start)
    s = report["score"]
    if len(ordered) < len(mutants) + len(previous):
        print(f"\nbudget spent: {len(ordered)} of {len(mutants) + len(previous)} mutants ran")
    print(f"\n{s['mutants']} mutants: {s['caught']} caught, {s['timeout']} timeout, {s['survived']} survived, "
          f"{s['equivalent']} equivalent (left out of the denominator)")
    print(f"mutation score {100 * s['score']:.1f} % in {report['seconds']:.0f} s")
    for r in ordered:
        if r["status"] == "survived":
            print(f"  survived {r['id']}: {r['description']}")
    return 0


def _report(rows, session: Session, start: float, partial: bool = False) -> dict:
    from gentoys.checks.framework.profile import TINY_SIZES

    return {"score": score([r for r in rows if r]), "seconds": round(time.monotonic() - start, 1),
            "baseline_seconds": round(session.baseline_seconds or 0, 1), "jobs": session.jobs,
            "isolated": session.isolated, "partial": partial, "enumerated": session.enumerated,
            "selected": session.selected, "operators": OPERATORS,
            "kill_tests": list(KILL_TESTS), "verify_profile": {"name": "tiny", **TINY_SIZES}, "baseline": session.baseline,
            "mutants": [r for r in rows if r]}


def _write(path: Path, rows, mutants, session, start, partial=False) -> dict:
    report = _report(rows, session, start, partial)
    path.write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
