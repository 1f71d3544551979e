"""Every access decision in one place.

`RULES` is the table: one `Rule` per action, saying the least role that may do it (the
order is viewer < member < coordinator < admin, and every role may do what the roles below it
may), what else must hold about the object (`check`: usually which organisation owns it or
takes part in its plan), which plan's end locks it (`plan_of`), which round's closing
locks it (`round_of`), and the message a refusal gives. `can` asks the whole rule;
`authorize` asks it too and raises `Denied` naming the first reason that failed, so a view
and the template that hides its control answer by the very same rule. Views call
`authorize` and the scoped loaders; templates call `can`.

Composite rules are built here from the named small ones rather than in the layers that
use them, as flaskbb composes its permission requirements.

Scoped loading (the `get_*_or_404` functions at the end): a statement is narrowed to what
the user's organisation may see, so another tenant's object is a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, Select, bindparam, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .extensions import db
from .models import (
    Activity,
    Area,
    Assignment,
    Comment,
    CouncilMeeting,
    Evaluation,
    Evidence,
    Fact,
    FollowUpRound,
    Function,
    IdentityProvider,
    Indicator,
    Measurement,
    Notification,
    Organisation,
    Plan,
    Problem,
    Publication,
    Report,
    Role,
    SituationPicture,
    Thread,
    User,
    Visibility,
    plan_participants,
)


class Action(StrEnum):
    VIEW_PLAN = "view_plan"
    CHANGE_STATUS = "change_status"
    READ_COMMENT = "read_comment"
    COMMENT = "comment"
    EDIT_COMMENT = "edit_comment"
    DELETE_COMMENT = "delete_comment"
    MODERATE_COMMENT = "moderate_comment"
    MANAGE_ROUNDS = "manage_rounds"
    CLOSE_ROUND = "close_round"
    REPORT = "report"
    MANAGE_INDICATORS = "manage_indicators"
    MEASURE = "measure"
    CORRECT_MEASUREMENT = "correct_measurement"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_MAIL_LOG = "view_mail_log"
    EDIT_PLAN = "edit_plan"
    READ_ACCESSIBILITY_REPORTS = "read_accessibility_reports"
    REOPEN_PLAN = "reopen_plan"
    RECORD_FACT = "record_fact"
    EDIT_FACT = "edit_fact"
    USE_FACT = "use_fact"
    START_SITUATION = "start_situation"
    WRITE_SITUATION = "write_situation"
    AGREE_SITUATION = "agree_situation"
    FIX_SITUATION = "fix_situation"
    MANAGE_LOGIN = "manage_login"
    LOG_IN_WITH_PASSWORD = "log_in_with_password"
    PREPARE_PUBLICATION = "prepare_publication"
    AGREE_PUBLICATION = "agree_publication"
    WITHDRAW_PUBLICATION = "withdraw_publication"
    START_EVALUATION = "start_evaluation"
    WRITE_EVALUATION = "write_evaluation"
    AGREE_EVALUATION = "agree_evaluation"
    FIX_EVALUATION = "fix_evaluation"
    REFRESH_EVALUATION = "refresh_evaluation"
    RECORD_MEETING = "record_meeting"
    EDIT_MEETING = "edit_meeting"
    LINK_PROBLEM = "link_problem"


# Partners have no logins, so a coordinator of any participant reports for them: the role
# their assignments ask for, whatever the action (status, report, measurement).
PARTNER_REPORTER_ROLE = Role.COORDINATOR


@dataclass(frozen=True)
class Rule:
    """One action's row in the table.

    `min_role`: the least role that may do it at all. `check(user, obj)`: what else must
    hold, such as the organisation; it need not repeat the role. `denied`: why not, when it
    does not hold. `plan_of(obj)`: the plan whose end locks the action, if any; an ended
    plan's refusal names the plan that replaced it instead of `denied`. `round_of(obj)`: the
    follow-up round whose closing locks it, if any. `picture_of(obj)`: the lägesbild whose
    fixing locks it, if any; `evaluation_of(obj)` likewise for the annual evaluation."""

    min_role: Role
    check: Callable[[User, Any], bool]
    denied: LazyString
    plan_of: Callable[[Any], Plan] | None = None
    round_of: Callable[[Any], FollowUpRound] | None = None
    picture_of: Callable[[Any], SituationPicture] | None = None
    evaluation_of: Callable[[Any], Evaluation] | None = None


@dataclass(frozen=True)
class FactUse:
    """A fact taken as an indicator's value: what `USE_FACT` judges."""

    fact: Fact
    indicator: Indicator


@dataclass(frozen=True)
class RoundEntry:
    """An assignment's report in a follow-up round, written or not: what `REPORT` judges."""

    round: FollowUpRound
    assignment: Assignment


def participates(user: User, plan: Plan) -> bool:
    """The user's organisation takes part in the plan."""
    return any(org.id == user.organisation_id for org in plan.participants)


def plan_open(plan: Plan) -> bool:
    """Not replaced by the next plan, or reopened by a coordinator: its statuses, reports
    and content may still change."""
    return not plan.is_closed


def _responsible(user: User, assignment: Assignment) -> bool:
    """The assignment's own organisation acts for it; any participating coordinator acts
    for a partner without logins."""
    if assignment.archived_at is not None:
        return False  # archived: its history stays, nobody reports on it any more
    if not participates(user, assignment.activity.area.plan):
        return False
    owner = assignment.function.organisation
    if owner.is_partner:
        return user.role.at_least(PARTNER_REPORTER_ROLE)
    return owner.id == user.organisation_id


def _assignment_plan(assignment: Assignment) -> Plan:
    return assignment.activity.area.plan


def _own_organisation(user: User, obj: Any) -> bool:
    """Something of the user's own organisation: a user, a function, or the organisation."""
    organisation_id = obj.id if isinstance(obj, Organisation) else obj.organisation_id
    return organisation_id == user.organisation_id


def _password_login(user: User, provider: IdentityProvider | None) -> bool:
    """Without its own login an organisation's users use passwords; with it, as its admin
    chose, and its admins always (break-glass, for when the provider is down)."""
    return provider is None or provider.password_login or user.role is Role.ADMIN


def _measure(user: User, indicator: Indicator) -> bool:
    """Whoever may report for one of the activity's assignments may log its values, as long
    as the indicator is not archived."""
    if indicator.archived_at is not None:
        return False
    return any(_responsible(user, a) for a in indicator.activity.current_assignments)


def _correct_measurement(user: User, measurement: Measurement) -> bool:
    """A value stays its organisation's: another one may log its own, not change this one."""
    return (
        measurement.removed_at is None
        and measurement.organisation_id == user.organisation_id
        and _permits(user, Action.MEASURE, measurement.indicator)
    )


def _edit_fact(user: User, fact: Fact) -> bool:
    """A fact stays its organisation's: others read it when shared, never change it."""
    return fact.organisation_id == user.organisation_id and participates(user, fact.plan)


def _use_fact(user: User, use: FactUse) -> bool:
    """Indicators are shared plan content: only a shared fact of the same plan feeds one,
    by whoever may log the indicator's values."""
    return (
        use.fact.visibility is Visibility.SHARED
        and use.fact.plan_id == use.indicator.activity.area.plan_id
        and _permits(user, Action.MEASURE, use.indicator)
    )


def _read_comment(user: User, comment: Comment) -> bool:
    return participates(user, comment.thread.plan) and (
        comment.visibility is Visibility.SHARED or comment.organisation_id == user.organisation_id
    )


def _own_comment(user: User, comment: Comment) -> bool:
    return (
        comment.author_id == user.id
        and not comment.is_removed
        and participates(user, comment.thread.plan)
    )


def _moderates(user: User, comment: Comment) -> bool:
    """An admin removes or redacts what their own organisation's users wrote."""
    return comment.organisation_id == user.organisation_id and not comment.is_removed


def _removes_comment(user: User, comment: Comment) -> bool:
    """The author removes their own comment, or an admin moderates it (flaskbb's
    `CanDeletePost`)."""
    return _own_comment(user, comment) or _permits(user, Action.MODERATE_COMMENT, comment)


# What a refused removal or redaction says: the author is never refused their own comment.
_NOT_YOURS_TO_REMOVE = _l("Only an admin of the author's organisation may remove this comment.")


def _picture_participant(user: User, picture: SituationPicture) -> bool:
    return participates(user, picture.plan)


def _the_picture(picture: SituationPicture) -> SituationPicture:
    return picture


def _picture_plan(picture: SituationPicture) -> Plan:
    return picture.plan


_COORDINATORS_AGREE = _l("Only coordinators agree to and fix the situation picture.")


_COORDINATORS_PUBLISH = _l("Only coordinators prepare, agree to and take down the public page.")


def _evaluation_participant(user: User, evaluation: Evaluation) -> bool:
    return participates(user, evaluation.plan)


def _the_evaluation(evaluation: Evaluation) -> Evaluation:
    return evaluation


def _evaluation_plan(evaluation: Evaluation) -> Plan:
    return evaluation.plan


_COORDINATORS_AGREE_EVALUATION = _l("Only coordinators agree to and fix the annual evaluation.")
_COORDINATORS_RECORD_MEETINGS = _l(
    "Everyone in the plan reads the council's meetings; coordinators record them."
)


# What a refused opening or closing of a follow-up round says.
_COORDINATORS_RUN_ROUNDS = _l("Only coordinators open and close follow-up rounds.")


RULES: dict[Action, Rule] = {
    Action.VIEW_PLAN: Rule(Role.VIEWER, participates, _l("You do not have access to this plan.")),
    Action.CHANGE_STATUS: Rule(
        Role.MEMBER,
        _responsible,
        _l("Only members of the responsible organisation may change this status."),
        plan_of=_assignment_plan,
    ),
    Action.READ_COMMENT: Rule(
        Role.VIEWER, _read_comment, _l("You do not have access to this comment.")
    ),
    Action.COMMENT: Rule(
        Role.MEMBER,
        participates,
        _l("Viewers can read the discussion but not write in it."),
    ),
    Action.EDIT_COMMENT: Rule(
        Role.MEMBER, _own_comment, _l("You can only edit your own comments.")
    ),
    # The author's own, or moderated by an admin of the author's organisation.
    Action.DELETE_COMMENT: Rule(Role.MEMBER, _removes_comment, _NOT_YOURS_TO_REMOVE),
    Action.MODERATE_COMMENT: Rule(Role.ADMIN, _moderates, _NOT_YOURS_TO_REMOVE),
    # Opening and closing follow-up rounds is the coordinators' job; a round closes once.
    Action.MANAGE_ROUNDS: Rule(
        Role.COORDINATOR,
        participates,
        _COORDINATORS_RUN_ROUNDS,
    ),
    Action.CLOSE_ROUND: Rule(
        Role.COORDINATOR,
        lambda user, rnd: participates(user, rnd.plan),
        _COORDINATORS_RUN_ROUNDS,
        round_of=lambda rnd: rnd,
    ),
    # Reporting in a round follows the same rule as changing a status, while the round is
    # open: a closed round's reports (and their evidence) are a snapshot.
    Action.REPORT: Rule(
        Role.MEMBER,
        lambda user, entry: _responsible(user, entry.assignment),
        _l("Only members of the responsible organisation may report for this assignment."),
        plan_of=lambda entry: _assignment_plan(entry.assignment),
        round_of=lambda entry: entry.round,
    ),
    # Targets are plan content; values are logged by the responsible organisations.
    Action.MANAGE_INDICATORS: Rule(
        Role.COORDINATOR,
        lambda user, activity: participates(user, activity.area.plan),
        _l("Only coordinators set measurable targets."),
        plan_of=lambda activity: activity.area.plan,
    ),
    Action.MEASURE: Rule(
        Role.MEMBER,
        _measure,
        _l("Only members of an organisation responsible for the activity may log values."),
        plan_of=lambda indicator: indicator.activity.area.plan,
    ),
    # A value is corrected or removed by whoever may log one, of the organisation that did.
    Action.CORRECT_MEASUREMENT: Rule(
        Role.MEMBER,
        _correct_measurement,
        _l("Only members of the organisation that logged the value may correct or remove it."),
        plan_of=lambda measurement: measurement.indicator.activity.area.plan,
    ),
    # An admin runs their own organisation: its people, their functions, its audit log.
    Action.MANAGE_USERS: Rule(
        Role.ADMIN, _own_organisation, _l("Only your organisation's admins manage its users.")
    ),
    Action.VIEW_AUDIT_LOG: Rule(
        Role.ADMIN, _own_organisation, _l("Only your organisation's admins read its audit log.")
    ),
    # What was mailed to its users: the recipient, kind and outcome, never the text.
    Action.VIEW_MAIL_LOG: Rule(
        Role.ADMIN, _own_organisation, _l("Only your organisation's admins read its mail log.")
    ),
    # The organisation's own login (OpenID Connect): its admins set it up, for it alone.
    Action.MANAGE_LOGIN: Rule(
        Role.ADMIN, _own_organisation, _l("Only your organisation's admins set up its login.")
    ),
    # Judged on the provider of the user's organisation (None: it has none).
    Action.LOG_IN_WITH_PASSWORD: Rule(
        Role.VIEWER,
        _password_login,
        _l("Your organisation signs in with its own login: use its button on this page."),
    ),
    # The plan's content (areas, activities, goals, responsible functions) is coordinated.
    Action.EDIT_PLAN: Rule(
        Role.COORDINATOR,
        participates,
        _l("Only coordinators change the plan's content."),
        plan_of=lambda plan: plan,
    ),
    # Problems reported about the shared service itself, by anyone: its admins follow them
    # up. The reports concern the service all organisations share, not one tenant's data.
    Action.READ_ACCESSIBILITY_REPORTS: Rule(
        Role.ADMIN,
        lambda _user, _obj: True,
        _l("Only admins read the reported accessibility problems."),
    ),
    # A plan the next one replaced is reopened for late changes, and closed again, by them too.
    Action.REOPEN_PLAN: Rule(
        Role.COORDINATOR,
        lambda user, plan: participates(user, plan) and plan.is_ended,
        _l(
            "Only coordinators reopen a replaced plan, and only once the next plan has replaced it."
        ),
    ),
    # Step 1 of the cycle: each participant records the facts it brings, and only its own.
    Action.RECORD_FACT: Rule(
        Role.MEMBER,
        participates,
        _l("Viewers read the facts; members of a participating organisation record them."),
        plan_of=lambda plan: plan,
    ),
    Action.EDIT_FACT: Rule(
        Role.MEMBER,
        _edit_fact,
        _l("Only members of the organisation that recorded the fact may change or remove it."),
        plan_of=lambda fact: fact.plan,
    ),
    Action.USE_FACT: Rule(
        Role.MEMBER,
        _use_fact,
        _l(
            "Only a shared fact can give an indicator its value, by members of an organisation "
            "responsible for the activity."
        ),
        plan_of=lambda use: use.fact.plan,
    ),
    # The lägesbild: coordinators start one a year; every participant with logins writes it
    # while it is a draft; each organisation's coordinator agrees; a coordinator fixes it.
    # Fixed, it is a snapshot: nothing in it changes (`picture_of`), as with a closed round.
    Action.START_SITUATION: Rule(
        Role.COORDINATOR,
        participates,
        _l("Only coordinators start a situation picture."),
        plan_of=lambda plan: plan,
    ),
    Action.WRITE_SITUATION: Rule(
        Role.MEMBER,
        _picture_participant,
        _l("Viewers read the situation picture but do not write it."),
        plan_of=_picture_plan,
        picture_of=_the_picture,
    ),
    Action.AGREE_SITUATION: Rule(
        Role.COORDINATOR,
        _picture_participant,
        _COORDINATORS_AGREE,
        plan_of=_picture_plan,
        picture_of=_the_picture,
    ),
    Action.FIX_SITUATION: Rule(
        Role.COORDINATOR,
        _picture_participant,
        _COORDINATORS_AGREE,
        plan_of=_picture_plan,
        picture_of=_the_picture,
    ),
    # The public page: a coordinator prepares a version, each organisation's coordinator
    # agrees to it, and any coordinator takes the page down at once. Not locked by the plan's
    # end: citizens may still hear how an ended plan went, and taking down never waits.
    Action.PREPARE_PUBLICATION: Rule(Role.COORDINATOR, participates, _COORDINATORS_PUBLISH),
    Action.AGREE_PUBLICATION: Rule(Role.COORDINATOR, participates, _COORDINATORS_PUBLISH),
    Action.WITHDRAW_PUBLICATION: Rule(Role.COORDINATOR, participates, _COORDINATORS_PUBLISH),
    # The annual evaluation, the same way: coordinators start it (its draft written from the
    # data), participants with logins edit it, coordinators refresh its figures, agree and fix.
    Action.START_EVALUATION: Rule(
        Role.COORDINATOR,
        participates,
        _l("Only coordinators start an annual evaluation."),
        plan_of=lambda plan: plan,
    ),
    Action.WRITE_EVALUATION: Rule(
        Role.MEMBER,
        _evaluation_participant,
        _l("Viewers read the annual evaluation but do not write it."),
        plan_of=_evaluation_plan,
        evaluation_of=_the_evaluation,
    ),
    Action.REFRESH_EVALUATION: Rule(
        Role.COORDINATOR,
        _evaluation_participant,
        _l("Only coordinators fetch the figures anew."),
        plan_of=_evaluation_plan,
        evaluation_of=_the_evaluation,
    ),
    Action.AGREE_EVALUATION: Rule(
        Role.COORDINATOR,
        _evaluation_participant,
        _COORDINATORS_AGREE_EVALUATION,
        plan_of=_evaluation_plan,
        evaluation_of=_the_evaluation,
    ),
    Action.FIX_EVALUATION: Rule(
        Role.COORDINATOR,
        _evaluation_participant,
        _COORDINATORS_AGREE_EVALUATION,
        plan_of=_evaluation_plan,
        evaluation_of=_the_evaluation,
    ),
    # The council's and the working group's meetings are the plan's joint record: a
    # coordinator of any participant records them and corrects any of them.
    Action.RECORD_MEETING: Rule(
        Role.COORDINATOR,
        participates,
        _COORDINATORS_RECORD_MEETINGS,
        plan_of=lambda plan: plan,
    ),
    Action.EDIT_MEETING: Rule(
        Role.COORDINATOR,
        lambda user, meeting: participates(user, meeting.plan),
        _COORDINATORS_RECORD_MEETINGS,
        plan_of=lambda meeting: meeting.plan,
    ),
    # Step 3, deciding the measures, goes on after step 2 is fixed: which areas and
    # activities address a problem stays open until the plan ends (no `picture_of`).
    Action.LINK_PROBLEM: Rule(
        Role.COORDINATOR,
        lambda user, problem: participates(user, problem.picture.plan),
        _l("Only coordinators decide which measures address a problem."),
        plan_of=lambda problem: problem.picture.plan,
    ),
}


def has_role_for(user: User, action: Action) -> bool:
    """The table lookup: is the user's role high enough for the action at all?"""
    return user.is_active and user.role.at_least(RULES[action].min_role)


def may_report(user: User) -> bool:
    """Whether a holder carries a function: an active user whose role may report. A function
    nobody like that holds is vacant."""
    return has_role_for(user, Action.REPORT)


def reporting_roles() -> list[Role]:
    """The roles `may_report` accepts, for queries that decide vacancy in the database."""
    return [role for role in Role if role.at_least(RULES[Action.REPORT].min_role)]


def reports_for_partners(user: User) -> bool:
    """Whether the user reports for the partner organisations, which have no logins."""
    return user.is_active and user.role.at_least(PARTNER_REPORTER_ROLE)


def _permits(user: User, action: Action, obj: Any) -> bool:
    """The whole rule for a logged-in user: role, check, the plan and the round still open."""
    rule = RULES[action]
    return (
        has_role_for(user, action)
        and (rule.round_of is None or rule.round_of(obj).is_open)
        and (rule.picture_of is None or not rule.picture_of(obj).is_fixed)
        and (rule.evaluation_of is None or not rule.evaluation_of(obj).is_fixed)
        and rule.check(user, obj)
        and (rule.plan_of is None or plan_open(rule.plan_of(obj)))
    )


def can(user: User | None, action: Action | str, obj: Any) -> bool:
    """May `user` do `action` on `obj`? Anonymous users may do nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _permits(user, Action(action), obj)


class Denied(Exception):
    """An action on something the user can see but may not change; `status` is the answer."""

    status = 403

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Locked(Denied):
    """What the user may act on is closed for changes: a round closed since the page was
    loaded (409), or an ended plan (403). Views answer it in place, keeping what was typed."""

    status = 409


def round_closed_message() -> str:
    return _("The round is closed; its reports can no longer change.")


def picture_fixed_message() -> str:
    return _("The situation picture is fixed; it can no longer change.")


def evaluation_fixed_message() -> str:
    return _("The annual evaluation is fixed; it can no longer change.")


def closed_message(plan: Plan) -> str:
    """Why nothing in an ended plan changes, naming the plan that replaced it."""
    if plan.replaced_by is not None:
        return _(
            "This action plan has been replaced by %(title)s (%(period)s) and is closed for "
            "changes. A coordinator can reopen it.",
            title=plan.replaced_by.title,
            period=plan.replaced_by.period_label,
        )
    return _("This action plan has ended and is closed for changes. A coordinator can reopen it.")


def authorize(user: User, action: Action, obj: Any) -> None:
    """Raise `Denied` with a clear message unless `can(user, action, obj)`: `Locked` when
    the plan has ended or, for someone otherwise allowed, the round has closed."""
    rule = RULES[action]
    if rule.round_of is not None:
        # As the database has it now: another coordinator may have closed it a moment ago.
        db.session.refresh(rule.round_of(obj), ["closed_at", "closed_by_id"])
    if rule.picture_of is not None:
        # Likewise: another coordinator may have fixed it since the page was loaded.
        db.session.refresh(rule.picture_of(obj), ["fixed_at", "fixed_by_id"])
    if rule.evaluation_of is not None:
        db.session.refresh(rule.evaluation_of(obj), ["fixed_at", "fixed_by_id"])
    if can(user, action, obj):
        return
    if rule.plan_of is not None and not plan_open(plan := rule.plan_of(obj)):
        raise Locked(closed_message(plan), status=403)
    if rule.round_of is not None and has_role_for(user, action) and rule.check(user, obj):
        raise Locked(round_closed_message())
    if rule.picture_of is not None and has_role_for(user, action) and rule.check(user, obj):
        raise Locked(picture_fixed_message())
    if rule.evaluation_of is not None and has_role_for(user, action) and rule.check(user, obj):
        raise Locked(evaluation_fixed_message())
    raise Denied(str(rule.denied))


# Scoped loading: what another tenant owns does not exist for this user (404, never 403).


def _within_plans_of(statement: Select[Any], plan_id: Any) -> Select[Any]:
    """`statement` narrowed to rows whose plan (`plan_id`, a column it can reach) the
    organisation bound as `organisation_id` takes part in."""
    return statement.join(plan_participants, plan_participants.c.plan_id == plan_id).where(
        plan_participants.c.organisation_id == bindparam("organisation_id")
    )


def _one_or_404(user: User, statement: Select[Any], **params: Any) -> Any:
    """The one row `statement` finds for the user's organisation, or 404."""
    # Not `db.one_or_404`: that cannot take a statement that eager-joins a collection, which
    # needs `unique()` (the plan's participants, read by every rule about it).
    result = db.session.execute(statement, {"organisation_id": user.organisation_id, **params})
    found = result.unique().scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def visible_plans(user: User) -> Select[tuple[Plan]]:
    """Plans the user's organisation takes part in, newest period first."""
    return (
        _within_plans_of(select(Plan), Plan.id)
        .params(organisation_id=user.organisation_id)
        .order_by(Plan.period_start.desc(), Plan.id.desc())
    )


def plan_visible_to(organisation_id: Any, plan_id: int) -> ColumnElement[bool]:
    """SQL condition: the organisation takes part in the plan (the scope of `get_plan_or_404`),
    for queries that check access in passing, such as an idle poll's."""
    return (
        select(plan_participants.c.plan_id)
        .where(
            plan_participants.c.plan_id == plan_id,
            plan_participants.c.organisation_id == organisation_id,
        )
        .exists()
    )


def activity_visible_to(organisation_id: Any, activity_id: int) -> ColumnElement[bool]:
    """SQL condition: the activity's plan is one the organisation takes part in (the scope of
    `get_activity_or_404`)."""
    return (
        select(Activity.id)
        .join(Area)
        .join(plan_participants, plan_participants.c.plan_id == Area.plan_id)
        .where(Activity.id == activity_id, plan_participants.c.organisation_id == organisation_id)
        .exists()
    )


def comment_visible_to(organisation_id: Any) -> ColumnElement[bool]:
    """SQL condition: shared comments, and internal ones of the reader's own organisation.

    Every query that reads comments uses it, so an internal note never leaves its
    organisation: not in pages, fragments, polls or counts.
    """
    return or_(
        Comment.visibility == Visibility.SHARED,
        Comment.organisation_id == organisation_id,
    )


def fact_visible_to(organisation_id: Any) -> ColumnElement[bool]:
    """SQL condition: shared facts, and internal ones of the reader's own organisation.
    Every query that reads facts uses it, so an internal fact never leaves its organisation."""
    return or_(Fact.visibility == Visibility.SHARED, Fact.organisation_id == organisation_id)


# The plan and the assignment are loaded on every page and every status click: their
# statements are built once, which saves about half a millisecond each (measured).
_VISIBLE_PLAN = _within_plans_of(
    # The participants come along: every rule about the plan reads them.
    select(Plan).where(Plan.id == bindparam("plan_id")).options(joinedload(Plan.participants)),
    Plan.id,
)


def get_plan_or_404(user: User, plan_id: int) -> Plan:
    return _one_or_404(user, _VISIBLE_PLAN, plan_id=plan_id)


def get_area_or_404(user: User, area_id: int) -> Area:
    return _one_or_404(user, _within_plans_of(select(Area).where(Area.id == area_id), Area.plan_id))


def get_activity_or_404(user: User, activity_id: int) -> Activity:
    statement = (
        select(Activity)
        .join(Area)
        .where(Activity.id == activity_id)
        .options(
            # Partners' organisations are not among the plan's participants: load them here
            # rather than one query per partner.
            selectinload(Activity.assignments)
            .joinedload(Assignment.function)
            .joinedload(Function.organisation),
            joinedload(Activity.area).joinedload(Area.plan),
        )
    )
    return _one_or_404(user, _within_plans_of(statement, Area.plan_id))


# Built once, as the plan's is.
_VISIBLE_ASSIGNMENT = _within_plans_of(
    select(Assignment)
    .join(Assignment.activity)
    .join(Activity.area)
    .join(Area.plan)
    .where(Assignment.id == bindparam("assignment_id"))
    # What the access rule and the status chip read, loaded with it rather than one by one;
    # the activity, area and plan come from the joins the scope needs anyway.
    .options(
        contains_eager(Assignment.activity)
        .contains_eager(Activity.area)
        .contains_eager(Area.plan)
        .joinedload(Plan.participants),
        joinedload(Assignment.function).joinedload(Function.organisation),
    ),
    Plan.id,
)


def get_assignment_or_404(user: User, assignment_id: int) -> Assignment:
    return _one_or_404(user, _VISIBLE_ASSIGNMENT, assignment_id=assignment_id)


def get_round_assignment_or_404(user: User, rnd: FollowUpRound, assignment_id: int) -> Assignment:
    """An assignment of the round's own plan: one of another plan has no report in this round,
    even when the user's organisation takes part in both."""
    assignment = get_assignment_or_404(user, assignment_id)
    if assignment.activity.area.plan_id != rnd.plan_id:
        abort(404)
    return assignment


def get_comment_or_404(user: User, comment_id: int) -> Comment:
    """A comment the user may read: internal ones of another organisation do not exist here."""
    statement = (
        select(Comment)
        .join(Thread)
        .where(Comment.id == comment_id, comment_visible_to(bindparam("organisation_id")))
    )
    return _one_or_404(user, _within_plans_of(statement, Thread.plan_id))


def get_round_or_404(user: User, round_id: int) -> FollowUpRound:
    statement = select(FollowUpRound).where(FollowUpRound.id == round_id)
    return _one_or_404(user, _within_plans_of(statement, FollowUpRound.plan_id))


def get_evidence_or_404(user: User, evidence_id: int) -> Evidence:
    statement = select(Evidence).join(Report).join(FollowUpRound).where(Evidence.id == evidence_id)
    return _one_or_404(user, _within_plans_of(statement, FollowUpRound.plan_id))


def get_fact_or_404(user: User, fact_id: int) -> Fact:
    """A fact the user may read: another organisation's internal one does not exist here."""
    statement = select(Fact).where(
        Fact.id == fact_id, fact_visible_to(bindparam("organisation_id"))
    )
    return _one_or_404(user, _within_plans_of(statement, Fact.plan_id))


def get_indicator_or_404(user: User, indicator_id: int) -> Indicator:
    statement = select(Indicator).join(Activity).join(Area).where(Indicator.id == indicator_id)
    return _one_or_404(user, _within_plans_of(statement, Area.plan_id))


def get_measurement_or_404(user: User, measurement_id: int) -> Measurement:
    """A value that stands, of a plan the user's organisation takes part in."""
    statement = (
        select(Measurement)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Activity)
        .join(Area)
        .where(Measurement.id == measurement_id, Measurement.removed_at.is_(None))
    )
    return _one_or_404(user, _within_plans_of(statement, Area.plan_id))


def get_picture_or_404(user: User, picture_id: int) -> SituationPicture:
    statement = select(SituationPicture).where(SituationPicture.id == picture_id)
    return _one_or_404(user, _within_plans_of(statement, SituationPicture.plan_id))


def get_evaluation_or_404(user: User, evaluation_id: int) -> Evaluation:
    statement = select(Evaluation).where(Evaluation.id == evaluation_id)
    return _one_or_404(user, _within_plans_of(statement, Evaluation.plan_id))


def get_problem_or_404(user: User, problem_id: int) -> Problem:
    statement = select(Problem).join(SituationPicture).where(Problem.id == problem_id)
    return _one_or_404(user, _within_plans_of(statement, SituationPicture.plan_id))


def get_public_page_or_404(plan_id: int) -> Publication:
    """What anyone, logged in or not, may read: the plan's newest published version, unless it
    was taken down. Otherwise 404, so an outsider does not learn that the plan exists."""
    newest = db.session.execute(
        select(Publication)
        .where(Publication.plan_id == plan_id, Publication.published_at.is_not(None))
        .order_by(Publication.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest is None or newest.withdrawn_at is not None:
        abort(404)
    return newest


def get_meeting_or_404(user: User, meeting_id: int) -> CouncilMeeting:
    statement = select(CouncilMeeting).where(CouncilMeeting.id == meeting_id)
    return _one_or_404(user, _within_plans_of(statement, CouncilMeeting.plan_id))


def get_user_or_404(actor: User, user_id: int) -> User:
    """A user of the actor's own organisation; anyone else does not exist here."""
    return _one_or_404(
        actor,
        select(User).where(
            User.id == user_id, User.organisation_id == bindparam("organisation_id")
        ),
    )


def get_notification_or_404(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's does not exist here."""
    return _one_or_404(
        user,
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == bindparam("user_id")
        ),
        user_id=user.id,
    )
