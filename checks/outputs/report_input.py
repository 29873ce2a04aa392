"""Read a verification report JSON back (``gentoys report --from``), refusing what the HTML page cannot show.

Only what the page reads is checked, each with a message that names the field; docs/report-schema.json is
the full description (the tests validate reports against it).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gentoys.checks.framework.claim import SOURCES, VERDICTS

#: claim ids become fragment anchors (``#claim-<id>``); the report schema holds them to this
CLAIM_ID = re.compile(r"[A-Za-z0-9_]+")
AGREEMENT_LABELS = ("yes", "NO", "undecided", "n/a")
_CLAIM_TEXT = ("id", "group", "source", "seed_says", "where", "reading", "verdict", "agreement_label", "key")


class ReportInputError(ValueError):
    """The file is not a report this version can render: missing, not JSON, another schema, malformed."""


def load_report(path: str | Path) -> dict[str, Any]:
    """The report at ``path``, parsed and checked (see :func:`check_report`)."""
    p = Path(path)
    if not p.is_file():
        raise ReportInputError("no such file" if not p.exists() else "not a file")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ReportInputError(f"invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    check_report(doc)
    return doc


def check_report(doc: Any) -> None:
    """Raise :class:`ReportInputError` naming the first field the page could not render."""
    from gentoys.checks.outputs.report import SCHEMA_VERSION

    if not isinstance(doc, dict):
        raise ReportInputError(f"a report is a JSON object, got {type(doc).__name__}")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReportInputError(f"schema_version={version!r}, this gentoys reads schema_version "
                               f"{SCHEMA_VERSION} (rerun `gentoys verify --json` with this version)")
    for name, kind in (("profile", str), ("device", str), ("seed", int), ("counts", dict), ("claims", list)):
        if not isinstance(doc.get(name), kind):
            raise ReportInputError(f"'{name}' must be a {kind.__name__}, got {doc.get(name)!r:.60}")
    seen = set()
    for i, c in enumerate(doc["claims"]):
        at = f"claims[{i}]"
        if not isinstance(c, dict):
            raise ReportInputError(f"{at} must be an object")
        for name in _CLAIM_TEXT:
            if not isinstance(c.get(name), str):
                raise ReportInputError(f"{at}: '{name}' must be a string, got {c.get(name)!r:.60}")
        if not CLAIM_ID.fullmatch(c["id"]):
            raise ReportInputError(f"{at}: id={c['id']!r} must be letters, digits and _")
        if c["id"] in seen:
            raise ReportInputError(f"{at}: id={c['id']!r} appears twice")
        seen.add(c["id"])
        for name, allowed in (("verdict", VERDICTS), ("source", SOURCES), ("agreement_label", AGREEMENT_LABELS)):
            if c[name] not in allowed:
                raise ReportInputError(f"{at}: {name}={c[name]!r} is not one of {allowed}")
        for name in ("evidence", "seed_formulas", "readings"):
            if name != "readings" and name not in c:
                raise ReportInputError(f"{at}: '{name}' is missing")
            if not isinstance(c.get(name, []), list) or not all(isinstance(x, dict) for x in c.get(name, [])):
                raise ReportInputError(f"{at}: '{name}' must be a list of objects")
        for j, e in enumerate(c["evidence"]):
            if not isinstance(e.get("summary"), str) or not isinstance(e.get("measurements", []), list):
                raise ReportInputError(f"{at}.evidence[{j}]: needs a 'summary' string and a 'measurements' list")
        for j, f in enumerate(c["seed_formulas"]):
            if not all(isinstance(f.get(k), str) for k in ("label", "seed", "derivation")):
                raise ReportInputError(f"{at}.seed_formulas[{j}]: 'label', 'seed' and 'derivation' must be strings")
