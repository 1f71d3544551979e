"""Every page type is valid HTML: the Nu Html Checker (vnu) finds nothing but htmx attributes.

The pages are the GET answers of the generated access matrix as each role that sees distinct
pages gets them, plus the login page and the error pages, in Swedish and in English. They are
saved to files and checked in one run of the checker (one JVM start for all of them).
`scripts/fetch-vnu` (run by `scripts/setup test`) fetches the pinned checker; without it, or
without Java, the test fails with the way to get them, never skips.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from tests.conftest import csrf_token_from
from tests.factories import demo_user
from tests.web.access_matrix import MATRIX, OWNER, Identity, Outcome, World, report, session_id
from workspace.extensions import db
from workspace.models import FollowUpRound, Role
from workspace.services import rounds

VNU_JAR = Path(__file__).resolve().parents[2] / ".cache" / "vnu" / "vnu.jar"

# Who sees a page the others do not: the login page and public pages (anonymous), read-only
# pages (viewer), one's own comment and report forms (the owner's member, the comment's
# author), and plan content, rounds and administration (admin, above the coordinator).
READERS = [
    Identity(None),
    Identity(OWNER, Role.VIEWER),
    Identity(OWNER, Role.MEMBER),
    Identity(OWNER, Role.ADMIN),
]
LOCALES = ("sv", "en")

# GET endpoints that answer no page of their own to the readers here: polls and pieces htmx
# swaps in, files, a redirect to the start page, and reactivating the matrix's person, who is
# active (the page is the deactivation page's twin).
NOT_PAGES = {
    "activities.updates",
    "plans.updates",
    "threads.discussion_updates",
    "situation.updates",
    "evaluation.word",
    "assignments.show_status",
    "threads.show_comment",
    "admin.audit_csv",
    "reports.archive_plan",
    "reports.export_csv",
    "reports.export_xlsx",
    "rounds.download",
    "facts.download",
    "plans.start",
    "admin.reactivate",
    # Off to the provider (a redirect), and back from it without a login (the error page,
    # which the 403 and 404 below check).
    "auth.provider_login",
    "auth.provider_callback",
}

# htmx's attributes are not HTML's: the checker reports each as an error, by design.
HTMX_ATTRIBUTE = re.compile(
    r"^Attribute “hx-[^”]+” not allowed on element “[a-z]+” at this point\.$"
)


def _checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.fail(
            f"The HTML checker needs Java and {VNU_JAR}: run scripts/fetch-vnu (scripts/setup "
            "test,dev runs it; it installs Debian's default-jre-headless when Java is missing).",
            pytrace=False,
        )
    return [java, "-Xss1024k", "-jar", str(VNU_JAR)]


def _client(app: Flask, who: Identity, locale: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = locale
        if who.role is not None:
            with app.app_context():
                session["_user_id"] = session_id(who)
            session["_fresh"] = True
    return client


def _is_document(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype html>")


def _pages(app: Flask, world: World, locale: str) -> dict[str, str]:
    """Every full page the readers get, by a name that says who asked for what."""
    pages: dict[str, str] = {}
    for who in READERS:
        client = _client(app, who, locale)
        for endpoint, route in sorted(MATRIX.items()):
            if "GET" not in route.guards or route.expected("GET", who) is not Outcome.ALLOW:
                continue
            with app.test_request_context():
                url = url_for(endpoint, **route.args(world))
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                if _is_document(html):
                    pages[f"{locale}-{who.name}-{endpoint}"] = html
    return pages


def _error_pages(app: Flask, world: World, locale: str) -> dict[str, str]:
    """404, 403 and the 409 of a report in a closed round, as full pages."""
    viewer = _client(app, Identity(OWNER, Role.VIEWER), locale)
    member = _client(app, Identity(OWNER, Role.MEMBER), locale)
    with app.app_context():
        args = report(world)
        rnd = db.session.get(FollowUpRound, world.round_id)
        if rnd.closed_at is None:
            rounds.close_round(demo_user(OWNER, "samordnare"), rnd, "Rådet har mötts.")
    with app.test_request_context():
        report_url = url_for("rounds.report", **args)
        edit_plan = url_for("content.edit_plan", plan_id=world.plan_id)
    token = csrf_token_from(member.get("/account").get_data(as_text=True))
    answers = {
        "404": (viewer.get("/no-such-page"), 404),
        "403": (viewer.get(edit_plan), 403),
        "409": (
            member.post(report_url, data={"csrf_token": token, "what_was_done": "Sent."}),
            409,
        ),
    }
    pages = {}
    for name, (response, status) in answers.items():
        assert response.status_code == status, f"{name}: got {response.status_code}"
        pages[f"{locale}-error-{name}"] = response.get_data(as_text=True)
    return pages


def test_every_page_type_is_valid_html(app: Flask, tmp_path: Path) -> None:
    command = _checker()
    world, pages = World(), {}
    for locale in LOCALES:
        pages |= _pages(app, world, locale)
    gets = {endpoint for endpoint, route in MATRIX.items() if "GET" in route.guards}
    checked = {name.split("-", 2)[2] for name in pages}
    assert checked == gets - NOT_PAGES, (
        f"pages not checked: {sorted(gets - NOT_PAGES - checked)}; "
        f"no longer outside the check: {sorted(checked & NOT_PAGES)}"
    )
    for locale in LOCALES:
        pages |= _error_pages(app, world, locale)
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [*command, "--format", "json", *files], capture_output=True, text=True, timeout=120
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}"
        for m in messages
        if not HTMX_ATTRIBUTE.search(m["message"])
    ]
    assert not problems, f"{len(problems)} problems in {len(files)} pages:\n" + "\n".join(problems)


def test_swedish_content_is_marked_as_swedish_in_the_english_ui(app: Flask) -> None:
    """WCAG 3.1.2: a screen reader reads the plan's Swedish titles and goals in Swedish when
    the UI is English; in the Swedish UI the page's own language says it already."""
    with app.app_context():
        plan_id = World().plan_id
    who = Identity(OWNER, Role.VIEWER)
    english = _client(app, who, "en").get(f"/plans/{plan_id}").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert re.search(r'<h1><span lang="sv">[^<]+</span></h1>', english)
    assert '<span class="activity__goal-label">Goal:</span> <span lang="sv">' in english
    swedish = _client(app, who, "sv").get(f"/plans/{plan_id}").get_data(as_text=True)
    assert '<html lang="sv">' in swedish
    assert 'lang="sv"' not in swedish.replace('<html lang="sv">', "")
