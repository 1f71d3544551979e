"""Follow-up threads: posting, internal notes, editing, removal, safety, unread, live."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import Auth, csrf_token_from
from tests.factories import PASSWORD, demo_user, outside_tenant
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
        data={
            "csrf_token": token,
            "body": "Andra versionen.",
            "version": seen_version(form.get_data(as_text=True)),
            "next": f"/activities/{ACTIVITY}",
        },
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
    version = seen_version(page.get_data(as_text=True))
    empty = admin.post(
        f"/comments/{comment.id}/redact",
        data={"csrf_token": token, "reason": " ", "version": version},
    )
    assert empty.status_code == 422
    done = admin.post(
        f"/comments/{comment.id}/redact",
        data={"csrf_token": token, "reason": "Personnummer", "version": version},
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


# --- Two windows, or an author and an admin, on one comment --------------------------------


def edit_page(client, comment_id: int) -> str:
    return client.get(f"/comments/{comment_id}/edit?next=/activities/{ACTIVITY}").get_data(
        as_text=True
    )


def seen_version(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip()


def name_of(app, local_part: str) -> str:
    with app.app_context():
        return demo_user("kramfors", local_part).name


def save_edit(client, comment_id: int, page: str, body: str, headers=HX):
    """Send the edit form as it was on `page`, with `body` typed into it."""
    return client.post(
        f"/comments/{comment_id}/edit",
        data={
            "csrf_token": csrf_token_from(page),
            "version": seen_version(page),
            "body": body,
            "next": f"/activities/{ACTIVITY}",
        },
        headers=headers,
    )


def redact_with(client, comment_id: int, page: str, reason: str):
    return client.post(
        f"/comments/{comment_id}/redact",
        data={"csrf_token": csrf_token_from(page), "version": seen_version(page), "reason": reason},
    )


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_a_stale_edit_from_another_window_shows_the_saved_text_and_keeps_mine(app, headers):
    first, second = (client_for(app, "kramfors", "handlaggare") for _ in range(2))
    post(first, "Som det var.")
    comment = stored(app, "Som det var.")
    pages = [edit_page(first, comment.id), edit_page(second, comment.id)]
    assert save_edit(first, comment.id, pages[0], "Från första fönstret.").status_code == 200

    conflict = save_edit(second, comment.id, pages[1], "Från andra fönstret.", headers)
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and ("<html" in html) == (not headers)
    assert "Kommentaren ändrades medan du arbetade med den." in html
    assert f"Sparad av {name_of(app, 'handlaggare')}, Kramfors kommun, i dag" in html
    assert "Från första fönstret." in html  # the saved one
    assert textarea(html, "body") == "Från andra fönstret."  # mine, still in the form
    assert "Spara min text ändå" in html and "Behåll den sparade texten" in html
    assert stored(app, "Från första fönstret.") is not None

    # "Save mine anyway": the form now carries the version the user has seen.
    anyway = save_edit(second, comment.id, html, "Från andra fönstret.")
    assert anyway.status_code == 200
    assert stored(app, "Från andra fönstret.") is not None


def test_a_stale_edit_after_a_redaction_shows_the_redaction_never_the_text(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Nämner 811218-9876 av misstag.", confirm=True)
    comment = stored(app, "Nämner 811218-9876 av misstag.")
    page = edit_page(member, comment.id)
    admin = client_for(app, "kramfors", "admin")
    done = redact_with(
        admin,
        comment.id,
        admin.get(f"/comments/{comment.id}/redact").get_data(as_text=True),
        "Personnummer",
    )
    assert done.status_code == 303

    late = save_edit(member, comment.id, page, "Rättad text utan nummer.")
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Innehållet har maskerats av en administratör." in html
    assert f"Borttagen av {name_of(app, 'admin')}, Kramfors kommun, i dag" in html
    assert "811218" not in html  # the redacted text itself is never shown again
    assert textarea(html, "body") == "Rättad text utan nummer."
    assert "Spara min text ändå" not in html
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        assert row.redacted_at is not None and row.body == ""


def test_a_redaction_over_an_edit_made_meanwhile_shows_the_new_text_first(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Första lydelsen.")
    comment = stored(app, "Första lydelsen.")
    admin = client_for(app, "kramfors", "admin")
    redact_page = admin.get(f"/comments/{comment.id}/redact").get_data(as_text=True)
    assert (
        save_edit(member, comment.id, edit_page(member, comment.id), "Ny lydelse.").status_code
        == 200
    )

    conflict = redact_with(admin, comment.id, redact_page, "Olämpligt")
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Ny lydelse." in html
    assert f"Sparad av {name_of(app, 'handlaggare')}, Kramfors kommun" in html
    assert textarea(html, "reason") == "Olämpligt"
    assert stored(app, "Ny lydelse.") is not None  # not redacted unseen

    assert redact_with(admin, comment.id, html, "Olämpligt").status_code == 303
    assert stored(app, "Ny lydelse.") is None


def test_editing_a_comment_removed_meanwhile_says_so_and_keeps_the_text(app):
    first, second = (client_for(app, "kramfors", "handlaggare") for _ in range(2))
    post(first, "Snart borta.")
    comment = stored(app, "Snart borta.")
    page = edit_page(second, comment.id)
    token = Auth(first).csrf_token("/plans/1")
    assert (
        first.post(f"/comments/{comment.id}/delete", data={"csrf_token": token}).status_code == 303
    )

    late = save_edit(second, comment.id, page, "Min ändring.")
    html = late.get_data(as_text=True)
    assert late.status_code == 410
    assert "Kommentaren har tagits bort" in html and textarea(html, "body") == "Min ändring."
    assert "Spara" not in html[html.index("status-form__actions") :]
    with app.app_context():
        assert db.session.get(Comment, comment.id).body == ""


def test_an_edit_without_its_version_is_refused_not_saved(app):
    member = client_for(app, "kramfors", "handlaggare")
    post(member, "Orörd.")
    comment = stored(app, "Orörd.")
    token = Auth(member).csrf_token("/plans/1")
    response = member.post(
        f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": "Utan version."}
    )
    assert response.status_code == 422 and "Utan version." in response.get_data(as_text=True)
    assert stored(app, "Orörd.") is not None


REMOVAL_REFUSED = "Endast en administratör i författarens organisation får ta bort kommentaren."


@pytest.mark.parametrize(
    ("org", "local_part", "allowed"),
    [
        ("kramfors", "handlaggare", True),  # the author
        ("kramfors", "admin", True),  # an admin of the author's organisation
        ("kramfors", "samordnare", False),  # a colleague who is no admin
        ("solleftea", "admin", False),  # an admin of another organisation
    ],
)
def test_the_remove_button_shows_exactly_when_removing_succeeds(app, org, local_part, allowed):
    author = client_for(app, "kramfors", "handlaggare")
    post(author, "Vem får ta bort mig?")
    comment = stored(app, "Vem får ta bort mig?")
    user = author if local_part == "handlaggare" else client_for(app, org, local_part)
    html = user.get(f"/activities/{ACTIVITY}").get_data(as_text=True)
    item = html[html.index(f'id="comment-{comment.id}"') :]
    item = item[: item.index("</li>")]
    assert (f'action="/comments/{comment.id}/delete"' in item) is allowed
    token = Auth(user).csrf_token(f"/activities/{ACTIVITY}")
    response = user.post(f"/comments/{comment.id}/delete", data={"csrf_token": token})
    assert response.status_code == (303 if allowed else 403)
    assert (stored(app, "Vem får ta bort mig?") is None) is allowed
    if not allowed:
        assert REMOVAL_REFUSED in response.get_data(as_text=True)
