"""checks.outputs.html and `gentoys report`: one self-contained, deterministic page from a report JSON.

The report is the synthetic one of tests/report_fixture.py (never the real verification).
"""
import dataclasses
import json
import re
from html.parser import HTMLParser

import jsonschema
import pytest
from click.testing import CliRunner

from gentoys.checks import cli
from gentoys.checks.outputs import html as page
from gentoys.checks.outputs.docs import MODULES, ORDER, derivation_text
from gentoys.checks.outputs.mathml import expression_mathml, parse_expression, text_with_math
from gentoys.checks.outputs.report_input import ReportInputError, check_report
from gentoys.checks.outputs.files import source_tree

from report_fixture import figure_png, report, report_text

ROOT = source_tree()


@pytest.fixture(scope="module")
def doc():
    return report()


@pytest.fixture(scope="module")
def figures():
    return {"lasso_phase": figure_png("lasso phase"), "gen_non_lin_weights": figure_png("relu")}


@pytest.fixture(scope="module")
def html_text(doc, figures):
    return page.render(doc, figures)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the headings in document order."""

    def __init__(self):
        super().__init__()
        self.tags, self.headings = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def _card(text, cid):
    """The opening tag and the body of claim ``cid``'s card."""
    m = re.search(rf'(<article [^>]*\bid="claim-{cid}"[^>]*>)(.*?)</article>', text, re.S)
    assert m, cid
    return m.group(1), m.group(2)


def _parse(text):
    p = _Tags()
    p.feed(text)
    return p


def test_fixture_is_a_schema_3_report(doc):
    """The fixture validates against docs/report-schema.json and covers every verdict and both sources."""
    jsonschema.validate(doc, json.loads((ROOT / "docs/report-schema.json").read_text()))
    assert {c["verdict"] for c in doc["claims"]} == {"confirmed", "erratum", "refuted", "inconclusive"}
    assert {c["source"] for c in doc["claims"]} == {"seed", "beyond"}


def test_a_card_per_claim_with_its_anchor_verdict_and_correction(doc, html_text):
    """Each claim has one card id="claim-<id>" carrying its verdict, reading, where, correction or reason."""
    for c in doc["claims"]:
        tag, card = _card(html_text, c["id"])
        assert html_text.count(f'id="claim-{c["id"]}"') == 1
        assert f'data-verdict="{c["verdict"]}"' in tag and f'data-source="{c["source"]}"' in tag
        for field in ("seed_says", "where", "reading", "correction", "why"):
            if c.get(field):
                assert page._e(c[field]) in card, (c["id"], field)


def test_evidence_table_shows_every_measurement(doc, html_text):
    """Every measurement's value, s.e., n, target, tolerance and decision appear in its claim's card."""
    for c in doc["claims"]:
        _, card = _card(html_text, c["id"])
        for e in c["evidence"]:
            assert page._e(e["summary"]) in card
            for m in e["measurements"]:
                row = card.split(f"<code>{page._e(m['name'])}</code>", 1)[1].split("</tr>", 1)[0]
                for value in (page._num(m["value"]), page._num(m["se"], 2), str(m["n"]), page._num(m["target"]),
                              "±" + page._num(m["tolerance"], 3), m["decision"]):
                    assert value in row, (c["id"], m["name"], value)


def test_summary_counts_by_verdict_seed_and_beyond_apart(doc, html_text):
    """The counts table has one row per source with the report's own counts."""
    table = html_text.split('class="counts"', 1)[1].split("</table>", 1)[0]
    for src, label in (("seed", "the seed&#x27;s claims"), ("beyond", "beyond the seed")):
        row = table.split(label, 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<td>(\d+)</td>", row)
        expected = [doc["counts"][src][v] for v in ("confirmed", "erratum", "refuted", "inconclusive")]
        assert cells == [str(x) for x in [*expected, sum(expected)]], src


def test_derivation_steps_are_those_of_derivations_md(doc, html_text):
    """The card of a claim whose seed formula names a derivation shows every step of that derivation, the same
    text docs/derivations.md holds."""
    d = derivation_text("prox_l1")
    _, card = _card(html_text, "soft_threshold_is_prox")
    assert f"Derivation: {page._e(d.title)}" in card
    assert card.count("<li>") >= len(d.steps)
    for text, tex in d.steps:
        assert text_with_math(text) in card
        if tex is not None:
            assert f'alttext="{page._e(tex)}"' in card
            assert f"$$\n{tex}\n$$" in (ROOT / "docs/derivations.md").read_text()


def test_seed_formula_is_mathml_from_its_latex(html_text):
    """The seed's formula is rendered as MathML (block), not as SymPy text."""
    _, card = _card(html_text, "soft_threshold_is_prox")
    assert '<math alttext="' in card and 'display="block"' in card
    assert "Max(" not in card and "**" not in card


def test_self_contained_no_external_resources(html_text):
    """No src/href leaves the page except plain links: images are data URIs, links are fragments."""
    tags = _parse(html_text).tags
    for tag, attrs in tags:
        if "src" in attrs:
            assert attrs["src"].startswith("data:image/png;base64,"), tag
        if "href" in attrs and tag != "a":
            pytest.fail(f"{tag} loads {attrs['href']}")
        if tag == "a":
            assert attrs["href"].startswith("#"), attrs["href"]
    assert "<link" not in html_text and "@import" not in html_text and "url(" not in html_text
    assert not re.search(r"https?://(?!www\.w3\.org/1998/Math/MathML)", html_text)


def test_accessible_structure(doc, html_text):
    """lang, a title, alt text on every image, headings that never skip a level."""
    parsed = _parse(html_text)
    assert ("html", {"lang": "en"}) in parsed.tags
    images = [a for t, a in parsed.tags if t == "img"]
    assert len(images) == 2 and all(a.get("alt", "").strip() for a in images)
    levels = parsed.headings
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_figures_only_where_a_claim_has_one(doc, html_text):
    """A card shows its figure when the folder has it; a card without one says nothing about figures."""
    for c in doc["claims"]:
        _, card = _card(html_text, c["id"])
        assert ("<img" in card) == (c["id"] in ("lasso_ridge_boundary", "relu_lasso_sparsity")), c["id"]
        if "<img" not in card:
            assert "figure" not in card.lower()


def test_deterministic_and_no_timings(doc, figures, html_text):
    """The same JSON gives the same bytes; the report's per-claim seconds are not printed."""
    assert page.render(report(), dict(figures)) == html_text
    changed = report()
    for c in changed["claims"]:
        c["seconds"] = 999.125
    assert page.render(changed, figures) == html_text


def test_a_changed_verdict_changes_the_page(doc, figures, html_text):
    """The page reads the report: another verdict is another page (the tests above cannot pass on a constant)."""
    other = report()
    other["claims"][0]["verdict"] = "refuted"
    other["claims"][0]["correction"] = "something else holds"
    assert 'data-verdict="refuted"' in _card(page.render(other, figures), "soft_threshold_is_prox")[0]


def test_print_stylesheet_and_filters_present(html_text):
    """A print style sheet hides the filters; the filter form has a radio per verdict present."""
    assert "@media print" in html_text
    for v in ("confirmed", "erratum", "refuted", "inconclusive"):
        assert f'name="verdict" value="{v}"' in html_text


def test_derivation_modules_cover_the_documented_derivations():
    """Each derivation key maps to the theory module whose derive() registers it (read from its source)."""
    assert set(MODULES) == set(ORDER)
    for key, module in MODULES.items():
        assert f'"{key}"' in (ROOT / "theory" / f"{module}.py").read_text(), key


def test_figure_names_are_those_of_gentoys_figures():
    """Every figure a card may show is one `gentoys figures` writes (the FIGURES table of figures.py)."""
    import ast

    tree = ast.parse((ROOT / "checks/outputs/figures.py").read_text())
    names = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", "") == "FIGURES" for t in node.targets))
    assert {name for name, _ in page.FIGURES.values()} <= {k.value for k in names.keys}


@pytest.mark.parametrize("text, expected", [
    ("lambda*q**2/(lambda + 1)", r"\lambda"),
    ("sign(w)*Max(0, -lambda + Abs(w))", r"\max"),
    ("norm2_S0_minus_T*(1/2 - q/2)", r"\Vert S_0-T\Vert^2"),
])
def test_seed_text_parses_back(text, expected):
    """SymPy's text form of a seed formula (with λ, a keyword in Python) renders with the documents' names."""
    assert expected in expression_mathml(text)


@pytest.mark.parametrize("text", ["eval(chr(49))", "q.__class__", "open(q)", "__import__('os')", "[q]", "q; q"])
def test_untrusted_formula_text_is_never_evaluated(text):
    """A report from elsewhere cannot reach Python builtins through a formula: such text is shown as code."""
    assert parse_expression(text) is None
    assert expression_mathml(text).startswith("<code>")


def _write(tmp_path, text, name="report.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(schema_version=2), "schema_version=2"),
    (lambda d: d["claims"][0].pop("verdict"), "claims[0]: 'verdict'"),
    (lambda d: d["claims"][1].update(verdict="maybe"), "claims[1]: verdict='maybe'"),
    (lambda d: d["claims"][2].update(id="x y"), "claims[2]: id='x y'"),
    (lambda d: d["claims"].append(dict(d["claims"][0])), "appears twice"),
    (lambda d: d["claims"][0].pop("evidence"), "'evidence' is missing"),
    (lambda d: d.pop("claims"), "'claims' must be a list"),
])
def test_check_report_names_the_field(mutate, words):
    d = report()
    mutate(d)
    with pytest.raises(ReportInputError, match=re.escape(words)):
        check_report(d)


@pytest.mark.parametrize("content, words", [
    (None, "no such file"),
    ("{", "invalid JSON"),
    ('{"schema_version": 2}', "schema_version=2"),
    ("[1, 2]", "a report is a JSON object"),
])
def test_cli_bad_from_is_one_line_exit_2_nothing_written(tmp_path, content, words):
    """--from missing, not JSON, another schema: one error line naming --from, exit 2, no page."""
    src = tmp_path / "in.json"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "out.html"
    result = CliRunner().invoke(cli.main, ["report", "--from", str(src), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: --from {src}: ") and words in lines[0], lines
    assert not out.exists()


def test_cli_renders_from_json_with_figures(tmp_path, html_text, figures):
    """`gentoys report --from R --out P --figures D` writes the same page render() gives, and says where."""
    src = _write(tmp_path, report_text())
    fig_dir = tmp_path / "figs"
    fig_dir.mkdir()
    for name, data in figures.items():
        (fig_dir / f"{name}.png").write_bytes(data)
    out = tmp_path / "sub" / "report.html"
    result = CliRunner().invoke(cli.main, ["report", "--from", str(src), "--out", str(out), "--figures", str(fig_dir)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == html_text
    assert str(out.resolve()) in result.output
    assert not [p for p in out.parent.iterdir() if p.name != "report.html"]  # the atomic write left no temp file


def test_cli_bad_out_and_figures(tmp_path):
    src = _write(tmp_path, report_text())
    result = CliRunner().invoke(cli.main, ["report", "--from", str(src), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Invalid value for '--out'" in result.output and "is a folder" in result.output
    result = CliRunner().invoke(cli.main, ["report", "--from", str(src), "--out", str(tmp_path / "r.html"),
                                           "--figures", str(tmp_path / "none")])
    assert result.exit_code == 2 and "error: --figures" in result.output
    assert not (tmp_path / "r.html").exists()


def test_cli_without_from_runs_the_verification(tmp_path, monkeypatch):
    """Without --from the claims are run (here a stand-in registry of the fixture's claims), the page written,
    and the exit code is verify's: 1 because a claim's routes disagree."""
    import gentoys.checks.claims as claims
    from report_fixture import results

    fixture = results()
    registry = {r.claim.id: dataclasses.replace(r.claim, check=(lambda o: lambda ctx: o)(r.outcome)) for r in fixture}
    monkeypatch.setattr(claims, "load_all", lambda: registry)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli.main, ["report", "--profile", "tiny", "--out", str(out)])
    assert result.exit_code == 1, result.output  # relu_lasso_sparsity: our routes disagree
    text = out.read_text(encoding="utf-8")
    assert all(f'id="claim-{cid}"' in text for cid in registry)


@pytest.mark.slow
def test_every_derivation_converts_to_mathml_without_leftover_commands():
    """Each formula of docs/derivations.md (display and inline) becomes MathML with no LaTeX command left as
    text (latex2mathml shows a command it does not know as its name, backslash and all)."""
    from gentoys.checks.outputs.mathml import mathml

    leftovers = []
    for key in ORDER:
        d = derivation_text(key)
        pieces = [(tex, False) for text in (d.model, *(t for t, _ in d.steps)) for tex in re.findall(r"\$([^$]+)\$", text)]
        pieces += [(tex, True) for _, tex in d.steps if tex]
        for tex, display in pieces:
            body = mathml(tex, display).split(">", 1)[1]
            leftovers += [(key, hit) for hit in re.findall(r">([^<]*\\[^<]*)<", body)]
    assert not leftovers, leftovers
