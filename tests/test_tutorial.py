"""docs/tutorial.md runs: read as a notebook by Jupytext, every cell executed in a fresh kernel by nbclient."""
import time

import pytest

from gentoys.checks.outputs.files import source_tree

jupytext = pytest.importorskip("jupytext", reason="jupytext is in the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")

TUTORIAL = source_tree() / "docs" / "tutorial.md"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after running, in a scratch folder (its report.json goes there)."""
    nb = jupytext.read(TUTORIAL)
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path_factory.mktemp("tutorial"))}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    return nb, time.perf_counter() - start


def test_every_cell_runs_without_error(executed):
    nb, _ = executed
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 10
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert all(c.get("execution_count") for c in code)


def test_it_shows_what_it_says(executed):
    """The cells print the numbers the text speaks of, and the figure is drawn."""
    nb, _ = executed
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")
    assert "q=1.5 is outside its domain" in text
    assert "largest gap to scikit-learn" in text and "one card: True" in text
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images
