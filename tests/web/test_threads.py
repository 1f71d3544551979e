"""Follow-up threads: posting, internal notes, editing, removal, safety, unread, live."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import PASSWORD, outside_tenant
from workspace.extensions import db
from workspace.models import AuditEvent, Comment, Visibility

HX = {"HX-Request": "true"}
ACTIVITY = 3  # "Utbildning för krogägare ..." (Kommun (ION) in both municipalities)


def client_for(app, org: str, local_part: str):
    client = app.test_client()
    Auth(client).login(org, local_part)
    return client


def post(
    client,
    body: str,
    visibility: str = "shared",
    path: str = f"/activities/{ACTIVITY}",
    headers=HX,
    confirm: bool = False,
):
    token = Auth(client).csrf_token(path)
    data = {"csrf_token": token, "body": body, "visibility": visibility}
    if confirm:
        data["confirm_no_personal_data"] = "y"
    target = f"{path}/comments" if path.startswith("/activities") else path
    return client.post(target, data=data, headers=headers)


def stored(app, body: str) -> Comment | None:
    with app.app_context():
        comment = db.session.execute(
            select(Comment).where(Comment.body == body)
        ).scalar_one_or_none()
        if comment is not None:
            db.session.expunge(comment)
        return comment


def poll_url(html: str) -> str:
    return re.search(r'id="live-poll" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


# --- Posting ------------------------------------------------------------------------------


def test_posting_with_htmx_appends_the_comment_and_clears_the_form(app):
    member = client_for(app, "solleftea", "handlaggare")
    response = post(member, "Utbildningen hölls i **oktober**.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    comment = stored(app, "Utbildningen hölls i **oktober**.")
    assert comment is not None and comment.visibility is Visibility.SHARED
    main = html[: html.index('id="comment-form"')]
    assert f'id="comment-{comment.id}"' in main and "<strong>oktober</strong>" in main
    assert "Elin Sjöberg</span>, Sollefteå kommun · Alkoholhandläggare, ION" in main
    form = html[html.index('id="comment-form"') :]
    assert 'hx-swap-oob="outerHTML"' in form and "autofocus" in form
    assert re.search(r'<textarea[^>]*id="comment-body"[^>]*>\s*</textarea>', form)
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one()
        assert (event.action, event.object_id) == ("comment.posted", comment.id)


def test_posting_without_javascript_redirects_to_the_comment(app):
    member = client_for(app, "solleftea", "handlaggare")
    response = post(member, "Utan skript.", headers={})
    comment = stored(app, "Utan skript.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/activities/{ACTIVITY}#comment-{comment.id}"
    assert "Utan skript." in member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)


def test_the_timeline_mixes_comments_and_status_changes_newest_last(app):
    member = client_for(app, "solleftea", "handlaggare")
    post(member, "Senaste inlägget.")
    html = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    timeline = html[html.index('id="timeline-items"') :]
    assert (
        timeline.index("Utbildningen planeras till hösten")
        < timeline.index("Utbildningen genomförd med 24 deltagare.")
        < timeline.index("Senaste inlägget.")
    )
    assert "Uppföljningen gäller planen, inte enskilda ärenden." in html


@pytest.mark.parametrize("text", ["Åsa, Älvdalen & Örebro – 👍🏽 ”citat”", "Line one\r\nline two"])
def test_text_is_stored_and_shown_exactly(app, text):
    member = client_for(app, "kramfors", "handlaggare")
    assert post(member, text).status_code == 200
    expected = text.replace("\r\n", "\n")
    assert stored(app, expected) is not None
    html = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    first_line = expected.split("\n")[0].replace("&", "&amp;")
    assert first_line in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Skriv en kommentar först."),
        ("x" * 10_001, "En kommentar får vara högst 10\u00a0000 tecken; den här har 10\u00a0001."),
    ],
)
def test_bad_comments_answer_422_and_keep_the_text(app, body, message):
    member = client_for(app, "kramfors", "handlaggare")
    response = post(member, body)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="comment-body-error"' in html
    if body.strip():
        assert body in html  # what the user typed is still there
    assert stored(app, body) is None


def test_control_characters_are_dropped_not_a_crash(app):
    member = client_for(app, "kramfors", "handlaggare")
    assert post(member, "Före\x00efter\x07.").status_code == 200
    assert stored(app, "Föreefter.") is not None


def test_script_and_event_handlers_are_inert(app):
    member = client_for(app, "kramfors", "handlaggare")
    nasty = (
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
        "[klicka](javascript:alert(3)) [polisen](https://polisen.se) "
        '<a href="https://x.example" onclick="alert(4)">a</a> *kursiv*\n\n- en\n- två'
    )
    post(member, nasty)
    html = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    body = html[html.index('class="timeline__body"', html.index("kursiv") - 2000) :]
    body = body[: body.index("</div>")]
    assert "<script" not in body and "<img" not in body
    assert not re.search(r"<[^>]+\son\w+\s*=", body), "an event handler survived as an attribute"
    assert 'href="javascript:' not in body
    assert '<a href="https://polisen.se" rel="noopener nofollow noreferrer">polisen</a>' in body
    assert "<em>kursiv</em>" in body and "<li>två</li>" in body
    assert "&lt;script&gt;" in body


def test_a_viewer_reads_but_cannot_post(app):
    viewer = client_for(app, "kramfors", "lasare")
    html = viewer.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    assert 'id="comment-form" class="comment-form' not in html
    assert "din roll ger inte rätt att skriva" in html
    response = post(viewer, "Får jag?")
    assert response.status_code == 403 and stored(app, "Får jag?") is None


def test_posting_where_the_user_cannot_see_is_404(app):
    with app.app_context():
        email = outside_tenant(role=__import__("workspace").models.Role.MEMBER).email
    outsider = app.test_client()
    Auth(outsider).login("harnosand", email, PASSWORD)
    token = Auth(outsider).csrf_token("/plans")
    for path in (f"/activities/{ACTIVITY}/comments", "/plans/1/discussion"):
        response = outsider.post(
            path, data={"csrf_token": token, "body": "Hej", "visibility": "shared"}
        )
        assert response.status_code == 404
    assert stored(app, "Hej") is None


def test_a_comment_without_csrf_is_refused_without_losing_the_form(app):
    member = client_for(app, "kramfors", "handlaggare")
    response = member.post(
        f"/activities/{ACTIVITY}/comments", data={"body": "Utan token"}, headers=HX
    )
    assert response.status_code == 400
    assert "Sidan har gått ut" in response.get_data(as_text=True)
    page = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    # The form sends errors other than 422 to a box inside it, so the typed text stays.
    assert 'hx-status:4xx="target:#comment-form-error swap:innerHTML"' in page
    assert stored(app, "Utan token") is None


# --- Personal data guardrail --------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["19811218-9876", "811218-9876", "8112189876", "198112189876", "811278-9873"]
)
def test_a_personal_identity_number_needs_confirmation(app, number):
    member = client_for(app, "kramfors", "handlaggare")
    text = f"Gäller {number} som nämndes på mötet."
    first = post(member, text)
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "Skriv inte personuppgifter — håll dig på aggregerad nivå." in html
    assert number in html and 'name="confirm_no_personal_data"' in html
    assert stored(app, text) is None
    assert post(member, text, confirm=True).status_code == 200
    assert stored(app, text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Ring 070-123 45 67",
        "Dnr KS 2011/201",
        "Beslut 2011-10-11 § 201",
        "811218-9875 (fel kontrollsiffra)",
    ],
)
def test_numbers_that_are_not_identity_numbers_pass(app, text):
    member = client_for(app, "kramfors", "handlaggare")
    assert post(member, text).status_code == 200


# --- Internal notes never leave their organisation ----------------------------------------


@pytest.fixture
def police_note(app):
    police = client_for(app, "polisen", "handlaggare")
    assert post(police, "Intern polisanteckning om spaning.", "internal").status_code == 200
    assert (
        post(police, "Intern i allmän tråd.", "internal", path="/plans/1/discussion").status_code
        == 200
    )
    return stored(app, "Intern polisanteckning om spaning.")


def test_an_internal_note_is_marked_and_seen_by_its_own_organisation(app, police_note):
    colleague = client_for(app, "polisen", "lasare")
    html = colleague.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    assert "Intern polisanteckning om spaning." in html
    assert "Intern – endast Polisen, Sollefteå närpolisområde" in html
    assert "Intern i allmän tråd." in colleague.get("/plans/1/discussion").get_data(as_text=True)


@pytest.mark.parametrize(("org", "local_part"), [("kramfors", "admin"), ("solleftea", "lasare")])
def test_an_internal_note_never_reaches_another_organisation(app, police_note, org, local_part):
    other = client_for(app, org, local_part)
    secret = "Intern polisanteckning"
    pages = [
        other.get(f"/activities/{ACTIVITY}"),
        other.get("/plans/1"),
        other.get("/plans/1/discussion"),
        other.get(f"/activities/{ACTIVITY}", headers=HX),
        other.get("/plans/1?organisation=polisen", headers=HX),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert secret not in text and "Intern i allmän tråd." not in text
    # Polls from before the note: the marker moved, but nothing of the note comes along.
    for url in (
        f"/activities/{ACTIVITY}/updates?since=0&comments=0",
        "/plans/1/updates?since=0&comments=0",
        "/plans/1/discussion/updates?comments=0",
    ):
        text = other.get(url, headers=HX).get_data(as_text=True)
        assert secret not in text and "Intern i allmän tråd." not in text
        assert "Ny kommentar" not in text
    # Nor do the unread counts count it.
    overview = other.get("/plans/1").get_data(as_text=True)
    assert f'id="unread-{ACTIVITY}" class="unread"></span>' in overview
    assert 'id="unread-general" class="unread"></span>' in overview
    # The comment's own routes do not exist for them.
    for url in (
        f"/comments/{police_note.id}",
        f"/comments/{police_note.id}/edit",
        f"/comments/{police_note.id}/redact",
    ):
        assert other.get(url, headers=HX).status_code == 404
    token = Auth(other).csrf_token("/plans/1")
    for url in (
        f"/comments/{police_note.id}/delete",
        f"/comments/{police_note.id}/edit",
        f"/comments/{police_note.id}/redact",
    ):
        assert (
            other.post(url, data={"csrf_token": token, "body": "x", "reason": "x"}).status_code
            == 404
        )


# --- Edit, delete, redact -----------------------------------------------------------------


def test_the_author_edits_in_place_and_it_is_marked_edited(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Första versionen.")
    comment = stored(app, "Första versionen.")
    form = member.get(f"/comments/{comment.id}/edit?next=/activities/{ACTIVITY}", headers=HX)
    assert form.status_code == 200 and "Första versionen." in form.get_data(as_text=True)
    token = Auth(member).csrf_token(f"/activities/{ACTIVITY}")
    saved = member.post(
        f"/comments/{comment.id}/edit",
        data={"csrf_token": token, "body": "Andra versionen.", "next": f"/activities/{ACTIVITY}"},
        headers=HX,
    )
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Andra versionen." in html and "redigerad i dag" in html
    assert stored(app, "Andra versionen.") is not None


def test_others_cannot_edit_or_delete(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Mitt inlägg.")
    comment = stored(app, "Mitt inlägg.")
    colleague = client_for(app, "kramfors", "samordnare")
    html = colleague.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    item = html[html.index(f'id="comment-{comment.id}"') :]
    item = item[: item.index("</li>")]
    assert "Redigera" not in item and "Ta bort" not in item
    token = Auth(colleague).csrf_token("/plans/1")
    assert colleague.get(f"/comments/{comment.id}/edit").status_code == 403
    assert (
        colleague.post(
            f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Kapat"}
        ).status_code
        == 403
    )
    assert (
        colleague.post(f"/comments/{comment.id}/delete", data={"csrf_token": token}).status_code
        == 403
    )
    assert stored(app, "Mitt inlägg.") is not None


def test_deleting_is_soft_and_logged(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Ska bort.")
    comment = stored(app, "Ska bort.")
    token = Auth(member).csrf_token("/plans/1")
    response = member.post(f"/comments/{comment.id}/delete", data={"csrf_token": token}, headers=HX)
    assert response.status_code == 200 and "Kommentaren har tagits bort" in response.get_data(
        as_text=True
    )
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        assert row.deleted_at is not None and row.body == ""
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "comment.deleted")
        ).scalar_one()
        assert event.object_id == comment.id
    page = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    assert "Kommentaren har tagits bort" in page and "Ska bort." not in page


@pytest.mark.parametrize(("org", "allowed"), [("kramfors", True), ("solleftea", False)])
def test_an_admin_moderates_only_their_own_organisations_comments(app, org, allowed):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Olämpligt.")
    comment = stored(app, "Olämpligt.")
    admin = client_for(app, org, "admin")
    token = Auth(admin).csrf_token("/plans/1")
    response = admin.post(f"/comments/{comment.id}/delete", data={"csrf_token": token})
    assert response.status_code == (303 if allowed else 403)
    assert (stored(app, "Olämpligt.") is None) is allowed
    if allowed:
        with app.app_context():
            assert (
                db.session.execute(
                    select(AuditEvent).where(AuditEvent.action == "comment.moderated")
                )
                .scalar_one()
                .object_id
                == comment.id
            )


def test_an_admin_redacts_with_a_reason_and_the_text_is_gone(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Nämner 811218-9876 av misstag.", confirm=True)
    comment = stored(app, "Nämner 811218-9876 av misstag.")
    admin = client_for(app, "kramfors", "admin")
    page = admin.get(f"/comments/{comment.id}/redact")
    assert page.status_code == 200 and "Varför maskeras den?" in page.get_data(as_text=True)
    token = Auth(admin).csrf_token(f"/comments/{comment.id}/redact")
    empty = admin.post(f"/comments/{comment.id}/redact", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422
    done = admin.post(
        f"/comments/{comment.id}/redact", data={"csrf_token": token, "reason": "Personnummer"}
    )
    assert done.status_code == 303
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        assert row.redacted_at is not None and row.body == ""
        assert not db.session.execute(
            select(Comment).where(Comment.body.contains("811218"))
        ).first()
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "comment.redacted")
        ).scalar_one()
        assert event.details["reason"] == "Personnummer" and "811218" not in str(event.details)
    html = member.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    assert "Innehållet har maskerats av en administratör." in html and "811218" not in html


def test_members_cannot_redact(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Något.")
    comment = stored(app, "Något.")
    assert member.get(f"/comments/{comment.id}/redact").status_code == 403


# --- Unread markers and the poll ----------------------------------------------------------


def test_unread_counts_show_on_the_overview_and_clear_on_reading(app):
    reader = client_for(app, "kramfors", "lasare")
    assert 'class="badge badge--new"' not in reader.get("/plans/1").get_data(as_text=True)
    writer = client_for(app, "solleftea", "handlaggare")
    for text in ("Ett.", "Två.", "Tre."):
        post(writer, text)
    post(writer, "Allmänt.", path="/plans/1/discussion")
    overview = reader.get("/plans/1").get_data(as_text=True)
    assert re.search(
        rf'id="unread-{ACTIVITY}" class="unread"><span class="badge badge--new">3 nya', overview
    )
    assert re.search(
        r'id="unread-general" class="unread"><span class="badge badge--new">1 ny<', overview
    )
    reader.get(f"/activities/{ACTIVITY}")
    reader.get("/plans/1/discussion")
    overview = reader.get("/plans/1").get_data(as_text=True)
    assert 'class="badge badge--new"' not in overview
    # The writer's own comments never count as new for the writer.
    assert 'class="badge badge--new"' not in writer.get("/plans/1").get_data(as_text=True)


def test_the_activity_poll_brings_new_comments(app):
    reader = client_for(app, "polisen", "lasare")
    url = poll_url(reader.get(f"/activities/{ACTIVITY}").get_data(as_text=True))
    assert reader.get(url, headers=HX).status_code == 204
    writer = client_for(app, "solleftea", "handlaggare")
    post(writer, "Nytt från Sollefteå.")
    response = reader.get(url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    appended = html[html.index('hx-swap-oob="beforeend:#timeline-items"') :]
    assert "Nytt från Sollefteå." in appended
    assert "Ny kommentar från Elin Sjöberg (Sollefteå kommun)." in html
    assert reader.get(poll_url(html), headers=HX).status_code == 204
    # Seen live, so it is not "new" on the overview afterwards.
    assert 'class="badge badge--new"' not in reader.get("/plans/1").get_data(as_text=True)


def test_the_overview_poll_updates_unread_badges(app):
    reader = client_for(app, "polisen", "lasare")
    url = poll_url(reader.get("/plans/1").get_data(as_text=True))
    post(client_for(app, "kramfors", "handlaggare"), "Hej polisen.")
    html = reader.get(url, headers=HX).get_data(as_text=True)
    assert re.search(
        rf'id="unread-{ACTIVITY}" class="unread" hx-swap-oob="outerHTML">'
        r'<span class="badge badge--new">1 ny',
        html,
    )


def test_the_general_discussion(app):
    member = client_for(app, "polisen", "samordnare")
    page = member.get("/plans/1/discussion")
    assert page.status_code == 200 and "Allmän diskussion" in page.get_data(as_text=True)
    url = poll_url(page.get_data(as_text=True))
    assert post(member, "Inför BRÅ i maj.", path="/plans/1/discussion").status_code == 200
    other = client_for(app, "kramfors", "lasare")
    html = other.get("/plans/1/discussion").get_data(as_text=True)
    assert "Inför BRÅ i maj." in html
    assert member.get(url, headers=HX).status_code == 200  # marker moved; own comment left out
    assert "Inför BRÅ i maj." not in member.get(url, headers=HX).get_data(as_text=True)
