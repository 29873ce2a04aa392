"""``gentoys report``: the verification report as one self-contained HTML page.

One file that opens offline: the style sheet and the filter script inline, figures as data URIs,
mathematics as MathML (browsers render it natively). A card per claim, ``id="claim-<id>"``, holds what the
seed says and where, the reading the verdict is decided under, the verdict and the agreement of our routes,
the corrected statement, the seed's formulas, the evidence as a table, the derivation steps (the same text
``gentoys derive`` writes to docs/derivations.md) and, for the claims a figure of ``gentoys figures``
illustrates, that figure.

Deterministic: the same report JSON (and figure files) gives the same bytes; nothing depends on the clock,
and the report's timings are not shown.
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

from gentoys.checks.framework.claim import SOURCES, VERDICTS
from gentoys.checks.outputs.html_assets import SCRIPT, STYLE
from gentoys.checks.outputs.mathml import expression_mathml, text_with_math

#: the groups of the claims catalogue (CLAIMS.md)
GROUPS = {"A": "Linear teacher–student, spectra and dynamics", "B": "Step sizes, rates and momentum",
          "C": "Proximal L1", "D": "Sparse teacher", "E": "Weight decay on factors",
          "F": "Over-parametrized networks", "G": "Statements added on review"}
SOURCE_NAMES = {"seed": "the seed's claims", "beyond": "beyond the seed"}
VERDICT_MEANS = {
    "confirmed": "the statement holds under the reading its own words fix",
    "erratum": "wrong as printed (a typo, a factor, notation, scope) while the conclusion it serves stands",
    "refuted": "the conclusion fails; the card states what holds instead",
    "inconclusive": "what was measured cannot decide; the card says what would",
}
AGREEMENT = {"yes": ("a-yes", "our routes agree"),
             "NO": ("a-no", "our routes DISAGREE (a bug in the toolkit)"),
             "undecided": ("a-undecided", "a cross-check lacked the power to decide"),
             "n/a": ("a-na", "n/a: no evidence compares two of our routes")}
KINDS = {"S": "symbolic", "N": "numeric", "M": "simulated"}
#: figures of ``gentoys figures`` (checks/outputs/figures.py), each shown with the claim it illustrates best
#: (once: a figure is tens of kilobytes): claim id -> (figure name, alt text)
FIGURES = {
    "mp_edges": ("spectrum", "Histogram of sampled non-zero eigenvalues of the training Gram matrix with the "
                             "Marchenko–Pastur density drawn over it; the bars follow the curve between its edges."),
    "eq2_ridge_plateau": ("gen_linear", "Generalization loss over epochs, log scale, for gradient descent, ridge, "
                                        "momentum and momentum with ridge: simulated means with two-standard-"
                                        "error bands, the Marchenko–Pastur theory dashed, and the plateaus of "
                                        "Eq. 1 and Eq. 2 as horizontal lines."),
    "lasso_wins_sparse": ("gen_linear_sparse", "Two panels of generalization loss over epochs, random and sparse "
                                               "teacher, for gradient descent, ridge and the lasso, with the "
                                               "lasso's state-evolution plateau dashed."),
    "lasso_ridge_boundary": ("lasso_phase", "Map over q and sparsity of the predicted log ratio of lasso to ridge "
                                            "loss, its zero contour, the Donoho–Tanner line dashed, simulated "
                                            "points as circles and the seed's example as a star."),
    "wd_factor_nuclear": ("factor_spectrum", "Singular values of a product of factors trained with weight decay "
                                             "for three strengths, beside the target's singular values "
                                             "soft-thresholded at each strength."),
    "two_layer_lasso_columns": ("gen_deeper_weights", "Two-layer linear student: train and validation losses "
                                                      "per method, and heat maps of log10 |M_ij| for lasso and "
                                                      "ridge, hidden units ordered by weight."),
    "relu_lasso_sparsity": ("gen_non_lin_weights", "ReLU teacher–student: train and validation losses per "
                                                   "method, and heat maps of log10 |M_ij| for lasso and ridge; "
                                                   "exactly zero weights are white."),
}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _num(value: Any, digits: int = 4) -> str:
    """A number as a table shows it: 4 significant digits, a true minus sign; strings (nan, inf) as given."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = f"{value:.{digits}g}" if math.isfinite(value) else str(value)
    else:
        return _e(value)
    return _e(text.replace("-", "−"))


def _badge(verdict: str) -> str:
    return f'<span class="badge v-{verdict}">{verdict}</span>'


def _agreement(label: str) -> str:
    cls, words = AGREEMENT[label]
    return f'<span class="{cls}">{_e(words)}</span>'


def _counts_table(claims: list[dict], counts: Mapping[str, Mapping[str, int]]) -> str:
    rows = []
    for src in SOURCES:
        c = counts.get(src, {})
        n = sum(c.get(v, 0) for v in VERDICTS)
        if not n and not any(x["source"] == src for x in claims):
            continue
        cells = "".join(f"<td>{c.get(v, 0)}</td>" for v in VERDICTS)
        rows.append(f'<tr><th scope="row">{_e(SOURCE_NAMES[src])}</th>{cells}<td>{n}</td></tr>')
    head = "".join(f'<th scope="col">{_badge(v)}</th>' for v in VERDICTS)
    return (f'<div class="scroll"><table class="counts"><caption class="sr-only">Verdicts by source</caption>'
            f'<thead><tr><th scope="col">claims</th>{head}<th scope="col">total</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _summary(doc: dict) -> str:
    claims = doc["claims"]
    labels = {k: [c["id"] for c in claims if c["agreement_label"] == k] for k in AGREEMENT}
    failures = ", ".join(f'<a href="#claim-{i}"><code>{i}</code></a>' for i in labels["NO"]) or "none"
    legend = "".join(f"<dt>{_badge(v)}</dt><dd>{_e(VERDICT_MEANS[v])}</dd>" for v in VERDICTS)
    return (f'<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
            f'{_counts_table(claims, doc["counts"])}'
            f'<p>Our own routes (derivation, independent numerics, simulation) agree on {len(labels["yes"])} '
            f'claims; a cross-check lacked the power to decide on {len(labels["undecided"])}; '
            f'{len(labels["n/a"])} have no second route. Agreement failures: {failures}.</p>'
            f'<dl class="legend">{legend}</dl></section>')


def _index(claims: list[dict]) -> str:
    rows = "".join(
        f'<tr><td><a href="#claim-{c["id"]}"><code>{c["id"]}</code></a></td><td>{_e(c["group"])}</td>'
        f'<td>{"seed" if c["source"] == "seed" else "beyond"}</td><td>{_badge(c["verdict"])}</td>'
        f'<td>{_agreement(c["agreement_label"])}</td></tr>' for c in claims)
    return (f'<section id="index" aria-labelledby="index-h"><h2 id="index-h">Claims at a glance</h2>'
            f'<div class="scroll"><table><thead><tr><th scope="col">claim</th><th scope="col">group</th>'
            f'<th scope="col">source</th><th scope="col">verdict</th><th scope="col">agreement</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div></section>')


def _filters(claims: list[dict], groups: list[str]) -> str:
    def radios(name: str, options: Iterable[tuple[str, str]]) -> str:
        items = [("all", f"all ({len(claims)})"), *options]
        return "".join(f'<label><input type="radio" name="{name}" value="{_e(v)}"'
                       f'{" checked" if v == "all" else ""}><span>{_e(text)}</span></label>' for v, text in items)

    verdicts = [(v, f"{v} ({sum(c['verdict'] == v for c in claims)})") for v in VERDICTS
                if any(c["verdict"] == v for c in claims)]
    sources = [(s, f"{'seed' if s == 'seed' else 'beyond the seed'} ({sum(c['source'] == s for c in claims)})")
               for s in SOURCES if any(c["source"] == s for c in claims)]
    return (f'<form id="filters" class="filters" hidden aria-label="Filter the claims">'
            f'<fieldset><legend>Verdict</legend>{radios("verdict", verdicts)}</fieldset>'
            f'<fieldset><legend>Group</legend>{radios("group", [(g, g) for g in groups])}</fieldset>'
            f'<fieldset><legend>Source</legend>{radios("source", sources)}</fieldset>'
            f'<p id="shown" aria-live="polite">{len(claims)} of {len(claims)} claims shown</p></form>')


def _evidence(evidence: list[dict]) -> str:
    if not evidence:
        return ""
    rows = []
    for e in evidence:
        status = ("undecided" if e.get("undecided") else
                  {True: "agrees", False: "DISAGREES", None: "measured"}.get(e.get("agrees"), "measured"))
        rows.append(f'<tr class="summary-row"><td class="kind">{_e(KINDS.get(e.get("kind"), e.get("kind")))}</td>'
                    f'<td colspan="7">{_e(e["summary"])}</td><td>{status}</td></tr>')
        for m in e.get("measurements", []):
            interval = m.get("interval")
            interval = (f"[{_num(interval[0])}, {_num(interval[1])}]"
                        if isinstance(interval, list) and len(interval) == 2 else "")
            tol = m.get("tolerance")
            decision = _e(m.get("decision", ""))
            if m.get("decision") == "undecided" and isinstance(m.get("n_to_decide"), int):
                decision += f" ({m['n_to_decide']} data sets would decide)"
            rows.append(f'<tr><td></td><td><code>{_e(m.get("name", ""))}</code></td>'
                        f'<td class="num">{_num(m.get("value"))}</td><td class="num">{_num(m.get("se"), 2)}</td>'
                        f'<td class="num">{_num(m.get("n"))}</td><td class="num">{_num(m.get("target"))}</td>'
                        f'<td class="num">{"±" + _num(tol, 3) if tol is not None else ""}</td>'
                        f'<td class="num">{interval}</td><td>{decision}</td></tr>')
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("route", "measurement", "value", "s.e.", "n", "target", "tolerance", "90 % interval",
                    "decision"))
    return (f'<h4>Evidence</h4><div class="scroll"><table class="evidence"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _derivations(cid: str, keys: list[str], texts: Mapping[str, Any]) -> str:
    out = []
    for key in keys:
        d = texts.get(key)
        if d is None:
            continue
        steps = "".join(f"<li>{text_with_math(text)}{'' if tex is None else _display(tex)}</li>"
                        for text, tex in d.steps)
        out.append(f'<details id="claim-{cid}-derivation-{_e(key)}"><summary>Derivation: {_e(d.title)} '
                   f'({len(d.steps)} steps)</summary><p><em>Model.</em> {text_with_math(d.model)}</p>'
                   f'<ol>{steps}</ol></details>')
    return ("<h4>Derivation</h4>" + "".join(out)) if out else ""


def _display(tex: str) -> str:
    from gentoys.checks.outputs.mathml import mathml

    return mathml(tex, display=True)


def _figure(cid: str, figures: Mapping[str, bytes]) -> str:
    if cid not in FIGURES or FIGURES[cid][0] not in figures:
        return ""
    name, alt = FIGURES[cid]
    data = base64.b64encode(figures[name]).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
            f'<figcaption>Figure <code>{_e(name)}</code> of <code>gentoys figures</code>.</figcaption></figure>')


def _card(c: dict, texts: Mapping[str, Any], figures: Mapping[str, bytes]) -> str:
    cid = c["id"]
    facts = [("The seed says", _e(c["seed_says"])), ("Reading", _e(c["reading"]) or "as printed"),
             ("Verdict", f'{_badge(c["verdict"])} — {_e(VERDICT_MEANS[c["verdict"]])}'),
             ("Agreement", _agreement(c["agreement_label"]))]
    if c.get("correction"):
        facts.append(("What holds" if c["verdict"] == "refuted" else "Corrected statement",
                      f'<div class="correction">{_e(c["correction"])}</div>'))
    if c.get("why"):
        facts.append(("What would decide", f'<div class="correction">{_e(c["why"])}</div>'))
    if c["key"]:
        facts.append(("Key numbers", _e(c["key"])))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    parts = [f'<dl class="facts">{body}</dl>']
    if c.get("readings"):
        rows = "".join(f'<tr><td>{_e(r.get("name", ""))}</td><td>{_badge(r["verdict"]) if r.get("verdict") in VERDICTS else ""}'
                       f'</td><td>{_e(r.get("note", ""))}</td></tr>' for r in c["readings"])
        parts.append(f'<h4>Other readings</h4><div class="scroll"><table><thead><tr><th scope="col">reading</th>'
                     f'<th scope="col">verdict</th><th scope="col">note</th></tr></thead><tbody>{rows}</tbody>'
                     f'</table></div>')
    if c["seed_formulas"]:
        items = "".join(f'<li>{_e(f["label"])}: {expression_mathml(f["seed"])}</li>' for f in c["seed_formulas"])
        parts.append(f'<h4>The seed\'s formulas</h4><ul class="formulas">{items}</ul>')
    parts.append(_evidence(c["evidence"]))
    keys = list(dict.fromkeys(f["derivation"] for f in c["seed_formulas"] if f["derivation"]))
    parts.append(_derivations(cid, keys, texts))
    parts.append(_figure(cid, figures))
    beyond = ' <span class="badge beyond">beyond the seed</span>' if c["source"] == "beyond" else ""
    return (f'<article class="card v-{c["verdict"]}" id="claim-{cid}" data-verdict="{c["verdict"]}" '
            f'data-group="{_e(c["group"])}" data-source="{c["source"]}" aria-labelledby="claim-{cid}-h">'
            f'<header><h3 id="claim-{cid}-h"><code>{cid}</code></h3>{_badge(c["verdict"])}{beyond}</header>'
            f'<p class="where">Where in the seed: {_e(c["where"])}</p>{"".join(parts)}</article>')


def derivation_keys(doc: Mapping[str, Any]) -> list[str]:
    """Every derivation the report's claims point to, sorted."""
    return sorted({f["derivation"] for c in doc["claims"] for f in c["seed_formulas"] if f["derivation"]})


def load_texts(keys: Iterable[str]) -> dict[str, Any]:
    """The derivations ``keys`` as docs/derivations.md prints them; keys this version does not know are left out
    (a report from another version)."""
    from gentoys.checks.outputs.docs import MODULES, derivation_text

    return {k: derivation_text(k) for k in keys if k in MODULES}


def read_figures(folder: str | Path | None) -> dict[str, bytes]:
    """The PNGs of ``gentoys figures`` in ``folder`` that a card shows, by figure name (none without a folder)."""
    if folder is None:
        return {}
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder={str(root)!r} is not a folder (make one with `gentoys figures --out DIR`)")
    wanted = sorted({name for name, _ in FIGURES.values()})
    return {name: (root / f"{name}.png").read_bytes() for name in wanted if (root / f"{name}.png").is_file()}


def render(doc: Mapping[str, Any], figures: Mapping[str, bytes] | None = None,
           texts: Mapping[str, Any] | None = None) -> str:
    """The page for a checked report ``doc`` (see ``report_input.check_report``); ``figures`` by name (PNG
    bytes) and the derivation ``texts`` by key (loaded from theory when not given)."""
    figures = figures or {}
    texts = load_texts(derivation_keys(doc)) if texts is None else texts
    claims = list(doc["claims"])
    groups = sorted({c["group"] for c in claims})
    sections = []
    for g in groups:
        title = f"{g}. {GROUPS[g]}" if g in GROUPS else f"Group {g}"
        cards = "".join(_card(c, texts, figures) for c in claims if c["group"] == g)
        sections.append(f'<section class="group" id="group-{_e(g)}" aria-labelledby="group-{_e(g)}-h">'
                        f'<h2 id="group-{_e(g)}-h">{_e(title)}</h2>{cards}</section>')
    n = len(claims)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<title>gentoys verification report</title>\n'
        f'<style>{STYLE}</style>\n</head>\n<body>\n'
        '<a class="skip" href="#claims">Skip to the claims</a>\n'
        '<header><h1>gentoys verification report</h1>'
        f'<p class="lede">{n} claims judged under profile <code>{_e(doc["profile"])}</code> on '
        f'<code>{_e(doc["device"])}</code>, seed {_e(doc["seed"])}; report schema {_e(doc["schema_version"])}. '
        'Each claim is judged under the reading its own words fix; the agreement says whether our own routes '
        '(derivation, numerics, simulation) agree with each other.</p></header>\n<main>\n'
        f'{_summary(doc)}\n{_index(sorted(claims, key=lambda c: c["group"]))}\n'
        f'<div id="claims">{_filters(claims, groups)}\n' + "\n".join(sections) + '</div>\n</main>\n'
        '<footer>Made by <code>gentoys report</code> from the JSON of <code>gentoys verify --json</code>. '
        'Derivation steps are those of docs/derivations.md (<code>gentoys derive</code>).</footer>\n'
        f'<script>{SCRIPT}</script>\n</body>\n</html>\n')
