"""Demo data: the seed plan, three tenants with one user per role, and a little history.

Everything goes through the same services users go through, so the demo obeys every rule.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db, keeping_loaded
from ..models import (
    Activity,
    Aggregation,
    Area,
    Assignment,
    AssignmentStatus,
    EvidenceKind,
    FollowUpRound,
    Function,
    Indicator,
    Organisation,
    Period,
    Plan,
    Report,
    Role,
    RoundKind,
    SituationPart,
    StatusChange,
    User,
    Visibility,
)
from ..models.types import recorded_at, utcnow
from . import (
    council,
    evaluation,
    facts,
    indicators,
    plans,
    publication,
    rounds,
    situation,
    threads,
    transaction,
)
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
    # The people and the functions they hold, in one write.
    with transaction.write():
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


# --- The plan's second year ----------------------------------------------------------------
# `load_demo_history` adds a year of use on top of the base: a closed follow-up round with
# reports and evidence, an open one that fell due a little before today and that Kramfors has
# not reported, indicators with values, status changes and comments. Times are given against
# four moments, so the story holds whatever day the demo is loaded:
#   "before": days before the closed round opened (negative)
#   "closed": days after the closed round opened (it falls due after 30 and closes after 44)
#   "between": a share of the time between closing that round and opening the open one
#   "open": days after the open round opened (it fell due after 30, at least a week ago)
# Nothing names a private person: the texts speak of functions and organisations.

# (area, activity, organisation of the function, function code)
Key = tuple[int, int, str, str]
When = tuple[str, float]

# (assignment, reporter, when, status, note); none of these assignments is in DEMO_HISTORY,
# so each assignment's history stays one chain.
# fmt: off
YEAR_TWO_CHANGES: list[tuple[Key, str, When, AssignmentStatus, str]] = [
    ((3, 1, "polisen", "Polis"), "handlaggare@polisen", ("before", -55), S.ONGOING,
     "Kronobergsmodellen ingår nu i introduktionen av nya poliser."),
    ((6, 1, "solleftea", "ION"), "handlaggare@solleftea", ("before", -50), S.ONGOING,
     "Samverkansgruppen för våld i nära relationer träffas varannan månad."),
    ((6, 1, "polisen", "Polis"), "handlaggare@polisen", ("before", -45), S.ONGOING,
     "Polisen deltar i samverkansgruppen och har utsett en kontaktpolis."),
    ((2, 4, "solleftea", "SBN"), "samordnare@solleftea", ("before", -40), S.IN_PROGRESS,
     "Klottret i centrum inventerat tillsammans med Solatum; en saneringsrutin tas fram."),
    ((2, 4, "solleftea", "Solatum"), "samordnare@solleftea", ("before", -35), S.ONGOING,
     "Solatum sanerar anmält klotter på sina fastigheter inom 48 timmar."),
    ((4, 3, "polisen", "Polis"), "handlaggare@polisen", ("before", -30), S.IN_PROGRESS,
     "Första kursen i butikssäkerhet hållen tillsammans med Svensk Handel."),
    ((2, 1, "polisen", "Polis"), "handlaggare@polisen", ("before", -25), S.ONGOING,
     "Fler fotpatruller i centrum på fredags- och lördagskvällar."),
    ((3, 3, "solleftea", "BSN"), "admin@solleftea", ("before", -20), S.IN_PROGRESS,
     "ÖPP är inplanerat på föräldramötena i årskurs 7 och 8."),
    ((2, 5, "solleftea", "BSN"), "admin@solleftea", ("between", 0.1), S.DONE,
     "Trafikveckan genomförd på skolorna tillsammans med polisen."),
    ((1, 5, "polisen", "Polis"), "handlaggare@polisen", ("between", 0.15), S.DONE,
     "Årets fortbildning för ordningsvakterna genomförd."),
    ((2, 4, "kramfors", "SBN"), "samordnare@kramfors", ("between", 0.2), S.IN_PROGRESS,
     "Dialog med fastighetsägarna i centrum om en gemensam saneringsrutin."),
    ((6, 2, "solleftea", "ION"), "handlaggare@solleftea", ("between", 0.25), S.DELAYED,
     "Väntar på beslut om en gemensam lokal för mansjouren med Kramfors."),
    ((6, 2, "kramfors", "ION"), "handlaggare@kramfors", ("between", 0.25), S.DELAYED,
     "Mansjouren saknar lokal; frågan tas upp i ION igen."),
    ((2, 4, "solleftea", "SBN"), "samordnare@solleftea", ("between", 0.3), S.ONGOING,
     "Saneringsrutinen är beslutad; klotter anmäls via kommunens felanmälan."),
    ((4, 1, "solleftea", "SBN"), "samordnare@solleftea", ("between", 0.35), S.IN_PROGRESS,
     "Polisens statistik per område används när belysning och staket ses över."),
    ((4, 2, "polisen", "Polis"), "handlaggare@polisen", ("between", 0.4), S.DONE,
     "Informationsbrev om stöldbegärliga varor skickat till butikerna i båda kommunerna."),
    ((4, 1, "kramfors", "SBN"), "samordnare@kramfors", ("between", 0.45), S.IN_PROGRESS,
     "Statistiken genomgången i SBN; tre platser prioriteras."),
    ((3, 3, "solleftea", "BSN"), "admin@solleftea", ("between", 0.5), S.ONGOING,
     "ÖPP presenteras nu på alla föräldramöten i årskurs 7."),
    ((3, 7, "solleftea", "BSN"), "admin@solleftea", ("between", 0.5), S.ONGOING,
     "Tobaksfri Duo erbjuds alla elever i årskurs 6."),
    ((3, 5, "kramfors", "BSN"), "handlaggare@kramfors", ("between", 0.6), S.ONGOING,
     "Värdegrundsarbetet följer skolornas planer mot kränkande behandling."),
    ((6, 4, "solleftea", "ION"), "handlaggare@solleftea", ("between", 0.7), S.ONGOING,
     "IFO följer planen; ION följer upp den varje kvartal."),
    ((2, 6, "polisen", "Polis"), "handlaggare@polisen", ("open", 3), S.ONGOING,
     "Kontroller av mopeder och epatraktorer genomförda vid skolorna."),
    ((6, 3, "polisen", "Polis"), "handlaggare@polisen", ("open", 5), S.IN_PROGRESS,
     "En fortbildningsdag om våld i nära relationer planeras för alla i yttre tjänst."),
    ((5, 1, "polisen", "Polis"), "handlaggare@polisen", ("open", 8), S.IN_PROGRESS,
     "Frågan om vilka gäster krogen vill ha tas nu upp vid varje krogkontroll."),
]

# What was reported in the closed round, on the day (after opening) it was saved. Kramfors
# reported a little; the rest was left out and is kept, unreported, by the closing.
CLOSED_ROUND_REPORTS: list[tuple[Key, str, int, str]] = [
    ((2, 1, "polisen", "Polis"), "handlaggare@polisen", 4,
     "Fotpatruller i centrum varje fredag och lördag kväll sedan i vintras."),
    ((3, 1, "polisen", "Polis"), "handlaggare@polisen", 4,
     "Kronobergsmodellen tillämpas och ingår i introduktionen av nya poliser."),
    ((4, 3, "polisen", "Polis"), "handlaggare@polisen", 5,
     "Första kursen i butikssäkerhet hållen; sju butiker är certifierade."),
    ((6, 1, "polisen", "Polis"), "handlaggare@polisen", 5,
     "Polisen deltar i samverkansgruppen och har en utsedd kontaktpolis."),
    ((2, 4, "solleftea", "SBN"), "samordnare@solleftea", 8,
     "Klottret i centrum är inventerat; rutinen för sanering tas fram med Solatum och "
     "fastighetsägarna."),
    ((2, 4, "solleftea", "Solatum"), "samordnare@solleftea", 8,
     "Solatum sanerar anmält klotter inom 48 timmar."),
    ((3, 3, "solleftea", "BSN"), "admin@solleftea", 10,
     "ÖPP är inplanerat på föräldramötena i årskurs 7 och 8."),
    ((6, 1, "solleftea", "ION"), "handlaggare@solleftea", 12,
     "Samverkansgruppen har träffats tre gånger sedan förra uppföljningen."),
    ((1, 1, "raddningstjansten", "Räddningstjänst"), "samordnare@solleftea", 14,
     "Räddningstjänsten har inte deltagit i krogkontrollerna än; inbjudan är skickad."),
    ((2, 2, "kramfors", "ION"), "handlaggare@kramfors", 27,
     "Frågan om en mötesplats har inte behandlats än; den tas upp i ION under året."),
    ((4, 1, "kramfors", "SBN"), "samordnare@kramfors", 28,
     "Vi väntar på polisens statistik per område till nästa möte."),
]

# The open round: Sollefteå, the police and the partners (through Sollefteå's and the
# police's coordinators) have reported everything; Kramfors nothing, so it is overdue.
OPEN_ROUND_REPORTERS = {
    "solleftea": ("handlaggare@solleftea", 6),
    "polisen": ("handlaggare@polisen", 9),
    "partners": ("samordnare@polisen", 20),
}
OPEN_ROUND_TEXTS: dict[Key, str] = {
    (2, 4, "solleftea", "SBN"): "Saneringsrutinen är beslutad och används; klotter i centrum "
    "saneras inom två dygn.",
    (2, 5, "solleftea", "BSN"): "Trafikveckan genomförd på alla skolor med årskurs 4–6.",
    (6, 2, "solleftea", "ION"): "Ingen lokal för mansjouren ännu; frågan ligger hos ION.",
    (4, 2, "polisen", "Polis"): "Informationsbrevet skickat till 46 butiker; uppföljande besök "
    "hos de butiker som har haft flest stölder.",
    (1, 5, "polisen", "Polis"): "Fortbildningen för ordningsvakterna genomförd enligt "
    "lagstiftningen.",
}
# What a report says when its reporter has nothing to add to the status.
PLAIN_REPORT = {
    S.NOT_STARTED: "Arbetet har inte påbörjats; det planeras in under året.",
    S.IN_PROGRESS: "Arbetet pågår enligt planen.",
    S.ONGOING: "Arbetet löper på som planerat.",
    S.DONE: "Aktiviteten är genomförd.",
    S.DELAYED: "Arbetet är försenat; en ny tidplan tas fram.",
    S.CANCELLED: "Aktiviteten är avbruten.",
}

# (activity (area, position) or a round ("closed"/"open"), author, when, internal?, text)
YEAR_TWO_COMMENTS: list[tuple[tuple[int, int] | str, str, When, bool, str]] = [
    ((1, 1), "handlaggare@solleftea", ("before", -10), False,
     "Vi föreslår att nästa gemensamma krogkontroll görs en fredag när det är en större "
     "konsert i stan, då trycket på krogarna är som störst."),
    ((1, 1), "handlaggare@polisen", ("before", -8), False,
     "Polisen kan delta med två patruller. Skatteverket och räddningstjänsten är tillfrågade."),
    ((6, 1), "handlaggare@solleftea", ("between", 0.2), True,
     "Internt: stäm av med IFO om vi ska ta över ordförandeskapet i samverkansgruppen nästa år."),
    ((3, 4), "samordnare@solleftea", ("between", 0.3), False,
     "KUN har ingen ansvarig just nu i någon av kommunerna, så samordnarna redovisar "
     "ungdomsgårdarna tills vidare."),
    ((1, 1), "handlaggare@kramfors", ("between", 0.4), False,
     "Kramfors är gärna med. Våra alkoholhandläggare har kontrollerat fyra av sju krogar "
     "hittills i år."),
    ((1, 1), "samordnare@kramfors", ("between", 0.45), True,
     "Internt: vi måste hinna med de tre krogar som är kvar före nästa uppföljning, annars "
     "når vi inte målet för året."),
    ((2, 3), "samordnare@solleftea", ("between", 0.5), False,
     "I Sollefteå lyser gatubelysningen i centrum nu till klockan tre på fredags- och "
     "lördagsnätter."),
    ((4, 3), "handlaggare@polisen", ("between", 0.5), False,
     "Nästa kurs i butikssäkerhet hålls tillsammans med Svensk Handel. Butiker i Kramfors "
     "är särskilt välkomna."),
    ((3, 4), "handlaggare@polisen", ("between", 0.55), False,
     "Ungdomarna på gårdarna önskar längre öppettider på helgerna."),
    ((1, 3), "samordnare@solleftea", ("between", 0.6), False,
     "Härnösand står för lokalen i år. Anmälan till utbildningen i ansvarsfull servering "
     "görs hos respektive kommuns alkoholhandläggare."),
    ((1, 3), "handlaggare@kramfors", ("between", 0.7), False,
     "Vi har bjudit in ägare och personal på alla krogar med serveringstillstånd i Kramfors."),
    ("closed", "samordnare@polisen", ("closed", 45), False,
     "Tack för redovisningarna. Det som inte redovisades följer vi upp i nästa omgång."),
    ((2, 3), "samordnare@kramfors", ("open", 2), True,
     "Internt: belysningen i stadsparken ryms inte i årets budget. Vi tar upp den i "
     "budgetberedningen innan vi redovisar i arbetsgruppen."),
    ("open", "samordnare@polisen", ("open", 31), False,
     "Sista dagen för redovisning har passerat. Kramfors redovisning saknas fortfarande."),
    ("open", "samordnare@kramfors", ("open", 32), True,
     "Internt: vi ligger efter med redovisningen. ION och SBN lämnar sina delar så snart "
     "budgetberedningen är klar."),
]
# fmt: on


@dataclass(frozen=True)
class YearTwo:
    """The moments the second year is told against (see the comment above)."""

    closed_due: date
    open_due: date

    @property
    def closed_opened(self) -> datetime:
        return _morning(self.closed_due - timedelta(days=30))

    @property
    def closed_closed(self) -> datetime:
        return _morning(self.closed_due + timedelta(days=14))

    @property
    def open_opened(self) -> datetime:
        return _morning(self.open_due - timedelta(days=30))

    def at(self, when: When) -> datetime:
        phase, amount = when
        if phase == "before":
            return self.closed_opened + timedelta(days=amount)
        if phase == "closed":
            return self.closed_opened + timedelta(days=amount)
        if phase == "between":
            return self.closed_closed + (self.open_opened - self.closed_closed) * amount
        return self.open_opened + timedelta(days=amount)


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(8, 30), tzinfo=UTC)


def year_two(today: date) -> YearTwo:
    """The plan's follow-ups fall due at the end of April and of October: the open round is
    the last one due at least a week before today, the closed one the one before it."""
    due_dates = sorted(
        date(year, month, 30 if month == 4 else 31)
        for year in range(today.year - 2, today.year + 1)
        for month in (4, 10)
    )
    passed = [d for d in due_dates if d <= today - timedelta(days=7)]
    return YearTwo(closed_due=passed[-2], open_due=passed[-1])


def load_demo_history(today: date | None = None) -> bool:
    """Give the demo workspace its second year (see `year_two`) once; True when added.

    Runs on the base of `load_demo_data`; everything goes through the services, each step
    dated with `recorded_at` when it happened. A plan that has a round already is left alone.
    """
    data = plans.read_plan_file()
    plan = plans.find_plan(data["title"], data["period_start"])
    if plan is None or rounds.rounds_of(plan):
        return False
    # Every service call commits; as nothing else writes meanwhile, reloading every object
    # after each commit would only make loading slow (as in `bench/grow.py`).
    with keeping_loaded():
        _tell_year_two(plan, year_two(today or utcnow().date()))
    return True


def _tell_year_two(plan: Plan, story: YearTwo) -> None:
    people = _People()
    changes = sorted(
        (
            (story.at(when), key, who, status, note)
            for key, who, when, status, note in YEAR_TWO_CHANGES
        ),
        key=lambda row: row[0],
    )
    _record_changes(plan, people, [c for c in changes if c[0] < story.closed_opened])
    closed = _closed_round(plan, people, story)
    _record_changes(
        plan, people, [c for c in changes if story.closed_opened <= c[0] < story.open_opened]
    )
    opened = _open_round(plan, people, story)
    _record_changes(plan, people, [c for c in changes if c[0] >= story.open_opened])
    _indicators(plan, people, story)
    _facts(plan, people)
    _situation_picture(plan, people, story)
    _public_page(plan, people)
    _meetings(plan, people, story, closed, opened)
    for subject, author, when, internal, text in YEAR_TWO_COMMENTS:
        about: threads.Subject
        if subject == "closed":
            about = closed
        elif subject == "open":
            about = opened
        else:
            about = _activity(plan, *subject)
        with recorded_at(story.at(when)):
            threads.post(
                people[author],
                plan,
                about,
                text,
                Visibility.INTERNAL if internal else Visibility.SHARED,
            )
    _annual_evaluation(plan, people, story)


# fmt: off
# What each organisation brought for 2025 (step 1 of the cycle): who, kind, visibility, title,
# source, period, value, unit, text.
DEMO_FACTS = [
    ("handlaggare@polisen", "statistics", "shared", "Anmälda tillgreppsbrott, Sollefteå",
     "Polisens statistik", "2025", "412", "anmälda brott", ""),
    ("handlaggare@polisen", "statistics", "shared", "Anmälda tillgreppsbrott, Kramfors",
     "Polisens statistik", "2025", "388", "anmälda brott", ""),
    ("handlaggare@polisen", "statistics", "shared", "Anmält våld i offentlig miljö, Sollefteå",
     "Polisens statistik", "2025", "57", "anmälda brott", ""),
    ("handlaggare@polisen", "survey", "shared", "Otrygghet i centrum kvällstid",
     "Polisens trygghetsmätning", "hösten 2025", "31", "procent av de svarande",
     "Andelen som undviker centrum på kvällen har ökat sedan 2023."),
    ("handlaggare@solleftea", "survey", "shared", "Utsatthet för stöld, Västernorrland",
     "Brå:s Nationella trygghetsundersökning (NTU)", "2025", "", "",
     "Något lägre utsatthet för stöld än riket i stort; oron för brott har ökat."),
    ("handlaggare@kramfors", "observation", "shared", "Grupper vid busstationen",
     "", "", "", "", "Fältassistenterna ser fler ungdomsgrupper vid busstationen "
     "fredagskvällar, särskilt efter att fritidsgården stängt."),
    ("handlaggare@solleftea", "observation", "internal", "Nedskräpning och skadegörelse vid skolan",
     "", "", "", "", "Vaktmästarna rapporterar mer skadegörelse på skolgården på helgerna; "
     "bör tas upp med fastighetsägaren innan vi delar det."),
]
# fmt: on


def _facts(plan: Plan, people: _People) -> None:
    """A handful of facts for 2025, shared and one internal, as each organisation brings them."""
    for who, kind, visibility, title, source, period, value, unit, text in DEMO_FACTS:
        facts.record(
            people[who],
            plan,
            kind=kind,
            visibility=visibility,
            year="2025",
            title=title,
            source=source,
            period=period,
            value=value,
            unit=unit,
            text=text,
        )


# The year's lägesbild in the law's three parts, and the problems it names with the
# activities (area, activity position) that address them.
SITUATION_TEXT = {
    SituationPart.MAPPING: (
        "Anmälda tillgreppsbrott i Sollefteå låg kvar på samma nivå som året innan. Våldet i "
        "offentlig miljö är samlat till centrum kring krogstängning fredag och lördag natt.\n\n"
        "Skadegörelse och klotter har ökat längs stråket mellan busstationen och torget."
    ),
    SituationPart.OTHER: (
        "Polisens trygghetsmätning visar att fler kvinnor än män undviker centrum sena "
        "kvällar. Krögarna beskriver ett bättre samarbete med ordningsvakterna."
    ),
    SituationPart.ANALYSIS: (
        "Våldet hänger ihop med att många lämnar krogarna samtidigt och att det är mörkt "
        "och glest med folk kring torget. Klottret följer av att sanering dröjer, så att "
        "platserna lockar till mer."
    ),
}
# The facts of the year each part rests on, by title.
SITUATION_CITES = {
    SituationPart.MAPPING: (
        "Anmälda tillgreppsbrott, Sollefteå",
        "Anmält våld i offentlig miljö, Sollefteå",
    ),
    SituationPart.OTHER: ("Otrygghet i centrum kvällstid",),
}
SITUATION_PROBLEMS = [
    ("Våld i offentlig miljö kring krogstängning", "Fredag och lördag natt i centrum.",
     [(1, 1), (1, 2), (1, 4)]),
    ("Otrygghet i centrum sena kvällar", "Särskilt kring torget och i parkerna.", [(2, 3)]),
    ("Klotter och skadegörelse längs stråket till torget", "", [(2, 4)]),
]  # fmt: skip


def _situation_picture(plan: Plan, people: _People, story: YearTwo) -> None:
    """The previous year's lägesbild, written by both municipalities and the police in the
    spring, agreed by two of the three organisations so far."""
    written = story.closed_opened - timedelta(days=45)
    with recorded_at(written):
        picture = situation.start(people["samordnare@kramfors"], plan, story.open_due.year - 1)
        shared = [f for facts in situation.citable_facts(plan).values() for f in facts]
        for part, text in SITUATION_TEXT.items():
            section = picture.section(part)
            cited = {f.id for f in shared if f.title in SITUATION_CITES.get(part, ())}
            situation.edit_section(
                people["handlaggare@solleftea"], section, text, section.version, fact_ids=cited
            )
        for title, description, where in SITUATION_PROBLEMS:
            activities = {_activity(plan, *at).id for at in where}
            areas = {_activity(plan, *at).area_id for at in where}
            problem = situation.add_problem(
                people["handlaggare@kramfors"], picture, situation.ProblemText(title, description)
            )
            situation.link_problem(
                people["samordnare@kramfors"], problem, areas, activities, problem.links_version
            )
    with recorded_at(written + timedelta(days=7)):
        for coordinator in ("samordnare@kramfors", "samordnare@polisen"):
            situation.agree(people[coordinator], picture, picture.content_version)


PUBLIC_INTRO = (
    "Sollefteå kommun, Kramfors kommun och polisen arbetar tillsammans mot brott och för att "
    "fler ska känna sig trygga. Här ser du vad vi har bestämt att göra och hur långt vi har "
    "kommit.\n\n"
    "Sidan visar läget när den senast godkändes av alla tre organisationerna."
)


def _public_page(plan: Plan, people: _People) -> None:
    """The public page, agreed by all three coordinators. Dated today, not in the told past:
    it freezes the statuses as they are now, after the whole year's changes."""
    version = publication.prepare(people["samordnare@kramfors"], plan, PUBLIC_INTRO, 0)
    for coordinator in ("samordnare@kramfors", "samordnare@solleftea", "samordnare@polisen"):
        publication.agree(people[coordinator], plan, version.number)


def _annual_evaluation(plan: Plan, people: _People, story: YearTwo) -> None:
    """This year's annual evaluation, drafted from everything above once the open round's
    comments are in, and agreed by Kramfors so far: a draft, not fixed."""
    with recorded_at(story.at(("open", 33))):
        drafted = evaluation.start(people["samordnare@kramfors"], plan, story.open_due.year)
    with recorded_at(story.at(("open", 34))):
        evaluation.agree(people["samordnare@kramfors"], drafted, drafted.content_version)


# fmt: off
# The year's meetings: the working group at each follow-up round, the council in May. Who
# came, as how many of each organisation (None: there, not counted), and what was decided.
DEMO_MEETINGS = [
    ("closed", "working_group", "Arbetsgruppen, vårens uppföljning",
     {"solleftea": 2, "kramfors": 2, "polisen": 1, "raddningstjansten": 1},
     "Klottersanering i centrum inom ett dygn, enligt SBN:s nya rutin.\n"
     "Polisen redovisar våldet i offentlig miljö per månad till nästa möte."),
    ("council", "council", "Rådsmöte maj",
     {"solleftea": 3, "kramfors": 2, "polisen": 2, "landstinget": 1, "kvinnojouren": None},
     "Lägesbilden läggs till grund för årets prioriteringar.\n"
     "Kramfors och Sollefteå tar fram en gemensam plan mot våld i nära relationer."),
    ("open", "working_group", "Arbetsgruppen, höstens uppföljning",
     {"solleftea": 2, "polisen": 1, "fastighetsagare": 1},
     "Fler ordningsvakter vid krogstängning under december."),
]
# fmt: on


def _meetings(
    plan: Plan, people: _People, story: YearTwo, closed: FollowUpRound, opened: FollowUpRound
) -> None:
    """The working group's meetings at the two rounds and the council's in May, each
    recorded the day after by the police's coordinator."""
    members = {org.slug: org.id for org in council.members(plan)}
    rounds_by = {"closed": closed, "open": opened}
    for which, body, title, came, decisions in DEMO_MEETINGS:
        rnd = rounds_by.get(which)
        held_on = rnd.due_on if rnd else date(story.closed_due.year, 5, 20)
        attendance = {
            members[slug]: council.Attendance(True, "" if n is None else str(n))
            for slug, n in came.items()
        }
        with recorded_at(_morning(held_on + timedelta(days=1))):
            council.record(
                people["samordnare@polisen"],
                plan,
                council.MeetingText(
                    body, held_on, title, decisions, attendance, rnd.id if rnd else None
                ),
            )


class _People(dict[str, User]):
    """Demo users by "local part@organisation slug", each looked up once."""

    def __missing__(self, key: str) -> User:
        local_part, slug = key.split("@")
        user = find_user(slug, f"{local_part}@{slug}.example")
        assert user is not None, key
        self[key] = user
        return user


def _activity(plan: Plan, area_pos: int, activity_pos: int) -> Activity:
    return db.session.execute(
        select(Activity)
        .join(Area)
        .where(
            Area.plan_id == plan.id, Area.position == area_pos, Activity.position == activity_pos
        )
    ).scalar_one()


def _record_changes(
    plan: Plan, people: _People, changes: list[tuple[datetime, Key, str, AssignmentStatus, str]]
) -> None:
    for moment, key, who, status, note in changes:
        with recorded_at(moment):
            change_status(people[who], _assignment(plan, *key), status, note)


def _status_then(assignment: Assignment, moment: datetime) -> tuple[AssignmentStatus, str]:
    """The assignment's status at `moment` and the note it was set with, from its history."""
    latest = db.session.execute(
        select(StatusChange)
        .where(StatusChange.assignment_id == assignment.id, StatusChange.created_at <= moment)
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None:
        return AssignmentStatus.NOT_STARTED, ""
    return latest.to_status, latest.note


def _snapshot_as_then(rnd: FollowUpRound) -> None:
    """Set each report's status to the assignment's status when it was saved (or the round
    closed), read from the assignment's history.

    A report takes the assignment's status at the moment it is saved; the base demo has
    moved some assignments on recently, after these back-dated rounds. Only the demo does
    this, right after the services wrote the reports.
    """
    with transaction.write():
        for entry in rnd.reports:
            moment = entry.reported_at or rnd.closed_at or utcnow()
            entry.status = _status_then(entry.assignment, moment)[0]


def _closed_round(plan: Plan, people: _People, story: YearTwo) -> FollowUpRound:
    coordinator = people["samordnare@polisen"]
    with recorded_at(story.closed_opened), force_locale("sv"):
        rnd = rounds.open_round(coordinator, plan, RoundKind.WORKING_GROUP, None, story.closed_due)
    entries: dict[Key, Report] = {}
    for key, who, day, text in CLOSED_ROUND_REPORTS:
        with recorded_at(story.closed_opened + timedelta(days=day, hours=1)):
            entries[key] = rounds.report(people[who], rnd, _assignment(plan, *key), text)
    year = story.closed_due.year
    with recorded_at(story.closed_opened + timedelta(days=5, hours=2)):
        rounds.add_evidence(
            people["handlaggare@polisen"],
            entries[(4, 3, "polisen", "Polis")],
            kind=EvidenceKind.STATISTICS,
            title="Certifierade butiker per kommun",
            source="Polisen och Svensk Handel",
            dated_on=story.closed_due - timedelta(days=30),
            upload=io.BytesIO("Kommun;Certifierade butiker\nSollefteå;4\nKramfors;3\n".encode()),
            filename="certifierade-butiker.csv",
        )
        rounds.add_evidence(
            people["handlaggare@polisen"],
            entries[(2, 1, "polisen", "Polis")],
            kind=EvidenceKind.STATISTICS,
            title="Anmälda brott i Sollefteå kommun",
            url="https://bra.se/statistik/kriminalstatistik/anmalda-brott.html",
            source="Brottsförebyggande rådet",
            dated_on=date(year - 1, 12, 31),
        )
    with recorded_at(story.closed_opened + timedelta(days=8, hours=2)):
        rounds.add_evidence(
            people["samordnare@solleftea"],
            entries[(2, 4, "solleftea", "SBN")],
            kind=EvidenceKind.DECISION,
            title="Beslut om rutin för klottersanering i centrum",
            url="https://solleftea.example/protokoll/samhallsbyggnadsnamnden",
            registry_number=f"SBN {year}/112",
            dated_on=story.closed_opened.date(),
        )
    with recorded_at(story.closed_closed):
        rounds.close_round(coordinator, rnd)
    _snapshot_as_then(rnd)
    return rnd


def _open_round(plan: Plan, people: _People, story: YearTwo) -> FollowUpRound:
    coordinator = people["samordnare@polisen"]
    with recorded_at(story.open_opened), force_locale("sv"):
        rnd = rounds.open_round(coordinator, plan, RoundKind.WORKING_GROUP, None, story.open_due)
    for assignment in rounds.plan_assignments(plan):
        owner = assignment.organisation
        who, day = OPEN_ROUND_REPORTERS.get("partners" if owner.is_partner else owner.slug, ("", 0))
        if not who:
            continue  # Kramfors has not reported
        moment = story.open_opened + timedelta(days=day, minutes=assignment.id)
        key = (
            assignment.activity.area.position,
            assignment.activity.position,
            owner.slug,
            assignment.function.code,
        )
        status, note = _status_then(assignment, moment)
        text = OPEN_ROUND_TEXTS.get(key) or note or PLAIN_REPORT[status]
        with recorded_at(moment):
            rounds.report(people[who], rnd, assignment, text)
    graffiti = rounds.find_report(rnd, _assignment(plan, 2, 4, "solleftea", "SBN"))
    assert graffiti is not None
    with recorded_at(story.open_opened + timedelta(days=7)):
        rounds.add_evidence(
            people["samordnare@solleftea"],
            graffiti,
            kind=EvidenceKind.STATISTICS,
            title="Anmält klotter i centrum per månad",
            url="https://solleftea.example/felanmalan/statistik",
            source="Sollefteå kommuns felanmälan",
            dated_on=story.open_opened.date(),
        )
    _snapshot_as_then(rnd)
    return rnd


def _indicators(plan: Plan, people: _People, story: YearTwo) -> None:
    """Three measurable targets from the plan's goals, with a year of values."""
    police_coordinator = people["samordnare@polisen"]
    with recorded_at(story.closed_opened - timedelta(days=60)):
        visits = indicators.add_indicator(
            police_coordinator,
            _activity(plan, 1, 2),
            title="Grundliga besök av radiobil på krogarna",
            unit="besök",
            target=1,
            period=Period.MONTH,
        )
        inspections = indicators.add_indicator(
            people["samordnare@solleftea"],
            _activity(plan, 1, 1),
            title="Kontrollerade krogar med serveringstillstånd",
            unit="krogar",
            target=20,
            period=Period.YEAR,
        )
        certified = indicators.add_indicator(
            police_coordinator,
            _activity(plan, 4, 3),
            title="Certifierade butiker",
            unit="butiker",
            target=40,
            period=Period.YEAR,
            aggregation=Aggregation.LATEST,
        )
    _monthly_visits(people["handlaggare@polisen"], visits, story)
    _yearly_values(people, inspections, certified, story)


def _monthly_visits(police: User, visits: Indicator, story: YearTwo) -> None:
    """A visit or two a month over the past year, each logged three days after the month."""
    # Fewer in the summer when the patrols are short of staff.
    per_month = {1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 6: 1, 7: 0, 8: 0, 9: 1, 10: 2, 11: 1, 12: 2}
    month_end = story.open_due.replace(day=1) - timedelta(days=1)
    for _ in range(12):
        with recorded_at(_morning(month_end + timedelta(days=3))):
            indicators.log_measurement(
                police,
                visits,
                value=per_month[month_end.month],
                measured_on=month_end,
                source="Polisens egen uppföljning",
            )
        month_end = month_end.replace(day=1) - timedelta(days=1)


def _yearly_values(
    people: _People, inspections: Indicator, certified: Indicator, story: YearTwo
) -> None:
    """Inspected bars and certified shops as they were counted through the year."""
    values = [
        (inspections, "handlaggare@solleftea", ("before", -20), 6, "Kommunens tillsynsregister"),
        (certified, "handlaggare@polisen", ("before", -5), 7, "Polisen och Svensk Handel"),
        (inspections, "handlaggare@solleftea", ("between", 0.3), 4, "Kommunens tillsynsregister"),
        (inspections, "handlaggare@kramfors", ("between", 0.4), 4, "Kommunens tillsynsregister"),
        (certified, "handlaggare@polisen", ("between", 0.5), 15, "Polisen och Svensk Handel"),
        (inspections, "handlaggare@solleftea", ("open", 4), 3, "Kommunens tillsynsregister"),
        (certified, "handlaggare@polisen", ("open", 6), 19, "Polisen och Svensk Handel"),
    ]
    for indicator, who, when, value, source in values:
        moment = story.at(when)
        with recorded_at(moment):
            indicators.log_measurement(
                people[who],
                indicator,
                value=value,
                measured_on=(moment - timedelta(days=1)).date(),
                source=source,
            )
