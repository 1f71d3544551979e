"""The plan's public page: prepared as a frozen version, public once a coordinator of every
participating organisation agreed, readable without logging in, and never carrying anything
internal, personal or reported."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import Auth
from tests.factories import assignment, demo_user, seed_plan
from tests.web.access_matrix import IDENTITIES
from tests.web.test_access_matrix import _client as matrix_client
from tests.web.test_content import client_for, post
from workspace.extensions import db
from workspace.models import AssignmentStatus, RoundKind, User, Visibility
from workspace.services import facts, publication, rounds, threads
from workspace.services.assignments import change_status

PLAN = "/plans/1/publication"
PUBLIC = "/offentlig/1"
ORGANISATIONS = ("kramfors", "solleftea", "polisen")


def prepare(client, intro: str = "Så går arbetet mot brott i våra kommuner.", newest: int = 0):
    return post(client, f"{PLAN}/versions", intro=intro, newest=str(newest))


def agree(client, number: int):
    return post(client, f"{PLAN}/agree", number=str(number))


def prepared(app, intro: str = "Om planen.") -> int:
    with app.app_context():
        plan = seed_plan()
        newest = publication.versions_of(plan)
        return publication.prepare(
            demo_user("kramfors", "samordnare"), plan, intro, newest[0].number if newest else 0
        ).number


def agree_all(app, number: int) -> None:
    for org in ORGANISATIONS:
        assert agree(client_for(app, org, "samordnare"), number).status_code == 303, org


def test_one_agreement_is_not_enough_all_of_them_publish(app, client):
    kramfors = client_for(app, "kramfors", "samordnare")
    saved = prepare(kramfors)
    assert saved.status_code == 303
    assert client.get(PUBLIC).status_code == 404
    assert agree(kramfors, 1).status_code == 303
    assert client.get(PUBLIC).status_code == 404
    assert agree(client_for(app, "solleftea", "samordnare"), 1).status_code == 303
    assert client.get(PUBLIC).status_code == 404  # the police have not agreed yet
    page = kramfors.get(PLAN).get_data(as_text=True)
    assert "Kramfors kommun:" in page and "godkänt (" in page and "har inte tagit ställning" in page
    assert agree(client_for(app, "polisen", "samordnare"), 1).status_code == 303
    public = client.get(PUBLIC)
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Så går arbetet mot brott i våra kommuner." in html
    assert "Våld i offentlig miljö" in html  # the first area


def test_the_public_page_is_swedish_plain_and_has_nothing_of_the_workspace(app, client):
    agree_all(app, prepared(app))
    response = client.get(PUBLIC, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "csrf_token" not in html and "<form" not in html
    assert "Logga in" not in html and "Log out" not in html and "Logga ut" not in html
    assert "<h1>" in html and '<ul class="public-activities">' in html
    # A status in words, the colour only repeating it.
    assert re.search(r'<span class="chip chip--[a-z_]+"><span class="chip__icon" aria-hidden', html)
    assert "Läget:" in html and "Pågår" in html and "Löpande" in html
    # No cache keeps it, as no cache keeps any page of the app.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_nothing_internal_personal_or_reported_reaches_the_public_page(app, client):
    with app.app_context():
        plan = seed_plan()
        member = demo_user("kramfors", "handlaggare")
        own = assignment("kramfors", "ION", 1, 3)
        threads.post(member, plan, own.activity, "HEMLIG-KOMMENTAR om krogen", Visibility.INTERNAL)
        threads.post(
            member, plan, own.activity, "Delad kommentar till hanna@kramfors.se", Visibility.SHARED
        )
        facts.record(
            member,
            plan,
            kind="observation",
            visibility="internal",
            year="2025",
            title="HEMLIG-FAKTA om skolgården",
            text="Bara för Kramfors.",
        )
        rnd = rounds.open_round(
            demo_user("kramfors", "samordnare"),
            plan,
            RoundKind.WORKING_GROUP,
            "Uppföljning",
            date(2030, 4, 30),
        )
        rounds.report(member, rnd, own, "REDOVISAD-TEXT: tolv krogar utbildade.")
        people = db.session.execute(select(User)).scalars().all()
        emails, names = {u.email for u in people}, {u.name for u in people}
    agree_all(app, prepared(app))
    html = client.get(PUBLIC).get_data(as_text=True)
    for secret in ("HEMLIG-KOMMENTAR", "Delad kommentar", "HEMLIG-FAKTA", "REDOVISAD-TEXT"):
        assert secret not in html
    assert "@" not in html
    assert not any(email in html for email in emails)
    # Nor anyone's name: responsibility is a function's, as the plan says.
    assert not any(name in html for name in names)


def test_a_later_status_change_waits_for_a_new_agreed_version(app, client):
    with app.app_context():
        own = assignment("kramfors", "ION", 1, 3)
        title = own.activity.title
        change_status(
            demo_user("kramfors", "handlaggare"), own, AssignmentStatus.DELAYED, "", own.version
        )
    agree_all(app, prepared(app))

    def status_of(html: str) -> str:
        part = html.split(title, 1)[1]
        return re.search(r"</span>([^<]+)</span></p>", part).group(1)

    before = status_of(client.get(PUBLIC).get_data(as_text=True))
    assert before == "Försenad"
    with app.app_context():
        own = assignment("kramfors", "ION", 1, 3)
        change_status(
            demo_user("kramfors", "handlaggare"), own, AssignmentStatus.DONE, "", own.version
        )
    assert status_of(client.get(PUBLIC).get_data(as_text=True)) == "Försenad"
    number = prepared(app)
    assert agree(client_for(app, "kramfors", "samordnare"), number).status_code == 303
    # The new version waits for the others; the page still shows the agreed one.
    assert status_of(client.get(PUBLIC).get_data(as_text=True)) == "Försenad"
    for org in ("solleftea", "polisen"):
        assert agree(client_for(app, org, "samordnare"), number).status_code == 303
    assert status_of(client.get(PUBLIC).get_data(as_text=True)) != "Försenad"


def test_taking_the_page_down_answers_404_and_publishing_again_needs_a_new_version(app, client):
    agree_all(app, prepared(app))
    waiting = prepared(app, "En nyare inledning.")
    viewer = client_for(app, "solleftea", "lasare")
    assert "Ta ner sidan" not in viewer.get(PLAN).get_data(as_text=True)
    coordinator = client_for(app, "solleftea", "samordnare")
    assert "Ta ner sidan" in coordinator.get(PLAN).get_data(as_text=True)
    taken = post(coordinator, f"{PLAN}/withdraw", number="1")
    assert taken.status_code == 303
    assert client.get(PUBLIC).status_code == 404
    # The version that was waiting went with it: agreeing to it now is refused.
    assert agree(coordinator, waiting).status_code == 409
    again = post(coordinator, f"{PLAN}/withdraw", number="1")
    assert again.status_code == 409
    assert "inte längre publicerad" in again.get_data(as_text=True)
    agree_all(app, prepared(app, "Tillbaka igen."))
    assert "Tillbaka igen." in client.get(PUBLIC).get_data(as_text=True)


def test_agreeing_to_a_version_that_is_no_longer_pending_answers_409(app):
    first = prepared(app)
    second = prepared(app, "En andra version.")
    coordinator = client_for(app, "polisen", "samordnare")
    stale = agree(coordinator, first)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "inte längre den som väntar på godkännande" in html and 'role="alert"' in html
    assert agree(coordinator, second).status_code == 303
    with app.app_context():
        versions = publication.versions_of(seed_plan())
        assert [len(v.agreements) for v in versions] == [1, 0]


def test_two_coordinators_preparing_at_once_the_later_gets_409_with_their_text(app):
    kramfors = client_for(app, "kramfors", "samordnare")
    solleftea = client_for(app, "solleftea", "samordnare")
    assert prepare(kramfors, "Kramfors text.", newest=0).status_code == 303
    late = prepare(solleftea, "Sollefteås egen text.", newest=0)
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "Sollefteås egen text." in html  # kept
    assert "Version 1, förberedd av" in html  # and who came first
    fragment = solleftea.post(
        f"{PLAN}/versions",
        data={"csrf_token": Auth(solleftea).csrf_token(PLAN), "intro": "Igen", "newest": "0"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 409 and "<html" not in fragment.get_data(as_text=True)


def test_two_first_versions_at_the_same_moment_the_database_refuses_the_later(app, monkeypatch):
    """Both coordinators read no version and both take number 1: the unique constraint
    refuses the later one, a 409, never a 500."""
    assert prepare(client_for(app, "polisen", "samordnare"), newest=0).status_code == 303
    # The later one read the versions before the first was written: it still sees none.
    monkeypatch.setattr(publication, "_newest_number", lambda plan: 0)
    late = prepare(client_for(app, "kramfors", "samordnare"), "Min text.", newest=0)
    assert late.status_code == 409
    assert "Min text." in late.get_data(as_text=True)
    with app.app_context():
        assert [v.number for v in publication.versions_of(seed_plan())] == [1]


def test_the_intro_has_a_length_limit_and_the_identity_number_guardrail(app):
    coordinator = client_for(app, "kramfors", "samordnare")
    long = prepare(coordinator, "a" * 2001)
    assert long.status_code == 422
    assert "högst 2000 tecken" in long.get_data(as_text=True)
    suspected = prepare(coordinator, "Kontakta 19121212-1212 för frågor.")
    assert suspected.status_code == 422
    assert "19121212-1212" in suspected.get_data(as_text=True)
    with app.app_context():
        assert publication.versions_of(seed_plan()) == []
    confirmed = post(
        coordinator,
        f"{PLAN}/versions",
        intro="Kontakta 19121212-1212 för frågor.",
        newest="0",
        confirm_no_personal_data="y",
    )
    assert confirmed.status_code == 303


@pytest.mark.parametrize("role", ["lasare", "handlaggare"])
def test_everyone_in_the_plan_sees_the_page_only_coordinators_act(app, role):
    number = prepared(app)
    reader = client_for(app, "polisen", role)
    page = reader.get(PLAN).get_data(as_text=True)
    assert "Väntar på godkännande" in page and "Förhandsvisning" in page
    assert "Godkänn publicering" not in page and "Förbered en ny version</button>" not in page
    assert agree(reader, number).status_code == 403
    coordinator = client_for(app, "polisen", "samordnare")
    page = coordinator.get(PLAN).get_data(as_text=True)
    assert f"Godkänn publicering av version {number}" in page


def test_the_preview_shows_exactly_the_pending_version(app):
    number = prepared(app, "Förhandsvisningens inledning.")
    page = client_for(app, "kramfors", "lasare").get(PLAN).get_data(as_text=True)
    assert f"Precis det som version {number} visar" in page
    assert "Förhandsvisningens inledning." in page


def test_every_identity_of_the_matrix_gets_404_before_publishing_and_200_after(app):
    """The matrix row's other half: before every organisation agreed, nobody (anonymous, any
    role of either tenant in the plan, an outsider) learns that the page exists."""
    number = prepared(app)
    clients = [(who, matrix_client(app, who)) for who in IDENTITIES]
    for who, client in clients:
        assert client.get(PUBLIC).status_code == 404, who.name
        assert client.get("/offentlig/9999").status_code == 404, who.name
    agree_all(app, number)
    for who, client in clients:
        assert client.get(PUBLIC).status_code == 200, who.name


def test_the_snapshot_holds_only_what_the_public_page_shows(app, client):
    with app.app_context():
        page = publication.snapshot(seed_plan(), "Inledning")
    assert set(page) == {"title", "period", "intro", "areas", "evaluation"}
    assert {key for area in page["areas"] for key in area} == {"title", "activities"}
    assert {key for area in page["areas"] for a in area["activities"] for key in a} == {
        "title",
        "goal",
        "functions",
        "status",
    }
    agree_all(app, prepared(app, "<script>alert(1)</script>"))
    html = client.get(PUBLIC).get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_demo_has_a_published_page_a_newcomer_can_open(app, client):
    from workspace.services import demo

    with app.app_context():
        demo.load_demo_history()
    html = client.get(PUBLIC).get_data(as_text=True)
    assert "arbetar tillsammans mot brott" in html
    assert "Gemensamma kontroller av krogar med serveringstillstånd" in html


def test_the_form_starts_from_the_newest_introduction(app):
    prepared(app, "Den förra inledningen.")
    page = client_for(app, "kramfors", "samordnare").get(PLAN).get_data(as_text=True)
    form = page.split('id="prepare"', 1)[1]
    assert "Den förra inledningen.</textarea>" in form
    assert 'name="newest" type="hidden" value="1"' in form


def test_the_agreed_annual_evaluation_reaches_the_page_a_draft_never(app, client):
    from workspace.models import EvaluationPart
    from workspace.services import evaluation

    with app.app_context():
        plan = seed_plan()
        annual = evaluation.start(demo_user("kramfors", "samordnare"), plan, 2012)
        summary = next(s for s in annual.sections if s.part is EvaluationPart.SUMMARY)
        evaluation.edit_section(
            demo_user("kramfors", "samordnare"),
            summary,
            "Året gick bra: krogkontrollerna blev av.\n\nBelysningen dröjer.",
            summary.version,
        )
        evaluation_id = annual.id
    agree_all(app, prepared(app))
    assert "krogkontrollerna blev av" not in client.get(PUBLIC).get_data(as_text=True)
    with app.app_context():
        from workspace.models import Evaluation

        annual = db.session.get(Evaluation, evaluation_id)
        for org in ORGANISATIONS:
            evaluation.agree(demo_user(org, "samordnare"), annual, annual.content_version)
        evaluation.fix(demo_user("kramfors", "samordnare"), annual, annual.content_version)
    # Fixed, it still waits for a version the organisations agree to publish.
    assert "krogkontrollerna blev av" not in client.get(PUBLIC).get_data(as_text=True)
    agree_all(app, prepared(app))
    html = client.get(PUBLIC).get_data(as_text=True)
    assert "Så gick året 2012" in html
    assert "<p>Året gick bra: krogkontrollerna blev av.</p>" in html
    assert "<p>Belysningen dröjer.</p>" in html
