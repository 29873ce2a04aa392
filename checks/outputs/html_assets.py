"""The HTML report's inline style sheet and script: inline, so the page is one file that opens offline.

The script only filters the cards and opens every derivation before printing; without it the page shows
every card and hides the (then useless) filter form.
"""

STYLE = """
:root { --ink: #1d2330; --muted: #545b69; --line: #d5d9e0; --paper: #ffffff; --tint: #f5f7fa;
  --confirmed: #1a6334; --confirmed-bg: #e2f3e7; --erratum: #0b5872; --erratum-bg: #def0f6;
  --refuted: #a1161b; --refuted-bg: #fce6e6; --inconclusive: #6e4a00; --inconclusive-bg: #fff1d2;
  --link: #1b4fa0; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0 auto; max-width: 62rem; padding: 0 1rem 3rem; color: var(--ink); background: var(--paper);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
a { color: var(--link); }
a:focus-visible, input:focus-visible + span, summary:focus-visible { outline: 3px solid #f0a800; outline-offset: 2px; }
h1 { font-size: 1.9rem; margin: 1.5rem 0 0.2rem; line-height: 1.2; }
h2 { font-size: 1.45rem; margin: 2.4rem 0 0.8rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.15rem; margin: 0; line-height: 1.35; overflow-wrap: anywhere; }
h4 { font-size: 1rem; margin: 1.1rem 0 0.4rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
math { font-family: math, "STIX Two Math", "Latin Modern Math", "Cambria Math", "DejaVu Serif", serif;
  font-size: 1.08em; }
math[display="block"] { width: fit-content; max-width: calc(100% - 1.5rem); margin: 0.5rem 0 0.5rem 1.5rem; overflow-x: auto; overflow-y: hidden; padding: 0.15rem 0; }
.skip, .sr-only { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--paper); padding: 0.3rem 0.6rem; }
.lede { color: var(--muted); margin: 0 0 1rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.92rem; margin: 0.4rem 0 0.8rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
thead th { background: var(--tint); border-bottom: 2px solid var(--line); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.counts td, .counts th { text-align: center; }
.counts th[scope="row"] { text-align: left; }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 0.8rem; font-size: 0.85rem;
  font-weight: 600; white-space: nowrap; border: 1px solid transparent; vertical-align: 0.1em; }
.v-confirmed { color: var(--confirmed); background: var(--confirmed-bg); border-color: var(--confirmed); }
.v-erratum { color: var(--erratum); background: var(--erratum-bg); border-color: var(--erratum); }
.v-refuted { color: var(--refuted); background: var(--refuted-bg); border-color: var(--refuted); }
.v-inconclusive { color: var(--inconclusive); background: var(--inconclusive-bg); border-color: var(--inconclusive); }
.beyond { color: #4a2d7a; background: #efe8fa; border-color: #4a2d7a; }
.a-no { color: var(--refuted); font-weight: 700; }
.a-undecided { color: var(--inconclusive); }
.a-na { color: var(--muted); }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 0.8rem; margin: 0.8rem 0;
  font-size: 0.95rem; }
.legend dt { margin: 0; }
.legend dd { margin: 0; }
.filters { position: sticky; top: 0; z-index: 2; background: var(--paper); border-bottom: 1px solid var(--line);
  padding: 0.5rem 0; display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; align-items: flex-start; }
.filters[hidden] { display: none; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem;
  align-items: center; }
.filters legend { float: left; font-weight: 600; margin-right: 0.3rem; font-size: 0.9rem; }
.filters label { cursor: pointer; }
.filters input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.filters label span { display: inline-block; padding: 0.1rem 0.6rem; border: 1px solid var(--line);
  border-radius: 0.8rem; font-size: 0.88rem; background: var(--tint); }
.filters input:checked + span { background: var(--ink); color: var(--paper); border-color: var(--ink); }
#shown { flex-basis: 100%; margin: 0; font-size: 0.88rem; color: var(--muted); }
.card { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 0.4rem;
  padding: 0.9rem 1.1rem; margin: 1rem 0; scroll-margin-top: 7rem; background: var(--paper); }
.card.v-confirmed, .card.v-erratum, .card.v-refuted, .card.v-inconclusive { background: var(--paper);
  color: var(--ink); }
.card.v-confirmed { border-left-color: var(--confirmed); }
.card.v-erratum { border-left-color: var(--erratum); }
.card.v-refuted { border-left-color: var(--refuted); }
.card.v-inconclusive { border-left-color: var(--inconclusive); }
.card:target { box-shadow: 0 0 0 3px #f0a800; }
.card header { display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: baseline; }
.card .where { color: var(--muted); font-size: 0.9rem; margin: 0.2rem 0 0.6rem; }
.facts { display: grid; grid-template-columns: 10.5rem 1fr; gap: 0.35rem 1rem; margin: 0; }
.facts dt { font-weight: 600; color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.correction { border-left: 3px solid currentColor; padding-left: 0.6rem; }
.formulas { list-style: none; padding: 0; margin: 0; }
.formulas li { margin: 0.3rem 0 0.6rem; }
.evidence .summary-row td { background: var(--tint); }
.evidence .kind { font-weight: 600; white-space: nowrap; }
details { margin: 0.6rem 0; border: 1px solid var(--line); border-radius: 0.3rem; padding: 0.3rem 0.7rem; }
details > summary { cursor: pointer; font-weight: 600; }
details ol { padding-left: 1.6rem; }
details li { margin: 0.35rem 0; }
figure { margin: 0.8rem 0 0.2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 0.9rem; color: var(--muted); }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line);
  padding-top: 0.6rem; }
@media (max-width: 40rem) {
  .facts { grid-template-columns: 1fr; }
  .facts dd { margin-bottom: 0.4rem; }
  .filters { position: static; }
}
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .filters, .skip, #shown { display: none !important; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  .card { break-inside: auto; border-left-width: 4px; box-shadow: none !important; margin: 0.5rem 0; }
  .card header, table, figure, math[display="block"] { break-inside: avoid; }
  figure img { max-height: 9cm; width: auto; }
  details { border: 0; padding: 0; }
  details > summary { list-style: none; }
  .scroll, math[display="block"] { overflow: visible; }
  .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

SCRIPT = """
(function () {
  var form = document.getElementById('filters');
  var shown = document.getElementById('shown');
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.card'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('section.group'));
  function value(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : 'all';
  }
  function apply() {
    var want = {verdict: value('verdict'), group: value('group'), source: value('source')}, n = 0;
    cards.forEach(function (card) {
      var show = ['verdict', 'group', 'source'].every(function (k) {
        return want[k] === 'all' || card.dataset[k] === want[k];
      });
      card.hidden = !show;
      if (show) { n += 1; }
    });
    groups.forEach(function (section) {
      section.hidden = !section.querySelector('article.card:not([hidden])');
    });
    shown.textContent = n + ' of ' + cards.length + ' claims shown';
  }
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var card = target && target.closest('article.card');
    if (card && card.hidden) { form.reset(); apply(); target.scrollIntoView(); }
  }
  form.hidden = false;
  form.addEventListener('change', apply);
  window.addEventListener('hashchange', reveal);
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
  apply();
  reveal();
})();
"""
