"""Builders for test data that go through the services, so tests exercise the real rules."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    Assignment,
    Function,
    Organisation,
    OrganisationKind,
    Plan,
    Role,
    RoundKind,
    User,
    Visibility,
)
from workspace.services import rounds, threads, users
from workspace.services.organisations import ensure_organisation

PASSWORD = "test-password-1"

# The seed plan's six areas, in the plan's order.
SEED_AREAS = [
    "Våld i offentlig miljö",
    "Tryggt centrum",
    "Barn och ungdomar",
    "Tillgreppsbrott",
    "Grov organiserad brottslighet",
    "Våld i nära relationer",
]


def demo_user(slug: str, local_part: str) -> User:
    user = users.find_user(slug, f"{local_part}@{slug}.example")
    assert user is not None
    return user


def seed_plan() -> Plan:
    return db.session.execute(select(Plan).order_by(Plan.id)).scalars().first()


def assignment(org_slug: str, function_code: str, area: int = 1, activity: int = 1) -> Assignment:
    """The seed plan's assignment for a function, by area and activity position."""
    return db.session.execute(
        select(Assignment)
        .join(Activity)
        .join(Area)
        .join(Function)
        .join(Organisation)
        .where(Area.plan_id == seed_plan().id)
        .where(Area.position == area, Activity.position == activity)
        .where(Organisation.slug == org_slug, Function.code == function_code)
    ).scalar_one()


def outside_tenant(slug: str = "harnosand", role: Role = Role.ADMIN) -> User:
    """A user of a tenant that takes part in no plan of the demo workspace."""
    org = ensure_organisation(slug, "Härnösands kommun", OrganisationKind.TENANT)
    user = users.create_user(
        org, email=f"{role.value}@{slug}.example", name="Utomstående", role=role, password=PASSWORD
    )
    db.session.commit()
    return user


# --- A closed annual evaluation, as the report and its exports show it -----------------------

ROUND_TITLE = "Årlig utvärdering maj 2012"
KRAMFORS_TEXT = "Utbildning i ansvarsfull alkoholservering hölls för tolv krogar i mars."
# A report text a spreadsheet would run as a formula if it were written as it stands.
FORMULA_TEXT = '=HYPERLINK("https://evil.example","Klicka här")'
COUNCIL_TEXT = "Rådet har mötts fyra gånger; närvaron från polisen har varit god."
SHARED_DECISION = "Beslut: krogutbildningen fortsätter nästa år."
INTERNAL_ROUND_NOTE = "Internt: budgeten för utbildningen är osäker."
INTERNAL_ACTIVITY_NOTE = "Internt: en krögare har klagat på tonen."
SHARED_ACTIVITY_NOTE = "Delat: kursmaterialet finns på intranätet."
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def closed_annual_round() -> int:
    """Kramfors and Sollefteå report their ION assignment of activity 1.3 (Kramfors with
    statistics, a decision and a file), the round thread and the activity get shared and
    internal comments, and a coordinator closes the round with the council's evaluation.
    Call inside an app context; returns the round's id."""
    plan = seed_plan()
    coordinator = demo_user("kramfors", "samordnare")
    rnd = rounds.open_round(
        coordinator, plan, RoundKind.ANNUAL_EVALUATION, ROUND_TITLE, date(2012, 5, 15)
    )
    kramfors = demo_user("kramfors", "handlaggare")
    entry = rounds.report(kramfors, rnd, assignment("kramfors", "ION", 1, 3), KRAMFORS_TEXT)
    rounds.add_evidence(
        kramfors,
        entry,
        kind="statistics",
        title="Anmälda krogbråk",
        url="https://bra.se/statistik",
        source="BRÅ",
        dated_on=date(2012, 3, 1),
    )
    rounds.add_evidence(
        kramfors,
        entry,
        kind="decision",
        title="Beslut om krogutbildning",
        registry_number="KS 2012/17",
        dated_on=date(2012, 2, 10),
        upload=io.BytesIO(PDF_BYTES),
        filename="protokoll.pdf",
    )
    solleftea = demo_user("solleftea", "handlaggare")
    rounds.report(solleftea, rnd, assignment("solleftea", "ION", 1, 3), FORMULA_TEXT)
    threads.post(coordinator, plan, rnd, SHARED_DECISION, Visibility.SHARED)
    threads.post(coordinator, plan, rnd, INTERNAL_ROUND_NOTE, Visibility.INTERNAL)
    activity = assignment("kramfors", "ION", 1, 3).activity
    threads.post(kramfors, plan, activity, INTERNAL_ACTIVITY_NOTE, Visibility.INTERNAL)
    threads.post(solleftea, plan, activity, SHARED_ACTIVITY_NOTE, Visibility.SHARED)
    rounds.close_round(coordinator, rnd, COUNCIL_TEXT)
    return rnd.id
