"""The access matrix: every endpoint, what guards it, and how to reach an object of the
owning organisation (Kramfors). `test_access_matrix.py` requests each endpoint as every
identity and compares the answer with what `workspace.policy` says it should be.

A new route must get a row here, or the coverage test fails.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cached_property
from typing import Any

from sqlalchemy import select

from tests.factories import PASSWORD, PDF_BYTES, demo_user, seed_plan
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, shared_provider
from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    Assignment,
    FollowUpRound,
    Function,
    Indicator,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Plan,
    Report,
    Role,
    RoundKind,
    User,
    Visibility,
)
from workspace.policy import RULES, Action
from workspace.services import (
    accounts,
    content,
    council,
    evaluation,
    facts,
    identity,
    indicators,
    notifications,
    publication,
    rounds,
    situation,
    threads,
    users,
)
from workspace.services.organisations import ensure_organisation

OWNER = "kramfors"  # owns every object the matrix requests
OTHER = "solleftea"  # the other tenant in the same plan
OUTSIDER = "harnosand"  # a tenant in no plan of the workspace

LOCAL_PART = {
    Role.VIEWER: "lasare",
    Role.MEMBER: "handlaggare",
    Role.COORDINATOR: "samordnare",
    Role.ADMIN: "admin",
}
# The owner's member writes the comment the matrix edits, deletes and redacts.
AUTHOR_ROLE = Role.MEMBER


@dataclass(frozen=True)
class Identity:
    org: str | None  # None: anonymous
    role: Role | None = None

    @property
    def name(self) -> str:
        return f"{self.role.value}@{self.org}" if self.org and self.role else "anonymous"

    @property
    def is_author(self) -> bool:
        return self.org == OWNER and self.role is AUTHOR_ROLE


IDENTITIES = [
    Identity(None),
    *(Identity(org, role) for org in (OWNER, OTHER) for role in Role),
    Identity(OUTSIDER, Role.ADMIN),
]


class Scope(Enum):
    """Whose object a grant reaches, besides the role the table asks for."""

    OWN = "the user's own organisation (the endpoint has no other organisation's object)"
    PARTICIPANT = "any organisation taking part in the object's plan"
    OWNER = "only the organisation that owns the object"
    AUTHOR = "only the object's author"


class Seen(Enum):
    """Who may know the object exists; anyone else gets 404."""

    NO_OBJECT = "the endpoint names no object"
    SHARED = "every participant of the plan (shared plan content)"
    PRIVATE = "only the owning organisation (tenant-private)"
    RECIPIENT = "only the user it is addressed to (the owner's member): one's own notification"


@dataclass(frozen=True)
class Grant:
    action: Action
    scope: Scope


class Open(Enum):
    PUBLIC = "anyone, logged in or not"
    LOGGED_IN = "any logged-in user"


Guard = Open | tuple[Grant, ...]


def grant(action: Action, scope: Scope) -> tuple[Grant, ...]:
    return (Grant(action, scope),)


class Outcome(Enum):
    ALLOW = "allowed"
    LOGIN = "sent to log in"
    DENY = "refused (403)"
    HIDE = "not found (404)"


def _in_scope(scope: Scope, who: Identity) -> bool:
    if scope is Scope.OWN:
        return True
    if scope is Scope.PARTICIPANT:
        return who.org in (OWNER, OTHER)
    if scope is Scope.OWNER:
        return who.org == OWNER
    return who.is_author


def _sees(seen: Seen, who: Identity) -> bool:
    if seen is Seen.SHARED:
        return who.org in (OWNER, OTHER)
    if seen is Seen.PRIVATE:
        return who.org == OWNER
    if seen is Seen.RECIPIENT:
        return who.is_author
    return True


@dataclass(frozen=True)
class Route:
    """One endpoint: its guard per HTTP method, who sees its object, how to build its URL
    arguments (`args(world)`, called for every request), and the minimal form body of a
    POST (besides the CSRF token)."""

    guards: dict[str, Guard]
    seen: Seen = Seen.NO_OBJECT
    args: Callable[[World], dict[str, Any]] = lambda world: {}
    body: dict[str, str] = field(default_factory=dict)

    def expected(self, method: str, who: Identity) -> Outcome:
        """What the policy says `who` gets: computed from the policy's
        `RULES` (each action's least role), the role order and
        the ownership rules above, never written out by hand."""
        guard = self.guards[method]
        if guard is Open.PUBLIC:
            return Outcome.ALLOW
        if who.role is None:
            return Outcome.LOGIN
        if not _sees(self.seen, who):
            return Outcome.HIDE
        if guard is Open.LOGGED_IN:
            return Outcome.ALLOW
        allowed = any(
            who.role.at_least(RULES[g.action].min_role) and _in_scope(g.scope, who) for g in guard
        )
        return Outcome.ALLOW if allowed else Outcome.DENY


class World:
    """Objects of the owning organisation, built through the services on first use.
    Use inside an app context; every property is an id."""

    def _user(self, role: Role) -> User:
        return demo_user(OWNER, LOCAL_PART[role])

    @cached_property
    def plan_id(self) -> int:
        return seed_plan().id

    @cached_property
    def own_login_slug(self) -> str:
        """The owner, with its own login at a real OpenID provider."""
        organisation = db.session.execute(
            select(Organisation).where(Organisation.slug == OWNER)
        ).scalar_one()
        issuer = shared_provider().issuer
        settings = identity.ProviderSettings(issuer, CLIENT_ID, CLIENT_SECRET)
        identity.configure(None, organisation, settings)
        return OWNER

    @cached_property
    def area_id(self) -> int:
        return min(seed_plan().areas, key=lambda area: area.position).id

    @cached_property
    def activity_id(self) -> int:
        """An activity only the owner is responsible for, so only the owner reports on it."""
        coordinator = self._user(Role.COORDINATOR)
        area = min(seed_plan().areas, key=lambda a: a.position)
        ion = db.session.execute(
            select(Function)
            .join(Organisation)
            .where(Organisation.slug == OWNER, Function.code == "ION")
        ).scalar_one()
        activity = content.add_activity(
            coordinator,
            area,
            title="Åtkomstmatrisens aktivitet",
            goal="Bara en organisation ansvarar.",
            function_ids={ion.id},
        )
        return activity.id

    @cached_property
    def assignment_id(self) -> int:
        return db.session.get(Activity, self.activity_id).current_assignments[0].id

    @cached_property
    def ended_plan_id(self) -> int:
        """The seed plan, replaced by the next one, so a coordinator may reopen it."""
        plan = seed_plan()
        content.copy_plan(
            self._user(Role.COORDINATOR),
            plan,
            title="Åtkomstmatrisens nästa plan",
            period_start=2014,
        )
        return plan.id

    @cached_property
    def archived_area_id(self) -> int:
        area = db.session.get(Area, self.area_id)
        content.archive_area(self._user(Role.COORDINATOR), area)
        return area.id

    @cached_property
    def archived_activity_id(self) -> int:
        activity = db.session.get(Activity, self.activity_id)
        content.archive_activity(self._user(Role.COORDINATOR), activity)
        return activity.id

    @cached_property
    def indicator_id(self) -> int:
        indicator = indicators.add_indicator(
            self._user(Role.COORDINATOR),
            db.session.get(Activity, self.activity_id),
            title="Kontroller",
            unit="st",
            target=4,
            period="year",
        )
        return indicator.id

    def new_measurement(self) -> int:
        """A value the owner's member logged on the owner's indicator."""
        measurement = indicators.log_measurement(
            self._user(Role.MEMBER),
            db.session.get(Indicator, self.indicator_id),
            value="3",
            measured_on=date(2012, 4, 1),
            source="Egen räkning",
        )
        return measurement.id

    @cached_property
    def measurement_id(self) -> int:
        return self.new_measurement()

    @cached_property
    def round_id(self) -> int:
        rnd = rounds.open_round(
            self._user(Role.COORDINATOR),
            db.session.get(Plan, self.plan_id),
            RoundKind.WORKING_GROUP,
            "Åtkomstmatrisens uppföljning",
            date(2030, 4, 30),
        )
        return rnd.id

    @cached_property
    def report_id(self) -> int:
        entry = rounds.report(
            self._user(Role.MEMBER),
            db.session.get(FollowUpRound, self.round_id),
            db.session.get(Assignment, self.assignment_id),
            "Kontrollerna är gjorda.",
        )
        return entry.id

    def new_evidence(self) -> int:
        evidence = rounds.add_evidence(
            self._user(Role.MEMBER),
            db.session.get(Report, self.report_id),
            kind="decision",
            title="Beslut",
            registry_number="KS 2030/1",
            dated_on=date(2030, 1, 15),
            upload=io.BytesIO(PDF_BYTES),
            filename="beslut.pdf",
        )
        return evidence.id

    @cached_property
    def evidence_id(self) -> int:
        return self.new_evidence()

    def new_fact(self) -> int:
        """An internal fact of the owner, with a file: nobody else may know it exists."""
        fact = facts.record(
            self._user(Role.MEMBER),
            db.session.get(Plan, self.plan_id),
            kind="statistics",
            visibility="internal",
            year="2025",
            title="Anmälda tillgreppsbrott, Kramfors",
            source="Polisens statistik",
            period="2025",
            value="212",
            unit="anmälda brott",
            upload=io.BytesIO(PDF_BYTES),
            filename="statistik.pdf",
        )
        return fact.id

    @cached_property
    def fact_id(self) -> int:
        return self.new_fact()

    @cached_property
    def shared_fact_id(self) -> int:
        """A shared statistic of the owner, in the unit of the owner's indicator."""
        fact = facts.record(
            self._user(Role.MEMBER),
            db.session.get(Plan, self.plan_id),
            kind="statistics",
            visibility="shared",
            year="2025",
            title="Kontroller enligt tillsynsregistret",
            source="Kommunens tillsynsregister",
            period="2025",
            value="4",
            unit="st",
        )
        return fact.id

    @cached_property
    def picture_id(self) -> int:
        """The seed plan's lägesbild of its first year, a draft."""
        plan = seed_plan()
        return situation.start(self._user(Role.COORDINATOR), plan, plan.period_start).id

    @cached_property
    def problem_id(self) -> int:
        from workspace.models import SituationPicture

        problem = situation.add_problem(
            self._user(Role.MEMBER),
            db.session.get(SituationPicture, self.picture_id),
            situation.ProblemText("Klotter i centrum", ""),
        )
        return problem.id

    @cached_property
    def published_plan_id(self) -> int:
        """The seed plan with a published public page: every participant's coordinator agreed."""
        plan = seed_plan()
        version = publication.prepare(demo_user(OWNER, "samordnare"), plan, "Om planen.", 0)
        for org in (OWNER, OTHER, "polisen"):
            publication.agree(demo_user(org, "samordnare"), plan, version.number)
        return plan.id

    @cached_property
    def evaluation_id(self) -> int:
        """The seed plan's annual evaluation of its first year, a draft."""
        plan = seed_plan()
        return evaluation.start(self._user(Role.COORDINATOR), plan, plan.period_start).id

    def new_meeting(self) -> int:
        """A working-group meeting of the seed plan, on a day of its own each time."""
        self._meetings = getattr(self, "_meetings", 0) + 1
        meeting = council.record(
            self._user(Role.COORDINATOR),
            db.session.get(Plan, self.plan_id),
            council.MeetingText(
                "working_group", date(2012, 1, self._meetings), "Arbetsgruppen", "", {}
            ),
        )
        return meeting.id

    @cached_property
    def meeting_id(self) -> int:
        return self.new_meeting()

    def new_comment(self) -> int:
        """An internal comment by the owner's member on the owner's activity."""
        activity = db.session.get(Activity, self.activity_id)
        comment = threads.post(
            self._user(AUTHOR_ROLE),
            activity.area.plan,
            activity,
            "Internt: bara för den egna organisationen.",
            Visibility.INTERNAL,
        )
        return comment.id

    @cached_property
    def comment_id(self) -> int:
        return self.new_comment()

    @cached_property
    def user_id(self) -> int:
        """A person of the owning organisation for its admin to manage."""
        organisation = db.session.execute(
            select(Organisation).where(Organisation.slug == OWNER)
        ).scalar_one()
        user = users.create_user(
            organisation,
            email=f"matris@{OWNER}.example",
            name="Matris Person",
            role=Role.VIEWER,
            actor=self._user(Role.ADMIN),
        )
        db.session.commit()
        return user.id

    @cached_property
    def notification_id(self) -> int:
        """A notification addressed to the owner's member, and so to nobody else."""
        recipient = self._user(AUTHOR_ROLE)
        written = notifications.notify(
            recipient,
            NotificationKind.FUNCTION_VACANT,
            link=f"/plans/{self.plan_id}",
            params={"code": "SBN", "name": "Samhällsbyggnadsnämnden", "organisation": "Kramfors"},
        )
        db.session.commit()
        return written.id

    @cached_property
    def password_token(self) -> str:
        return accounts.issue_password_link(
            self._user(Role.ADMIN), db.session.get(User, self.user_id)
        )


def session_id(who: Identity) -> str:
    """What the session cookie carries for `who` once logged in (creating the outsider)."""
    assert who.org and who.role
    if who.org == OUTSIDER:
        organisation = ensure_organisation(OUTSIDER, "Härnösands kommun", OrganisationKind.TENANT)
        email = f"{who.role.value}@{OUTSIDER}.example"
        user = users.find_user(OUTSIDER, email) or users.create_user(
            organisation, email=email, name="Utomstående", role=who.role, password=PASSWORD
        )
        db.session.commit()
    else:
        user = demo_user(who.org, LOCAL_PART[who.role])
    accounts.start_session(user)
    return user.get_id()


# --- The table ------------------------------------------------------------------------------

PUBLIC = Open.PUBLIC
LOGGED_IN = Open.LOGGED_IN
OWN, PARTICIPANT, OWNER_ONLY, AUTHOR = Scope.OWN, Scope.PARTICIPANT, Scope.OWNER, Scope.AUTHOR
SHARED, PRIVATE = Seen.SHARED, Seen.PRIVATE
A = Action

VIEW_PLAN = grant(A.VIEW_PLAN, PARTICIPANT)
EDIT_PLAN = grant(A.EDIT_PLAN, PARTICIPANT)
REOPEN_PLAN = grant(A.REOPEN_PLAN, PARTICIPANT)
MANAGE_USERS = grant(A.MANAGE_USERS, OWNER_ONLY)
MANAGE_OWN_USERS = grant(A.MANAGE_USERS, OWN)
AUDIT = grant(A.VIEW_AUDIT_LOG, OWN)
MANAGE_LOGIN = grant(A.MANAGE_LOGIN, OWN)
CHANGE_STATUS = grant(A.CHANGE_STATUS, OWNER_ONLY)
REPORT = grant(A.REPORT, OWNER_ONLY)
COMMENT = grant(A.COMMENT, PARTICIPANT)
MANAGE_ROUNDS = grant(A.MANAGE_ROUNDS, PARTICIPANT)
MANAGE_INDICATORS = grant(A.MANAGE_INDICATORS, PARTICIPANT)
WRITE_SITUATION = grant(A.WRITE_SITUATION, PARTICIPANT)
AGREE_SITUATION = grant(A.AGREE_SITUATION, PARTICIPANT)
WRITE_EVALUATION = grant(A.WRITE_EVALUATION, PARTICIPANT)
CORRECT_MEASUREMENT = grant(A.CORRECT_MEASUREMENT, OWNER_ONLY)
INDICATOR_BODY = {
    "title": "Kontroller",
    "unit": "st",
    "target": "5",
    "period": "year",
    "aggregation": "sum",
}


def plan(world: World) -> dict[str, Any]:
    return {"plan_id": world.plan_id}


def area(world: World) -> dict[str, Any]:
    return {"area_id": world.area_id}


def activity(world: World) -> dict[str, Any]:
    return {"activity_id": world.activity_id}


def assignment(world: World) -> dict[str, Any]:
    return {"assignment_id": world.assignment_id}


def indicator(world: World) -> dict[str, Any]:
    return {"indicator_id": world.indicator_id}


def measurement(world: World) -> dict[str, Any]:
    return {"measurement_id": world.measurement_id}


def round_(world: World) -> dict[str, Any]:
    return {"round_id": world.round_id}


def report(world: World) -> dict[str, Any]:
    world.report_id  # noqa: B018 - the report must exist for its page and evidence
    return {"round_id": world.round_id, "assignment_id": world.assignment_id}


def fact(world: World) -> dict[str, Any]:
    return {"fact_id": world.fact_id}


FACT_BODY = {
    "kind": "observation",
    "visibility": "internal",
    "year": "2025",
    "title": "Nattvandrarna ser färre grupper",
    "text": "Färre ungdomar samlas vid busstationen.",
}
RECORD_FACT = grant(A.RECORD_FACT, PARTICIPANT)
EDIT_FACT = grant(A.EDIT_FACT, OWNER_ONLY)


def picture(world: World) -> dict[str, Any]:
    return {"picture_id": world.picture_id}


def evaluation_(world: World) -> dict[str, Any]:
    return {"evaluation_id": world.evaluation_id}


RECORD_MEETING = grant(A.RECORD_MEETING, PARTICIPANT)
EDIT_MEETING = grant(A.EDIT_MEETING, PARTICIPANT)
MEETING_BODY = {"body": "council", "held_on": "2012-05-20", "title": "Rådsmöte maj"}


def comment(world: World) -> dict[str, Any]:
    return {"comment_id": world.comment_id}


def person(world: World) -> dict[str, Any]:
    return {"user_id": world.user_id}


def markers(ids: Callable[[World], dict[str, Any]]) -> Callable[[World], dict[str, Any]]:
    """A poll's URL: its object and the page's markers in the query string."""
    return lambda world: {**ids(world), "since": 0, "comments": 0}


MATRIX: dict[str, Route] = {
    # Logging in, out, the language and one's own account.
    "auth.login": Route({"GET": PUBLIC, "POST": PUBLIC}),
    "auth.logout": Route({"POST": LOGGED_IN}),
    # Anyone may start the owner's own login, and come back from it (without a state: 400).
    "auth.provider_login": Route({"GET": PUBLIC}, args=lambda w: {"slug": w.own_login_slug}),
    "auth.provider_callback": Route({"GET": PUBLIC}, args=lambda w: {"slug": w.own_login_slug}),
    "auth.set_language": Route({"POST": PUBLIC}, body={"locale": "sv"}),
    "account.index": Route({"GET": LOGGED_IN, "POST": LOGGED_IN}),
    "account.set_password": Route(
        {"GET": PUBLIC, "POST": PUBLIC}, args=lambda world: {"token": world.password_token}
    ),
    # One's own notifications and their settings; the mail log is its organisation's admins'.
    "notifications.index": Route({"GET": LOGGED_IN}),
    "notifications.mark_all_read": Route({"POST": LOGGED_IN}),
    "notifications.mark_read": Route(
        {"POST": LOGGED_IN},
        Seen.RECIPIENT,
        lambda world: {"notification_id": world.notification_id},
    ),
    "notifications.settings": Route(
        {"GET": LOGGED_IN, "POST": LOGGED_IN},
        body={kind.value: "daily" for kind in notifications.CHOOSABLE_KINDS},
    ),
    "notifications.mail_log": Route({"GET": grant(A.VIEW_MAIL_LOG, OWN)}),
    # Plans: shared by every participant.
    "plans.start": Route({"GET": LOGGED_IN}),
    "plans.index": Route({"GET": LOGGED_IN}),
    "plans.show": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "plans.updates": Route({"GET": VIEW_PLAN}, SHARED, markers(plan)),
    "plans.dashboard": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "reports.archive_plan": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "threads.discussion": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "threads.discussion_updates": Route(
        {"GET": VIEW_PLAN}, SHARED, lambda world: {"plan_id": world.plan_id, "comments": 0}
    ),
    "threads.post_on_plan": Route({"POST": COMMENT}, SHARED, plan),
    # Plan content: coordinators of any participant.
    "content.edit_plan": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, plan),
    "content.copy_plan": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, plan),
    "content.rename_area": Route({"POST": EDIT_PLAN}, SHARED, area),
    "content.move_area": Route({"POST": EDIT_PLAN}, SHARED, area, body={"direction": "down"}),
    "content.archive_area": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, area),
    "content.new_activity": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, area),
    "content.edit_activity": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, activity),
    "content.archive_activity": Route({"GET": EDIT_PLAN, "POST": EDIT_PLAN}, SHARED, activity),
    "content.move_activity": Route(
        {"POST": EDIT_PLAN}, SHARED, activity, body={"direction": "down"}
    ),
    # Without the marker of what the user saw, an allowed restore or reopening answers 409.
    "content.restore_area": Route(
        {"POST": EDIT_PLAN}, SHARED, lambda world: {"area_id": world.archived_area_id}
    ),
    "content.restore_activity": Route(
        {"POST": EDIT_PLAN}, SHARED, lambda world: {"activity_id": world.archived_activity_id}
    ),
    # A replaced plan: coordinators of any participant reopen it and close it again.
    "content.reopen_plan": Route(
        {"POST": REOPEN_PLAN}, SHARED, lambda world: {"plan_id": world.ended_plan_id}
    ),
    "content.close_plan": Route(
        {"POST": REOPEN_PLAN}, SHARED, lambda world: {"plan_id": world.ended_plan_id}
    ),
    # An activity of the owner: everyone in the plan reads it, only the owner reports on it.
    "activities.show": Route({"GET": VIEW_PLAN}, SHARED, activity),
    "activities.updates": Route({"GET": VIEW_PLAN}, SHARED, markers(activity)),
    # Anyone who reads the activity may follow it ("Bevaka").
    "activities.set_watching": Route({"POST": VIEW_PLAN}, SHARED, activity, body={"watch": "on"}),
    "activities.add_indicator": Route(
        {"POST": grant(A.MANAGE_INDICATORS, PARTICIPANT)}, SHARED, activity
    ),
    "activities.log_measurement": Route(
        {"POST": grant(A.MEASURE, OWNER_ONLY)},
        SHARED,
        lambda world: {"indicator_id": world.indicator_id},
    ),
    # An indicator is plan content: any participant's coordinator edits and archives it.
    "activities.show_indicator": Route({"GET": VIEW_PLAN}, SHARED, indicator),
    "activities.edit_indicator": Route({"GET": MANAGE_INDICATORS}, SHARED, indicator),
    "activities.update_indicator": Route(
        {"POST": MANAGE_INDICATORS}, SHARED, indicator, body=INDICATOR_BODY
    ),
    "activities.archive_indicator": Route({"POST": MANAGE_INDICATORS}, SHARED, indicator),
    "activities.restore_indicator": Route({"POST": MANAGE_INDICATORS}, SHARED, indicator),
    # A value stays its organisation's: only the owner that logged it corrects it.
    "activities.edit_measurement": Route({"GET": CORRECT_MEASUREMENT}, SHARED, measurement),
    "activities.update_measurement": Route(
        {"POST": CORRECT_MEASUREMENT},
        SHARED,
        measurement,
        body={"value": "4", "measured_on": "2012-04-01", "source": "Egen räkning"},
    ),
    "activities.remove_measurement": Route(
        {"POST": CORRECT_MEASUREMENT},
        SHARED,
        # Removing takes the value away: a new one for every request.
        lambda world: {"measurement_id": world.new_measurement()},
        body={"version": "1"},
    ),
    "threads.post_on_activity": Route({"POST": COMMENT}, SHARED, activity),
    "assignments.show_status": Route({"GET": VIEW_PLAN}, SHARED, assignment),
    "assignments.edit_status": Route({"GET": CHANGE_STATUS}, SHARED, assignment),
    "assignments.update_status": Route({"POST": CHANGE_STATUS}, SHARED, assignment),
    # The owner's internal comment, written by the owner's member.
    "threads.show_comment": Route({"GET": grant(A.READ_COMMENT, OWNER_ONLY)}, PRIVATE, comment),
    "threads.edit_comment": Route(
        {"GET": grant(A.EDIT_COMMENT, AUTHOR), "POST": grant(A.EDIT_COMMENT, AUTHOR)},
        PRIVATE,
        comment,
    ),
    "threads.delete_comment": Route(
        {
            "POST": (
                Grant(A.DELETE_COMMENT, AUTHOR),
                Grant(A.MODERATE_COMMENT, OWNER_ONLY),
            )
        },
        PRIVATE,
        # Deleting removes the comment: a new one for every request.
        lambda world: {"comment_id": world.new_comment()},
    ),
    "threads.redact_comment": Route(
        {
            "GET": grant(A.MODERATE_COMMENT, OWNER_ONLY),
            "POST": grant(A.MODERATE_COMMENT, OWNER_ONLY),
        },
        PRIVATE,
        comment,
    ),
    # Follow-up rounds: shared; the owner reports for its own assignment.
    "rounds.index": Route({"GET": VIEW_PLAN, "POST": MANAGE_ROUNDS}, SHARED, plan),
    "rounds.show": Route({"GET": VIEW_PLAN}, SHARED, round_),
    "rounds.meeting": Route({"GET": VIEW_PLAN}, SHARED, round_),
    "rounds.close": Route({"POST": MANAGE_ROUNDS}, SHARED, round_),
    "rounds.post_comment": Route({"POST": COMMENT}, SHARED, round_),
    "rounds.report": Route({"GET": VIEW_PLAN, "POST": REPORT}, SHARED, report),
    "rounds.add_evidence": Route({"POST": REPORT}, SHARED, report),
    "rounds.delete_evidence": Route(
        {"POST": REPORT},
        SHARED,
        # Deleting removes the evidence: a new one for every request.
        lambda world: {"evidence_id": world.new_evidence()},
    ),
    # A report's evidence is printed in the round's report for every participant.
    "rounds.download": Route(
        {"GET": VIEW_PLAN}, SHARED, lambda world: {"evidence_id": world.evidence_id}
    ),
    "reports.print_round": Route({"GET": VIEW_PLAN}, SHARED, round_),
    "reports.export_xlsx": Route({"GET": VIEW_PLAN}, SHARED, round_),
    "reports.export_csv": Route({"GET": VIEW_PLAN}, SHARED, round_),
    # Facts: every participant records its own; an internal fact is its organisation's alone.
    "facts.index": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "facts.new": Route({"GET": RECORD_FACT, "POST": RECORD_FACT}, SHARED, plan, body=FACT_BODY),
    "facts.edit": Route(
        {"GET": EDIT_FACT, "POST": EDIT_FACT}, PRIVATE, fact, body={**FACT_BODY, "version": "1"}
    ),
    "facts.remove": Route(
        {"GET": EDIT_FACT, "POST": EDIT_FACT},
        PRIVATE,
        # Removing takes the fact away: a new one for every request.
        lambda world: {"fact_id": world.new_fact()},
        body={"version": "1"},
    ),
    # Only a shared fact feeds an indicator, by those who log the indicator's values.
    "facts.use_as_value": Route(
        {"POST": grant(A.USE_FACT, OWNER_ONLY)},
        SHARED,
        lambda world: {"fact_id": world.shared_fact_id, "indicator_id": world.indicator_id},
        body={"measured_on": "2025-12-31"},
    ),
    "facts.download": Route({"GET": grant(A.VIEW_PLAN, OWNER_ONLY)}, PRIVATE, fact),
    # The lägesbild: shared; participants with logins write it, coordinators agree and fix.
    "situation.index": Route(
        {"GET": VIEW_PLAN, "POST": grant(A.START_SITUATION, PARTICIPANT)},
        SHARED,
        plan,
        body={"year": "2012"},
    ),
    "situation.show": Route({"GET": VIEW_PLAN}, SHARED, picture),
    "cycle.show": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "situation.gaps": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "situation.updates": Route(
        {"GET": VIEW_PLAN}, SHARED, lambda world: {"picture_id": world.picture_id, "comments": 0}
    ),
    "situation.post_comment": Route({"POST": COMMENT}, SHARED, picture),
    "situation.edit_section": Route(
        {"GET": WRITE_SITUATION, "POST": WRITE_SITUATION},
        SHARED,
        lambda world: {"picture_id": world.picture_id, "part": "mapping"},
        body={"body": "Text", "version": "1"},
    ),
    # Without the content version the user read, an allowed agreement answers 422.
    "situation.agree": Route({"POST": AGREE_SITUATION}, SHARED, picture),
    "situation.fix": Route({"POST": grant(A.FIX_SITUATION, PARTICIPANT)}, SHARED, picture),
    "situation.new_problem": Route(
        {"GET": WRITE_SITUATION, "POST": WRITE_SITUATION},
        SHARED,
        picture,
        body={"title": "Klotter"},
    ),
    "situation.edit_problem": Route(
        {"GET": WRITE_SITUATION, "POST": WRITE_SITUATION},
        SHARED,
        lambda world: {"problem_id": world.problem_id},
        body={"title": "Klotter", "version": "1"},
    ),
    # The public page: everyone in the plan reads how it stands, coordinators act on it, and
    # the published version is for anyone at all (before publishing it is a 404 for anyone).
    "publication.show": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "publication.prepare": Route(
        {"POST": grant(A.PREPARE_PUBLICATION, PARTICIPANT)},
        SHARED,
        plan,
        body={"intro": "Om planen."},
    ),
    # Without the version number the coordinator saw, an allowed agreement answers 422.
    "publication.agree": Route({"POST": grant(A.AGREE_PUBLICATION, PARTICIPANT)}, SHARED, plan),
    "publication.withdraw": Route(
        {"POST": grant(A.WITHDRAW_PUBLICATION, PARTICIPANT)}, SHARED, plan
    ),
    "publication.public_page": Route(
        {"GET": PUBLIC}, args=lambda world: {"plan_id": world.published_plan_id}
    ),
    # The annual evaluation: shared, like the lägesbild; coordinators start, refresh, agree, fix.
    "evaluation.index": Route(
        {"GET": VIEW_PLAN, "POST": grant(A.START_EVALUATION, PARTICIPANT)},
        SHARED,
        plan,
        body={"year": "2012"},
    ),
    "evaluation.show": Route({"GET": VIEW_PLAN}, SHARED, evaluation_),
    "evaluation.print_evaluation": Route({"GET": VIEW_PLAN}, SHARED, evaluation_),
    "evaluation.word": Route({"GET": VIEW_PLAN}, SHARED, evaluation_),
    "evaluation.edit_section": Route(
        {"GET": WRITE_EVALUATION, "POST": WRITE_EVALUATION},
        SHARED,
        lambda world: {"evaluation_id": world.evaluation_id, "position": 1},
        body={"body": "Text", "version": "1"},
    ),
    # Without the content version the user read, an allowed decision answers 422.
    "evaluation.agree": Route(
        {"POST": grant(A.AGREE_EVALUATION, PARTICIPANT)}, SHARED, evaluation_
    ),
    "evaluation.fix": Route({"POST": grant(A.FIX_EVALUATION, PARTICIPANT)}, SHARED, evaluation_),
    "evaluation.refresh": Route(
        {"POST": grant(A.REFRESH_EVALUATION, PARTICIPANT)}, SHARED, evaluation_
    ),
    # The council's meetings: everyone in the plan reads them, coordinators record them.
    # Recording the same meeting again answers 409, which counts as let in.
    "council.index": Route({"GET": VIEW_PLAN}, SHARED, plan),
    "council.new": Route(
        {"GET": RECORD_MEETING, "POST": RECORD_MEETING}, SHARED, plan, body=MEETING_BODY
    ),
    "council.edit": Route(
        {"GET": EDIT_MEETING, "POST": EDIT_MEETING},
        SHARED,
        lambda world: {"meeting_id": world.meeting_id},
        body={**MEETING_BODY, "version": "1"},
    ),
    "council.remove": Route(
        {"GET": EDIT_MEETING, "POST": EDIT_MEETING},
        SHARED,
        # Removing takes the meeting away: a new one for every request.
        lambda world: {"meeting_id": world.new_meeting()},
        body={"version": "1"},
    ),
    # What addresses a problem stays open once the lägesbild is fixed; coordinators decide it.
    "situation.link_problem": Route(
        {"GET": grant(A.LINK_PROBLEM, PARTICIPANT), "POST": grant(A.LINK_PROBLEM, PARTICIPANT)},
        SHARED,
        lambda world: {"problem_id": world.problem_id},
        body={"links_version": "1"},
    ),
    # Administration: an admin runs their own organisation and nobody else's.
    "admin.users_index": Route({"GET": MANAGE_OWN_USERS}),
    "admin.new_user": Route({"GET": MANAGE_OWN_USERS, "POST": MANAGE_OWN_USERS}),
    "admin.edit_user": Route({"GET": MANAGE_USERS, "POST": MANAGE_USERS}, PRIVATE, person),
    "admin.deactivate": Route({"GET": MANAGE_USERS, "POST": MANAGE_USERS}, PRIVATE, person),
    "admin.reactivate": Route({"GET": MANAGE_USERS, "POST": MANAGE_USERS}, PRIVATE, person),
    "admin.password_link": Route({"POST": MANAGE_USERS}, PRIVATE, person),
    "admin.show_password_link": Route({"GET": MANAGE_USERS}, PRIVATE, person),
    "admin.audit_log": Route({"GET": AUDIT}),
    "admin.own_login": Route({"GET": MANAGE_LOGIN, "POST": MANAGE_LOGIN}),
    "admin.remove_own_login": Route({"GET": MANAGE_LOGIN, "POST": MANAGE_LOGIN}),
    "admin.audit_csv": Route({"GET": AUDIT}),
    # The accessibility statement and its problem reports: about the service, not a tenant.
    "accessibility.statement": Route(
        {"GET": PUBLIC, "POST": PUBLIC}, body={"description": "Kontrasten är för svag."}
    ),
    "accessibility.reports": Route({"GET": grant(A.READ_ACCESSIBILITY_REPORTS, OWN)}),
}
