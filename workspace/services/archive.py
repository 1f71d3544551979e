"""The plan's JSON archive: every record of the plan, its rounds, its lägesbilder, shared
comments and the people and organisations they name, each with every column under the
column's name.

Like reports and exports it leaves the organisation, so it holds shared comments only
(`round_report.shared_comments`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Activity,
    Area,
    Assignment,
    Comment,
    CouncilMeeting,
    Evaluation,
    EvaluationAgreement,
    Evidence,
    Fact,
    FollowUpRound,
    Function,
    FunctionHolding,
    Indicator,
    Measurement,
    MeetingAttendance,
    Organisation,
    Plan,
    Problem,
    Report,
    SituationAgreement,
    SituationPicture,
    SituationSection,
    StatusChange,
    Thread,
    User,
    Visibility,
)
from ..models.types import utcnow
from .round_report import shared_comments

_Row = TypeVar("_Row")

ARCHIVE_FORMAT = "samverkan-plan-archive"
# 2: every column of every record under its column's name; indicators, measurements,
# archived dates, organisations, functions with their holders, and the people named.
# 3: the shared facts, the lägesbilder with their problems and threads, and the annual
# evaluations with their figures.
# 4: the council's meetings with attendance, the facts each part of a lägesbild cites, and
# which problem of last year's lägesbild a problem was carried over from.
ARCHIVE_VERSION = 4


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _decimal(value: Decimal | None) -> str | None:
    # As a string: a JSON number would let a reader round 0.1 on the way in.
    return str(value) if value is not None else None


class _People:
    """The people the archive names: each record gives the id and, to be read, the name;
    the archive's `people` lists each of them once."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}

    def __call__(self, user: User | None) -> dict[str, Any] | None:
        if user is None:
            return None
        self.users[user.id] = user
        return {"id": user.id, "name": user.name, "organisation": user.organisation.name}

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "id": user.id,
                "organisation_id": user.organisation_id,
                "name": user.name,
                "role": user.role.value,
                "active": user.active,
                "created_at": _iso(user.created_at),
            }
            for user in sorted(self.users.values(), key=lambda u: u.id)
        ]


def _comment(comment: Comment, person: _People) -> dict[str, Any]:
    return {
        "id": comment.id,
        "thread_id": comment.thread_id,
        "author_id": comment.author_id,
        "author": person(comment.author),
        "organisation_id": comment.organisation_id,
        "visibility": comment.visibility.value,
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "deleted_at": _iso(comment.deleted_at),
        "redacted_at": _iso(comment.redacted_at),
        "version": comment.version,
    }


def _thread(
    thread: Thread | None, comments: list[Comment], person: _People
) -> dict[str, Any] | None:
    if thread is None:
        return None
    return {
        "id": thread.id,
        "plan_id": thread.plan_id,
        "activity_id": thread.activity_id,
        "round_id": thread.round_id,
        "situation_picture_id": thread.situation_picture_id,
        "created_at": _iso(thread.created_at),
        "comments": [_comment(c, person) for c in comments],
    }


def _evidence(evidence: Evidence, person: _People) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "report_id": evidence.report_id,
        "kind": evidence.kind.value,
        "title": evidence.title,
        "url": evidence.url,
        "source": evidence.source,
        "dated_on": _iso(evidence.dated_on),
        "registry_number": evidence.registry_number,
        # Metadata only: the archive names the file; the bytes stay in the file store.
        "filename": evidence.filename,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "added_by_id": evidence.added_by_id,
        "added_by": person(evidence.added_by),
        "created_at": _iso(evidence.created_at),
    }


def _report(entry: Report, person: _People) -> dict[str, Any]:
    return {
        "id": entry.id,
        "round_id": entry.round_id,
        "assignment_id": entry.assignment_id,
        "status": entry.status.value,
        "reported": entry.is_reported,
        "what_was_done": entry.what_was_done,
        "reported_at": _iso(entry.reported_at),
        "reported_by_id": entry.reported_by_id,
        "reported_by": person(entry.reported_by),
        "version": entry.version,
        "created_at": _iso(entry.created_at),
        "evidence": [_evidence(e, person) for e in entry.evidence],
    }


def _status_change(change: StatusChange, person: _People) -> dict[str, Any]:
    return {
        "id": change.id,
        "assignment_id": change.assignment_id,
        "from_status": change.from_status.value if change.from_status else None,
        "to_status": change.to_status.value,
        "note": change.note,
        "user_id": change.user_id,
        "user": person(change.user),
        "organisation_id": change.organisation_id,
        "created_at": _iso(change.created_at),
    }


def _measurement(m: Measurement, person: _People) -> dict[str, Any]:
    return {
        "id": m.id,
        "indicator_id": m.indicator_id,
        "value": _decimal(m.value),
        "measured_on": _iso(m.measured_on),
        "source": m.source,
        # The shared fact it was taken from, in the archive's facts.
        "fact_id": m.fact_id,
        "organisation_id": m.organisation_id,
        "user_id": m.user_id,
        "user": person(m.user),
        "created_at": _iso(m.created_at),
        "version": m.version,
        "updated_by_id": m.updated_by_id,
        "updated_by": person(m.updated_by),
        "updated_at": _iso(m.updated_at),
        "removed_by_id": m.removed_by_id,
        "removed_by": person(db.session.get(User, m.removed_by_id) if m.removed_by_id else None),
        "removed_at": _iso(m.removed_at),
    }


def _fact(fact: Fact, person: _People) -> dict[str, Any]:
    return {
        "id": fact.id,
        "plan_id": fact.plan_id,
        "year": fact.year,
        "organisation_id": fact.organisation_id,
        "visibility": fact.visibility.value,
        "kind": fact.kind.value,
        "title": fact.title,
        "source": fact.source,
        "period": fact.period,
        "value": _decimal(fact.value),
        "unit": fact.unit,
        "text": fact.text,
        "url": fact.url,
        # Metadata only, as for evidence: the bytes stay in the file store.
        "filename": fact.filename,
        "content_type": fact.content_type,
        "size": fact.size,
        "created_by_id": fact.created_by_id,
        "created_by": person(fact.created_by),
        "created_at": _iso(fact.created_at),
        "updated_by_id": fact.updated_by_id,
        "updated_by": person(fact.updated_by),
        "updated_at": _iso(fact.updated_at),
        "version": fact.version,
    }


def _shared_facts(plan: Plan) -> list[Fact]:
    """The plan's facts every participant sees; an internal one never leaves its organisation."""
    return list(
        db.session.execute(
            select(Fact)
            .where(Fact.plan_id == plan.id, Fact.visibility == Visibility.SHARED)
            .order_by(Fact.year, Fact.id)
        ).scalars()
    )


def _indicator(
    indicator: Indicator, measurements: list[Measurement], person: _People
) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "activity_id": indicator.activity_id,
        "title": indicator.title,
        "unit": indicator.unit,
        "target": _decimal(indicator.target),
        "period": indicator.period.value,
        "aggregation": indicator.aggregation.value,
        "created_by_id": indicator.created_by_id,
        "created_by": person(db.session.get(User, indicator.created_by_id)),
        "created_at": _iso(indicator.created_at),
        "version": indicator.version,
        "updated_by_id": indicator.updated_by_id,
        "updated_by": person(indicator.updated_by),
        "updated_at": _iso(indicator.updated_at),
        "archived_at": _iso(indicator.archived_at),
        "measurements": [_measurement(m, person) for m in measurements],
    }


def _grouped(statement: Select[tuple[_Row]], key: Callable[[_Row], int]) -> dict[int, list[_Row]]:
    """The rows the statement finds, in its order, grouped by `key`."""
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for row in db.session.execute(statement).scalars():
        grouped[key(row)].append(row)
    return grouped


@dataclass
class _Loaded:
    """What the archive reads of a plan, each kind of record in one query."""

    areas: list[Area]
    assignments: list[Assignment]
    history: dict[int, list[StatusChange]]
    targets: dict[int, list[Indicator]]
    values: dict[int, list[Measurement]]
    threads: dict[tuple[int | None, int | None], Thread]
    comments: dict[int, list[Comment]]
    rounds: list[FollowUpRound]
    pictures: list[SituationPicture]
    picture_threads: dict[int, Thread]


def _load(plan: Plan) -> _Loaded:
    areas = _areas(plan)
    activities = [activity for area in areas for activity in area.activities]
    assignments = [a for activity in activities for a in activity.assignments]
    targets = _grouped(
        select(Indicator)
        .where(Indicator.activity_id.in_([a.id for a in activities]))
        .order_by(Indicator.id)
        .options(selectinload(Indicator.updated_by)),
        lambda indicator: indicator.activity_id,
    )
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in shared_comments(Thread.plan_id == plan.id):
        comments[comment.thread_id].append(comment)
    return _Loaded(
        areas=areas,
        assignments=assignments,
        history=_grouped(
            select(StatusChange)
            .where(StatusChange.assignment_id.in_([a.id for a in assignments]))
            .order_by(StatusChange.created_at, StatusChange.id),
            lambda change: change.assignment_id,
        ),
        targets=targets,
        # Removed values too, with who removed them: `Indicator.measurements` holds only
        # those that stand.
        values=_grouped(
            select(Measurement)
            .where(
                Measurement.indicator_id.in_([i.id for found in targets.values() for i in found])
            )
            .order_by(Measurement.measured_on, Measurement.id)
            .options(selectinload(Measurement.user), selectinload(Measurement.updated_by)),
            lambda measurement: measurement.indicator_id,
        ),
        threads={
            (thread.activity_id, thread.round_id): thread
            for thread in db.session.execute(
                select(Thread).where(
                    Thread.plan_id == plan.id, Thread.situation_picture_id.is_(None)
                )
            ).scalars()
        },
        comments=comments,
        rounds=_rounds(plan),
        pictures=_pictures(plan),
        picture_threads={
            thread.situation_picture_id: thread
            for thread in db.session.execute(
                select(Thread).where(
                    Thread.plan_id == plan.id, Thread.situation_picture_id.is_not(None)
                )
            ).scalars()
        },
    )


def _areas(plan: Plan) -> list[Area]:
    return list(
        db.session.execute(
            select(Area)
            .where(Area.plan_id == plan.id)
            .order_by(Area.position)
            .options(
                selectinload(Area.activities)
                .selectinload(Activity.assignments)
                .selectinload(Assignment.updated_by)
            )
        ).scalars()
    )


def _rounds(plan: Plan) -> list[FollowUpRound]:
    return list(
        db.session.execute(
            select(FollowUpRound)
            .where(FollowUpRound.plan_id == plan.id)
            .order_by(FollowUpRound.created_at, FollowUpRound.id)
            .options(
                selectinload(FollowUpRound.reports)
                .selectinload(Report.evidence)
                .selectinload(Evidence.added_by),
                selectinload(FollowUpRound.reports).selectinload(Report.reported_by),
            )
        ).scalars()
    )


def _evaluations(plan: Plan) -> list[Evaluation]:
    return list(
        db.session.execute(
            select(Evaluation)
            .where(Evaluation.plan_id == plan.id)
            .order_by(Evaluation.year)
            .options(selectinload(Evaluation.sections), selectinload(Evaluation.agreements))
        ).scalars()
    )


def _meetings(plan: Plan) -> list[CouncilMeeting]:
    return list(
        db.session.execute(
            select(CouncilMeeting)
            .where(CouncilMeeting.plan_id == plan.id)
            .order_by(CouncilMeeting.held_on, CouncilMeeting.id)
            .options(selectinload(CouncilMeeting.attendance))
        ).scalars()
    )


def _pictures(plan: Plan) -> list[SituationPicture]:
    return list(
        db.session.execute(
            select(SituationPicture)
            .where(SituationPicture.plan_id == plan.id)
            .order_by(SituationPicture.year)
            .options(
                selectinload(SituationPicture.sections).selectinload(SituationSection.facts),
                selectinload(SituationPicture.agreements),
                selectinload(SituationPicture.problems).selectinload(Problem.areas),
                selectinload(SituationPicture.problems).selectinload(Problem.activities),
            )
        ).scalars()
    )


@dataclass
class _Records:
    """The archive's records of the plan's content, rounds and threads, from what was loaded."""

    loaded: _Loaded
    person: _People

    def thread(self, activity_id: int | None, round_id: int | None) -> dict[str, Any] | None:
        thread = self.loaded.threads.get((activity_id, round_id))
        return _thread(thread, self.loaded.comments[thread.id] if thread else [], self.person)

    def plan(self, plan: Plan) -> dict[str, Any]:
        return {
            "id": plan.id,
            "title": plan.title,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "created_at": _iso(plan.created_at),
            "version": plan.version,
            # Ended when the next plan replaced it; reopened for changes by a coordinator.
            "replaced_by_id": plan.replaced_by_id,
            "ended_at": _iso(plan.ended_at),
            "reopened_at": _iso(plan.reopened_at),
            "reopened_by_id": plan.reopened_by_id,
            "reopened_by": self.person(plan.reopened_by),
            "participants": [
                {"plan_id": plan.id, "organisation_id": org.id} for org in plan.participants
            ],
            "thread": self.thread(None, None),
        }

    def area(self, area: Area) -> dict[str, Any]:
        return {
            "id": area.id,
            "plan_id": area.plan_id,
            "position": area.position,
            "title": area.title,
            "archived_at": _iso(area.archived_at),
            "version": area.version,
            "created_at": _iso(area.created_at),
            "activities": [self.activity(activity) for activity in area.activities],
        }

    def activity(self, activity: Activity) -> dict[str, Any]:
        return {
            "id": activity.id,
            "area_id": activity.area_id,
            "position": activity.position,
            "title": activity.title,
            "goal": activity.goal,
            "archived_at": _iso(activity.archived_at),
            "version": activity.version,
            "created_at": _iso(activity.created_at),
            "overall_status": activity.overall_status.value,
            "assignments": [self.assignment(a) for a in activity.assignments],
            "indicators": [
                _indicator(i, self.loaded.values[i.id], self.person)
                for i in self.loaded.targets[activity.id]
            ],
            "thread": self.thread(activity.id, None),
        }

    def assignment(self, assignment: Assignment) -> dict[str, Any]:
        function = assignment.function
        return {
            "id": assignment.id,
            "activity_id": assignment.activity_id,
            "function_id": assignment.function_id,
            "function": {
                "code": function.code,
                "name": function.name,
                "organisation": function.organisation.name,
            },
            "status": assignment.status.value,
            "version": assignment.version,
            "updated_at": _iso(assignment.updated_at),
            "updated_by_id": assignment.updated_by_id,
            "updated_by": self.person(assignment.updated_by),
            "archived_at": _iso(assignment.archived_at),
            "history": [
                _status_change(change, self.person) for change in self.loaded.history[assignment.id]
            ],
        }

    def round(self, rnd: FollowUpRound) -> dict[str, Any]:
        return {
            "id": rnd.id,
            "plan_id": rnd.plan_id,
            "kind": rnd.kind.value,
            "title": rnd.title,
            "due_on": _iso(rnd.due_on),
            "created_at": _iso(rnd.created_at),
            "opened_by_id": rnd.opened_by_id,
            "opened_by": self.person(rnd.opened_by),
            "closed_at": _iso(rnd.closed_at),
            "closed_by_id": rnd.closed_by_id,
            "closed_by": self.person(rnd.closed_by),
            "council_evaluation": rnd.council_evaluation,
            "reports": [
                _report(entry, self.person)
                for entry in sorted(rnd.reports, key=lambda r: r.assignment_id)
            ],
            "thread": self.thread(None, rnd.id),
        }

    def picture(self, picture: SituationPicture) -> dict[str, Any]:
        thread = self.loaded.picture_threads.get(picture.id)
        return {
            "id": picture.id,
            "plan_id": picture.plan_id,
            "year": picture.year,
            "created_at": _iso(picture.created_at),
            "created_by_id": picture.created_by_id,
            "created_by": self.person(
                db.session.get(User, picture.created_by_id) if picture.created_by_id else None
            ),
            "content_version": picture.content_version,
            "fixed_at": _iso(picture.fixed_at),
            "fixed_by_id": picture.fixed_by_id,
            "fixed_by": self.person(picture.fixed_by),
            "sections": [
                {
                    "id": section.id,
                    "picture_id": section.picture_id,
                    "part": section.part.value,
                    "body": section.body,
                    "version": section.version,
                    "updated_at": _iso(section.updated_at),
                    "updated_by_id": section.updated_by_id,
                    "updated_by": self.person(section.updated_by),
                    # Shared facts only, as in the archive's `facts`.
                    "facts": [
                        {"section_id": section.id, "fact_id": fact.id}
                        for fact in section.cited_facts
                    ],
                }
                for section in picture.sections
            ],
            "agreements": self.agreements(picture.agreements, "picture_id"),
            "problems": [self.problem(problem) for problem in picture.problems],
            "thread": _thread(
                thread, self.loaded.comments[thread.id] if thread else [], self.person
            ),
        }

    def agreements(
        self, agreements: list[SituationAgreement] | list[EvaluationAgreement], parent: str
    ) -> list[dict[str, Any]]:
        """Who stood behind which version of a lägesbild or an annual evaluation."""
        return [
            {
                "id": agreement.id,
                parent: getattr(agreement, parent),
                "organisation_id": agreement.organisation_id,
                "user_id": agreement.user_id,
                "user": self.person(agreement.user),
                "content_version": agreement.content_version,
                "agreed_at": _iso(agreement.agreed_at),
            }
            for agreement in sorted(agreements, key=lambda a: a.organisation_id)
        ]

    def evaluation(self, annual: Evaluation) -> dict[str, Any]:
        return {
            "id": annual.id,
            "plan_id": annual.plan_id,
            "year": annual.year,
            "created_at": _iso(annual.created_at),
            "created_by_id": annual.created_by_id,
            "created_by": self.person(
                db.session.get(User, annual.created_by_id) if annual.created_by_id else None
            ),
            "content_version": annual.content_version,
            # The figures as they stood when taken: what the agreed text was written beside.
            "figures": annual.figures,
            "figures_taken_at": _iso(annual.figures_taken_at),
            "fixed_at": _iso(annual.fixed_at),
            "fixed_by_id": annual.fixed_by_id,
            "fixed_by": self.person(annual.fixed_by),
            "sections": [
                {
                    "id": section.id,
                    "evaluation_id": section.evaluation_id,
                    "position": section.position,
                    "part": section.part.value,
                    "area_id": section.area_id,
                    "heading": section.heading,
                    "body": section.body,
                    "version": section.version,
                    "updated_at": _iso(section.updated_at),
                    "updated_by_id": section.updated_by_id,
                    "updated_by": self.person(section.updated_by),
                }
                for section in annual.sections
            ],
            "agreements": self.agreements(annual.agreements, "evaluation_id"),
        }

    def problem(self, problem: Problem) -> dict[str, Any]:
        return {
            "id": problem.id,
            "picture_id": problem.picture_id,
            "position": problem.position,
            "title": problem.title,
            "description": problem.description,
            "version": problem.version,
            "created_at": _iso(problem.created_at),
            "carried_from_id": problem.carried_from_id,
            "links_version": problem.links_version,
            "areas": [{"problem_id": problem.id, "area_id": area.id} for area in problem.areas],
            "activities": [
                {"problem_id": problem.id, "activity_id": activity.id}
                for activity in problem.activities
            ],
        }

    def meeting(self, meeting: CouncilMeeting) -> dict[str, Any]:
        return {
            "id": meeting.id,
            "plan_id": meeting.plan_id,
            "body": meeting.body.value,
            "held_on": _iso(meeting.held_on),
            "title": meeting.title,
            "decisions": meeting.decisions,
            "round_id": meeting.round_id,
            "created_at": _iso(meeting.created_at),
            "created_by_id": meeting.created_by_id,
            "created_by": self.person(meeting.created_by),
            "updated_at": _iso(meeting.updated_at),
            "updated_by_id": meeting.updated_by_id,
            "updated_by": self.person(meeting.updated_by),
            "version": meeting.version,
            "attendance": [_attendance(row) for row in meeting.attendance],
        }


def _attendance(row: MeetingAttendance) -> dict[str, Any]:
    return {
        "id": row.id,
        "meeting_id": row.meeting_id,
        "organisation_id": row.organisation_id,
        "organisation": row.organisation.name,
        "attended": row.attended,
        "attendees": row.attendees,
    }


def plan_archive(plan: Plan) -> dict[str, Any]:
    """The whole plan for archiving: content with its archived parts and their dates,
    indicators and measurements, statuses with their full history, every round with its
    reports (a closed round's snapshot) and evidence metadata, the shared comments (never an
    internal one), the shared facts (never an internal one), each year's lägesbild with its
    sections, the facts they cite, agreements and problems with their links, each annual
    evaluation with its figures, sections and agreements, the council's meetings with who
    came, the organisations with the responsible functions and who holds them, and the
    people named. Each record carries every column of its row under the column's name,
    except what `tests/web/test_reporting.py` lists as left out, with the reason."""
    person = _People()
    records = _Records(_load(plan), person)
    meetings = _meetings(plan)
    archive: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "format_version": ARCHIVE_VERSION,
        "exported_at": _iso(utcnow()),
        "plan": records.plan(plan),
        "areas": [records.area(area) for area in records.loaded.areas],
        "rounds": [records.round(rnd) for rnd in records.loaded.rounds],
        "facts": [_fact(fact, person) for fact in _shared_facts(plan)],
        "situation_pictures": [records.picture(p) for p in records.loaded.pictures],
        "evaluations": [records.evaluation(e) for e in _evaluations(plan)],
        "meetings": [records.meeting(meeting) for meeting in meetings],
    }
    # Last but one: the organisations include those of everyone named so far.
    attending = [row.organisation for meeting in meetings for row in meeting.attendance]
    archive["organisations"] = _organisations(plan, records.loaded.assignments, person, attending)
    archive["people"] = person.records()
    return archive


def _organisations(
    plan: Plan, assignments: list[Assignment], person: _People, attending: list[Organisation]
) -> list[dict[str, Any]]:
    """The participants, every organisation responsible for an assignment and every one that
    came to a meeting, each with its
    functions that carry an assignment in the plan, who holds them now and who held them
    when."""
    responsible = {a.function_id for a in assignments}
    organisations = {org.id: org for org in plan.participants}
    functions = _grouped(
        select(Function)
        .where(Function.id.in_(responsible))
        .order_by(Function.organisation_id, Function.code)
        .options(selectinload(Function.holders)),
        lambda function: function.organisation_id,
    )
    holdings = _grouped(
        select(FunctionHolding)
        .where(FunctionHolding.function_id.in_(responsible))
        .order_by(FunctionHolding.held_from, FunctionHolding.id),
        lambda holding: holding.function_id,
    )
    for found in functions.values():
        organisations.setdefault(found[0].organisation_id, found[0].organisation)
    for user in person.users.values():  # whoever wrote, reported or measured
        organisations.setdefault(user.organisation_id, user.organisation)
    for org in attending:
        organisations.setdefault(org.id, org)
    return [
        {
            "id": org.id,
            "slug": org.slug,
            "name": org.name,
            "kind": org.kind.value,
            "created_at": _iso(org.created_at),
            "functions": [_function(f, holdings[f.id], person) for f in functions[org.id]],
        }
        for org in sorted(organisations.values(), key=lambda o: o.name)
    ]


def _function(
    function: Function, holdings: list[FunctionHolding], person: _People
) -> dict[str, Any]:
    return {
        "id": function.id,
        "organisation_id": function.organisation_id,
        "code": function.code,
        "name": function.name,
        "created_at": _iso(function.created_at),
        "holders": [
            {
                "user_id": holder.id,
                "function_id": function.id,
                "organisation_id": function.organisation_id,
                "user": person(holder),
            }
            for holder in sorted(function.holders, key=lambda u: u.id)
        ],
        # Who held it over time: the plan's work survives staff turnover.
        "holdings": [
            {
                "id": holding.id,
                "function_id": holding.function_id,
                "organisation_id": holding.organisation_id,
                "user_id": holding.user_id,
                "user": person(db.session.get(User, holding.user_id)),
                "held_from": _iso(holding.held_from),
                "held_until": _iso(holding.held_until),
                "ended_by_deactivation": holding.ended_by_deactivation,
            }
            for holding in holdings
        ],
    }


def archive_json(plan: Plan) -> bytes:
    """The archive as UTF-8 JSON, åäö as written, indented for a person to read."""
    return json.dumps(plan_archive(plan), ensure_ascii=False, indent=2).encode("utf-8")
