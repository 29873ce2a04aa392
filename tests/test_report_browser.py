"""The HTML report in a real browser: the system's chromium, driven by Playwright (no browser download).

Opens the page of the synthetic report (tests/report_fixture.py) from a file, offline, and checks what a
reader sees: a visible card per claim, every formula laid out with a non-zero box, every image decoded, no
console error, the verdict filter, fragment links; a screenshot is kept under artifacts/ (git-ignored).
Skipped only when no chromium is installed (CI installs one: .ci/run).
"""
import json
import os
import shutil
from pathlib import Path

import pytest

from gentoys.checks.outputs import html as page
from gentoys.checks.outputs.files import source_tree

from report_fixture import figure_png, report

CHROMIUM = next((p for p in (os.environ.get("GENTOYS_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine: install the system "
                                "package (Debian: apt-get install chromium); .ci/run does")
ARTIFACTS = (source_tree() or Path.cwd()) / "artifacts"


@pytest.fixture(scope="module")
def doc():
    return report()


@pytest.fixture(scope="module")
def page_file(doc, tmp_path_factory):
    figures = {"lasso_phase": figure_png("lasso phase"), "gen_non_lin_weights": figure_png("relu")}
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(page.render(doc, figures), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture
def opened(browser, page_file):
    """A fresh tab on the page, offline, with every console message and page error collected."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    tab = context.new_page()
    messages = []
    tab.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    tab.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    requests = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(page_file.as_uri())
    tab.wait_for_load_state("load")
    yield tab, messages, requests
    context.close()


def test_every_claim_has_a_visible_card(opened, doc):
    tab, _, _ = opened
    for c in doc["claims"]:
        card = tab.locator(f"#claim-{c['id']}")
        assert card.count() == 1 and card.is_visible(), c["id"]
        assert c["verdict"] in card.locator("header").inner_text()


def test_math_renders_with_a_box_and_images_load(opened):
    """Every <math> (derivations opened, as for printing) has a non-zero box; every <img> has decoded."""
    tab, _, _ = opened
    tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    boxes = tab.evaluate("""Array.from(document.querySelectorAll('math')).map(m => {
        const r = m.getBoundingClientRect(); return [r.width, r.height, m.getAttribute('alttext')]; })""")
    assert len(boxes) >= 10
    empty = [alt for w, h, alt in boxes if not (w > 0 and h > 0)]
    assert not empty, empty
    # MathML is laid out as mathematics (a fraction is taller than a line of text), not as plain inline text
    assert tab.evaluate("document.querySelector('mfrac') === null || "
                        "document.querySelector('mfrac').getBoundingClientRect().height > 0")
    images = tab.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) == 2
    assert all(done and width > 0 and alt for done, width, alt in images), images


def test_no_console_errors_and_no_network(opened):
    tab, messages, requests = opened
    tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    errors = [m for m in messages if m.startswith(("error", "pageerror"))]
    assert not errors, errors
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_verdict_filter_hides_the_other_cards(opened, doc):
    tab, _, _ = opened
    assert tab.locator("#filters").is_visible()
    tab.locator("#filters label", has_text="refuted").click()
    for c in doc["claims"]:
        assert tab.locator(f"#claim-{c['id']}").is_visible() == (c["verdict"] == "refuted"), c["id"]
    assert tab.locator("#shown").inner_text().startswith("1 of 4")
    tab.locator("#filters fieldset", has_text="Verdict").locator("label", has_text="all").click()
    tab.locator("#filters label", has_text="beyond the seed").click()
    for c in doc["claims"]:
        assert tab.locator(f"#claim-{c['id']}").is_visible() == (c["source"] == "beyond"), c["id"]


def test_fragment_link_scrolls_to_its_card(opened, doc):
    """Following #claim-<id> brings that card into view, even when a filter had hidden it."""
    tab, _, _ = opened
    last = doc["claims"][-1]["id"]
    assert not tab.locator(f"#claim-{last}").evaluate("e => e.getBoundingClientRect().top < innerHeight")
    tab.locator("#index").get_by_role("link", name=last).click()
    tab.wait_for_function(f"document.getElementById('claim-{last}').getBoundingClientRect().top < innerHeight")
    tab.locator("#filters label", has_text="confirmed").click()  # hides it
    first = doc["claims"][0]["id"]
    tab.evaluate(f"location.hash = '#claim-{first}'")
    tab.evaluate(f"location.hash = '#claim-{last}'")
    tab.wait_for_function(f"!document.getElementById('claim-{last}').hidden && "
                          f"document.getElementById('claim-{last}').getBoundingClientRect().top < innerHeight")


def test_readable_at_200_percent_zoom(browser, page_file):
    """At half the width (200 % zoom of a 1100 px window) nothing but tables and formulas scrolls sideways."""
    context = browser.new_context(viewport={"width": 550, "height": 900}, offline=True)
    tab = context.new_page()
    tab.goto(page_file.as_uri())
    assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")
    context.close()


def test_screenshot_artifact(opened, doc):
    """Keep a full-page screenshot (and the page beside it) for people to look at; one derivation opened."""
    tab, _, _ = opened
    tab.locator("details summary").first.click()
    tab.evaluate("window.scrollTo(0, 0)")  # the sticky filter bar then sits at the top of the capture
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    tab.screenshot(path=str(shot), full_page=True)
    (ARTIFACTS / "report-fixture.json").write_text(json.dumps(doc, indent=2))
    assert shot.stat().st_size > 10_000
