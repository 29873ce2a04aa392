"""The mutation harness (tools/mutation.py): its operators, its copies, and a small fixed sample.

The sample runs in a copy of the tree like the full run (python -m tools.mutation),
with the whole kill suite; the verification pass is compared with a baseline of the
claims that the sample's mutants touch, computed on the unmutated copy first.
"""
import ast
import time
from pathlib import Path

import pytest

from tools import mutation as mu

ROOT = Path(__file__).resolve().parent.parent

CODE = '''\
"""Docstring 2 + 3."""
def validate(x):
    if x < 0:
        raise ValueError(f"x={x} below 0")
    return x
__all__ = ["a"]
y = a + b * c ** 2 - sp.Rational(1, 2)
z = -f(p, q)
w = 1 / 2
label = "name" + suffix
'''


def _mutants(code: str):
    sites = mu._sites(code, "x.py", set())
    return [(op, ast.unparse(node), ast.unparse(new)) for node, op, new, _ in sites]


def test_operators_produce_the_intended_changes():
    """Each operator rewrites exactly its construct; docstrings, validation, __all__ and text are left alone."""
    found = _mutants(CODE)
    changes = {(op, new) for op, _, new in found}
    assert ("addsub", "a + b * c ** 2 + sp.Rational(1, 2)") in changes  # - -> +
    assert ("addsub", "a - b * c ** 2") in changes  # + -> -
    assert ("drop", "a + b * c ** 2") in changes  # the Rational term dropped
    assert ("drop", "a") in changes  # b * c ** 2 dropped
    assert ("muldiv", "b / c ** 2") in changes
    assert ("pow", "c ** 3") in changes
    assert ("const", "sp.Rational(1, 3)") in changes  # 1/2 -> 1/3
    assert ("const", "1 / 3") in changes
    assert ("sign", "f(p, q)") in changes  # unary minus removed
    assert ("sign", "-(a + b * c ** 2 - sp.Rational(1, 2))") in changes  # added in front of a computed value
    assert ("swap", "f(q, p)") in changes
    texts = " ".join(old for _, old, _ in found)
    assert "ValueError" not in texts and "x < 0" not in texts and "suffix" not in texts and '"a"' not in texts
    assert not any(op == "const" and old in ("2", "3") and "Docstring" in old for op, old, _ in found)


def test_const_operator_swaps_zero_and_one():
    assert {(old, new) for op, old, new in _mutants("u = h(0, 1, 7)\n") if op == "const"} == {
        ("0", "1"), ("1", "0"), ("7", "8")}


def test_mutate_source_keeps_everything_else():
    """Applying a mutant changes only its node; comments and the other lines stay byte for byte."""
    code = "x = 1  # one\ny = a * b  # product\n"
    sites = mu._sites(code, "x.py", set())
    i = next(k for k, (_, op, _, _) in enumerate(sites) if op == "muldiv")
    assert mu.mutate_source(code, "x.py", i) == "x = 1  # one\ny = (a / b)  # product\n"


def test_mutant_ids_are_unique_and_stable():
    ms = mu.enumerate_mutants(ROOT)
    assert len({m.id for m in ms}) == len(ms)
    assert [m.id for m in mu.enumerate_mutants(ROOT)] == [m.id for m in ms]
    assert mu.sample(ms, 7) == mu.sample(list(ms), 7)
    assert {m.file for m in ms} >= {"checks/claims/seed.py", "theory/marchenko_pastur.py"}
    assert "theory/core/domain.py" not in {m.file for m in ms}


def test_dependents_follow_imports():
    graph = mu.import_graph(ROOT)
    deps = mu.dependents(graph, "gentoys.theory.tuning")
    assert {"gentoys.theory.tuning", "gentoys.theory.mp_limits", "gentoys.theory.ridge", "gentoys.checks.claims.tuning"} <= deps
    assert "gentoys.theory.marchenko_pastur" not in deps


#: The fixed sample: (file, operator, a piece of the mutated expression). Found by content, not by line,
#: so that edits elsewhere in a file do not change the sample.
SAMPLE = (
    ("checks/claims/seed.py", "pow", "(1 - sp.sqrt(1 / q)) ** 2"),  # lower MP edge of the seed
    ("theory/prox.py", "drop", "(w - v) ** 2 / 2 + lam * sign * w"),  # the L1 term of the prox objective
    ("theory/curves.py", "const", "0.5"),  # the 1/2 of the expected losses
    ("theory/factorization.py", "muldiv", "lam / 2"),  # the weight decay of the scalar reduction
    ("theory/tuning.py", "addsub", "1 - eta * mu"),  # the GD edge condition
)
SAMPLE_CLAIMS = ["mp_edges", "soft_threshold_is_prox", "prox_fixed_point"]


def _pick(mutants, file, op, text):
    found = [m for m in mutants if m.file == file and m.operator == op and text in m.description]
    assert found, (file, op, text)
    return found[0]


@pytest.fixture(scope="module")
def session():
    with mu.Session(ROOT, jobs=1) as s:
        yield s


def test_unmutated_copy_passes_the_kill_suite(session):
    """The unmutated copy passes the tests and claims that catch the sample (so 'caught' means something)."""
    result = session.run_baseline(tests=["tests/test_prox.py", "tests/test_curves.py", "tests/test_tuning.py"],
                                  claims=SAMPLE_CLAIMS)
    assert result["killed"] is None
    assert set(session.baseline) == set(SAMPLE_CLAIMS)
    assert session.baseline["mp_edges"] == {**session.baseline["mp_edges"], "verdict": "confirmed", "agreement": True}


def test_sample_is_caught_in_a_copy(session):
    """Every mutant of the fixed sample is caught, and each ran against the copy, never the working tree."""
    if session.baseline is None:
        session.run_baseline(tests=[], claims=SAMPLE_CLAIMS)
    mutants = mu.enumerate_mutants(ROOT)
    start = time.monotonic()
    rows = [session.run_mutant(_pick(mutants, *spec), timeout=120) for spec in SAMPLE]
    for row in rows:
        assert row["status"] == "caught", row
        assert row["check"], row
        assert row["mutated_from_copy"] is True, row  # the mutated module was imported from the copy
    print(f"sample of {len(rows)} mutants in {time.monotonic() - start:.0f} s")  # about 50 s on an idle 2-core machine


def test_copy_modules_are_imported_not_the_working_tree(session, tmp_path):
    """In a child, every project module comes from the copies (the project is installed editable)."""
    m = _pick(mu.enumerate_mutants(ROOT), "theory/curves.py", "const", "0.5")
    task = session.task(m, tests=[], claims=[], keep=True)
    result = session._worker(0).run(task)
    try:
        assert result["stray_modules"] == {}
        assert result["mutated_from"].startswith(task["copy"])
        mutated = Path(task["copy"], "theory/curves.py").read_text()
        assert mutated != (ROOT / "theory/curves.py").read_text()
        assert (ROOT / "theory/curves.py").read_text() == (session.base / "theory/curves.py").read_text()
    finally:
        import shutil

        shutil.rmtree(task["copy"], ignore_errors=True)


def test_seed_mutants_run_the_claims_that_read_them_first():
    """A mutant of the seed's lower MP edge goes to mp_edges first; theory mutants keep the given order."""
    line = next(i for i, text in enumerate((ROOT / "checks/claims/seed.py").read_text().splitlines(), 1)
                if text.startswith("edges ="))
    assert "mp_edges" in mu.claims_reading(ROOT, "checks/claims/seed.py", line)
    assert mu.claims_reading(ROOT, "theory/prox.py", 28) == []
    assert mu._first(["b", "x"], ["a", "b", "c"]) == ["b", "a", "c"]
