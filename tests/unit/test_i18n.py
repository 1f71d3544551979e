"""Swedish first: every UI string is translated, and dates read as Swedes say them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from workspace.i18n import when
from workspace.services.audit import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_messages() -> set[str]:
    found: set[str] = set()
    for subdir, method in (("workspace", "python"), ("templates", "jinja2")):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / subdir,
            method_map=[("**.py" if method == "python" else "**.html", method)],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def swedish_catalog():
    path = ROOT / "workspace" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        return read_po(fh, locale="sv")


def test_every_ui_string_has_a_swedish_translation():
    catalog = swedish_catalog()
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(extracted_messages() - translated)
    assert not missing, f"untranslated (run pybabel extract/update and translate): {missing}"


def test_the_code_finds_templates_in_subfolders():
    assert "No assignments" in extracted_messages()  # lives in templates/macros/


def test_when_says_today_and_yesterday(app):
    now = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert when(datetime(2026, 11, 25, 9, 5, tzinfo=UTC), now) == "i dag 10:05"
        assert when(datetime(2026, 11, 24, 13, 32, tzinfo=UTC), now) == "i går 14:32"
        assert when(datetime(2026, 10, 3, 12, 0, tzinfo=UTC), now) == "3 okt. 2026 14:00"
        assert when(None) == ""


def test_when_uses_swedish_summer_time(app):
    now = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert when(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), now) == "i dag 14:00"


def test_every_audit_action_has_a_swedish_label():
    """The audit log page names each kind of event in Swedish, not by its code."""
    used = set()
    for path in (ROOT / "workspace").rglob("*.py"):
        for call in re.findall(r"audit\.record\((.{0,300}?)\)\n", path.read_text(), re.DOTALL):
            used |= set(re.findall(r'"([a-z_]+(?:\.[a-z_]+)?)"', call))
    used = {action for action in used if "." in action or action == "login"}
    missing = sorted(used - set(ACTION_LABELS))
    assert not missing, f"audit actions without a label: {missing}"
