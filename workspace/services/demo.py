"""Demo data: the seed plan, three tenants with one user per role, and a little history.

Everything goes through the same services users go through, so the demo obeys every rule.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db, keeping_loaded
from ..models import (
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    Function,
    Organisation,
    Plan,
    Role,
    User,
    Visibility,
)
from ..models.types import utcnow
from . import content, plans, threads
from .assignments import change_status
from .organisations import appoint
from .users import create_user, find_user

DEMO_PASSWORD = "samverkan-demo"

# (email local part, role, name, function codes held). KUN is left without a holder in
# both municipalities, so the demo shows how a vacant function is flagged.
DEMO_PEOPLE: dict[str, list[tuple[str, Role, str, tuple[str, ...]]]] = {
    "solleftea": [
        ("admin", Role.ADMIN, "Sara Lindqvist", ("BSN",)),
        ("samordnare", Role.COORDINATOR, "Mikael Berg", ("SBN", "Solatum")),
        ("handlaggare", Role.MEMBER, "Elin Sjöberg", ("ION", "Alkoholhandläggare")),
        ("lasare", Role.VIEWER, "Johan Nyström", ()),
    ],
    "kramfors": [
        ("admin", Role.ADMIN, "Karin Holm", ()),
        ("samordnare", Role.COORDINATOR, "Anders Öberg", ("SBN", "Alkoholhandläggare")),
        ("handlaggare", Role.MEMBER, "Lina Forsberg", ("ION", "BSN")),
        ("lasare", Role.VIEWER, "Per Ek", ()),
    ],
    "polisen": [
        ("admin", Role.ADMIN, "Maria Engström", ()),
        ("samordnare", Role.COORDINATOR, "Jonas Lund", ()),
        ("handlaggare", Role.MEMBER, "Erik Sandberg", ("Polis",)),
        ("lasare", Role.VIEWER, "Ida Wikström", ()),
    ],
}

S = AssignmentStatus
# (area, activity, organisation of the function, function code, reporter, days ago, status, note)
# fmt: off
DEMO_HISTORY: list[tuple[int, int, str, str, str, int, AssignmentStatus, str]] = [
    (1, 1, "polisen", "Polis", "handlaggare@polisen", 40, S.ONGOING,
     "Gemensam kontroll av sex krogar i mars tillsammans med alkoholhandläggarna."),
    (1, 1, "solleftea", "Alkoholhandläggare", "handlaggare@solleftea", 38, S.ONGOING,
     "Samtliga krogar kontrollerade en gång i år."),
    (1, 1, "kramfors", "Alkoholhandläggare", "handlaggare@kramfors", 30, S.IN_PROGRESS, ""),
    (1, 1, "skatteverket", "Skattemyndighet", "samordnare@polisen", 29, S.IN_PROGRESS,
     "Skatteverket deltog vid två av kontrollerna."),
    (1, 2, "polisen", "Polis", "handlaggare@polisen", 21, S.DELAYED,
     "Färre besök än planerat under sommaren på grund av semesterbemanning."),
    (1, 3, "solleftea", "ION", "handlaggare@solleftea", 60, S.IN_PROGRESS,
     "Utbildningen planeras till hösten tillsammans med Kramfors och Härnösand."),
    (1, 3, "solleftea", "ION", "handlaggare@solleftea", 2, S.DONE,
     "Utbildningen genomförd med 24 deltagare."),
    (1, 3, "kramfors", "ION", "handlaggare@kramfors", 2, S.DONE,
     "Deltog i den gemensamma utbildningen."),
    (1, 4, "polisen", "Polis", "handlaggare@polisen", 50, S.ONGOING, ""),
    (2, 2, "solleftea", "ION", "samordnare@solleftea", 14, S.IN_PROGRESS,
     "Frågan diskuterad i BRÅ; underlag tas fram inför beslut."),
    (2, 3, "kramfors", "SBN", "samordnare@kramfors", 9, S.DELAYED,
     "Budget för ny belysning i stadsparken saknas i år."),
    (2, 5, "polisen", "Polis", "handlaggare@polisen", 120, S.DONE, "Trafikveckan genomförd i maj."),
    (3, 2, "kramfors", "ION", "handlaggare@kramfors", 7, S.IN_PROGRESS, ""),
    (3, 3, "kramfors", "BSN", "handlaggare@kramfors", 1, S.IN_PROGRESS,
     "ÖPP presenterat på föräldramöten i årskurs 7."),
    (3, 4, "polisen", "Polis", "handlaggare@polisen", 1, S.ONGOING,
     "Besök på ungdomsgårdarna varannan fredag."),
    (3, 6, "solleftea", "ION", "handlaggare@solleftea", 90, S.CANCELLED,
     "Ersätts av det regionala medlingsuppdraget."),
    (4, 1, "polisen", "Polis", "samordnare@polisen", 3, S.IN_PROGRESS, ""),
    (6, 1, "kvinnojouren", "Kvinnojour", "samordnare@kramfors", 5, S.ONGOING,
     "Gemensam fortbildningsdag genomförd i september."),
]
# fmt: on


def load_demo_data() -> bool:
    """Create the demo workspace if it is not there yet; True when something was created."""
    data = plans.read_plan_file()
    if plans.find_plan(data["title"], data["period_start"]) is not None:
        return False
    plans.import_plan(data)
    for slug, people in DEMO_PEOPLE.items():
        organisation = db.session.execute(
            select(Organisation).where(Organisation.slug == slug)
        ).scalar_one()
        for local_part, role, name, function_codes in people:
            email = f"{local_part}@{slug}.example"
            user = find_user(slug, email) or create_user(
                organisation, email=email, name=name, role=role, password=DEMO_PASSWORD
            )
            for function in organisation.functions:
                if function.code in function_codes:
                    appoint(user, function)
    db.session.commit()
    plan = plans.find_plan(data["title"], data["period_start"])
    assert plan is not None
    now = utcnow()
    for area_pos, activity_pos, org_slug, code, reporter, days_ago, status, note in sorted(
        DEMO_HISTORY, key=lambda row: -row[5]
    ):
        assignment = _assignment(plan, area_pos, activity_pos, org_slug, code)
        actor_local, actor_slug = reporter.split("@")
        actor = find_user(actor_slug, f"{actor_local}@{actor_slug}.example")
        assert actor is not None
        change_status(
            actor, assignment, status, note, at=now - timedelta(days=days_ago, hours=days_ago % 7)
        )
    return True


def _assignment(
    plan: Plan, area_pos: int, activity_pos: int, org_slug: str, code: str
) -> Assignment:
    return db.session.execute(
        select(Assignment)
        .join(Activity)
        .join(Area)
        .where(
            Area.plan_id == plan.id, Area.position == area_pos, Activity.position == activity_pos
        )
        .join(Function)
        .join(Organisation)
        .where(Organisation.slug == org_slug, Function.code == code)
    ).scalar_one()


# Comment texts for grown plans: ordinary follow-up talk of a few lines.
GROWTH_COMMENTS = (
    "Vi har gått igenom läget på arbetsgruppens möte och fortsätter enligt planen.",
    "Underlaget skickas till samordnaren före nästa uppföljning.",
    "Kontakt tagen med polisen; gemensam insats planeras till våren.",
    "Statistiken för första halvåret visar färre anmälningar än i fjol.",
)


def grow_plan(
    plan: Plan,
    factor: int,
    *,
    comments_per_activity: int = 19,
    changes_per_assignment: int = 2,
) -> None:
    """Make the demo plan `factor` times its size, with the history of a plan in use.

    Every area gets `factor - 1` more copies of its activities (same goals and responsible
    functions); then every activity gets `comments_per_activity` comments and every
    assignment `changes_per_assignment` status changes. Factor 1 only adds the history.
    All of it goes through the services a user's clicks go through; used by the benchmark
    (`bench/run`) and the query-count tests.
    """
    people = {
        slug: {
            local_part: find_user(slug, f"{local_part}@{slug}.example")
            for local_part in ("samordnare", "handlaggare")
        }
        for slug in DEMO_PEOPLE
    }
    coordinator = people["kramfors"]["samordnare"]
    # Every service call still commits its own transaction; as nothing else writes
    # meanwhile, reloading every object after each commit would only make building slow.
    with keeping_loaded():
        _grow(plan, factor, people, coordinator, comments_per_activity, changes_per_assignment)


def _grow(
    plan: Plan,
    factor: int,
    people: dict[str, dict[str, User | None]],
    coordinator: User,
    comments_per_activity: int,
    changes_per_assignment: int,
) -> None:
    originals = [
        (area, [a for a in area.activities if a.archived_at is None]) for area in plan.areas
    ]
    for copy in range(2, factor + 1):
        for area, activities in originals:
            for activity in activities:
                content.add_activity(
                    coordinator,
                    area,
                    title=f"{activity.title} ({copy})",
                    goal=activity.goal,
                    function_ids={a.function_id for a in activity.current_assignments},
                )
    writers = [user for pair in people.values() for user in pair.values()]
    statuses = list(AssignmentStatus)
    now = utcnow()
    count = 0
    for area in plan.areas:
        for activity in list(area.activities):
            for n in range(comments_per_activity):
                count += 1
                threads.post(
                    writers[count % len(writers)],
                    plan,
                    activity,
                    GROWTH_COMMENTS[count % len(GROWTH_COMMENTS)],
                    Visibility.INTERNAL if n % 5 == 4 else Visibility.SHARED,
                )
            for assignment in list(activity.current_assignments):
                owner = assignment.function.organisation
                actor = people.get(owner.slug, people["polisen"])["samordnare"]
                for n in range(changes_per_assignment):
                    count += 1
                    change_status(
                        actor,
                        assignment,
                        statuses[count % len(statuses)],
                        GROWTH_COMMENTS[count % len(GROWTH_COMMENTS)],
                        at=now - timedelta(days=changes_per_assignment - n, minutes=count),
                    )
