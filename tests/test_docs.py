"""checks.docs.render: the derivations document is deterministic and complete."""
import pytest

from gentoys.checks.outputs import docs
from gentoys.theory.core.derivation import REGISTRY


@pytest.fixture(scope="module")
def rendered():
    """Two independent renders in one process (rendering is slow: do it once per module)."""
    return docs.render(), docs.render()


def test_render_is_deterministic(rendered):
    """Two calls give byte-identical documents (derive --check relies on it)."""
    first, second = rendered
    assert first == second


def test_render_has_a_section_per_derivation_in_order(rendered):
    """Every derivation key of ORDER has its section, in ORDER, each exactly once."""
    text = rendered[0]
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == [REGISTRY[key].title for key in docs.ORDER]


def test_every_step_is_rendered(rendered):
    """Each section numbers all the steps of its derivation."""
    text = rendered[0]
    for key in docs.ORDER:
        section = text.split(f"## {REGISTRY[key].title}\n", 1)[1].split("\n## ", 1)[0]
        n = len(REGISTRY[key].steps)
        assert f"\n{n}. " in section, key
        assert f"\n{n + 1}. " not in section, key


def test_gf_ridge_solution_seed_version_marked_not_agreeing(rendered):
    """The printed ridge solution of the seed is shown as disagreeing with the derivation."""
    rows = [line for line in rendered[0].splitlines() if line.startswith("| `gf_ridge_solution`")]
    assert len(rows) == 1
    assert "| no (" in rows[0]


def test_agreeing_seed_versions_marked_yes(rendered):
    """Seed formulas that hold (e.g. mp_lambda_R, distill_eta) are marked as agreeing."""
    text = rendered[0]
    for cid in ("mp_lambda_R", "distill_eta", "soft_threshold_is_prox", "gf_unregularized_solution"):
        rows = [line for line in text.splitlines() if line.startswith(f"| `{cid}`")]
        assert rows and all(row.endswith("| yes |") for row in rows), cid


def test_render_ends_with_single_newline(rendered):
    """The document ends with exactly one newline and has no trailing spaces (stable diffs)."""
    text = rendered[0]
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert text.startswith("# Derivations\n")
    assert not any(line != line.rstrip() for line in text.splitlines())
