"""The plan's public page: a coordinator prepares a frozen version, a coordinator of each
participating organisation with logins agrees to it, and on the last agreement it becomes the
page anyone may read. Any coordinator takes the page down at once.

What a version shows is built in one place, `snapshot`, from the plan's shared content only:
never comments, reports, facts, evidence, people or anything internal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    INTRO_MAX_LENGTH,
    Activity,
    Area,
    AssignmentStatus,
    EvaluationPart,
    Function,
    Organisation,
    Plan,
    Publication,
    PublicationAgreement,
    User,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, evaluation, transaction
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .text import clean
from .threads import PersonalDataSuspected


def _function_name(function: Function) -> str:
    """ "Individ- och omsorgsnämnden, Kramfors kommun"; a partner named once when its only
    function bears its name ("Räddningstjänsten")."""
    organisation = function.organisation.name
    return function.name if function.name == organisation else f"{function.name}, {organisation}"


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "title": activity.title,
        "goal": activity.goal,
        # Functions, never the people who hold them.
        "functions": [_function_name(a.function) for a in activity.current_assignments],
        "status": activity.overall_status.value,
    }


def _area(area: Area) -> dict[str, Any]:
    return {
        "title": area.title,
        "activities": [_activity(a) for a in area.activities if a.archived_at is None],
    }


def _evaluation(plan: Plan) -> dict[str, Any] | None:
    """The newest fixed annual evaluation's summary: what every organisation agreed to tell
    leadership, in its own words. A draft never goes out."""
    fixed = [e for e in evaluation.evaluations_of(plan) if e.is_fixed]
    if not fixed:
        return None
    summary = next(s for s in fixed[0].sections if s.part is EvaluationPart.SUMMARY)
    return {"year": fixed[0].year, "summary": summary.body}


def snapshot(plan: Plan, intro: str = "") -> dict[str, Any]:
    """What the public page shows of the plan as it is now: its title and period, the
    coordinator's introduction, each current area with its current activities (title, goal,
    responsible functions, overall status), and the summary of the agreed annual evaluation."""
    return {
        "title": plan.title,
        "period": plan.period_label,
        "intro": intro,
        "areas": [_area(area) for area in plan.areas if area.archived_at is None],
        "evaluation": _evaluation(plan),
    }


def status_label(value: str) -> str:
    """A status in the snapshot, in words."""
    return AssignmentStatus(value).label


def organisations_that_agree(plan: Plan) -> list[Organisation]:
    """The participants with logins: a coordinator of each agrees before a version is public."""
    return [org for org in plan.participants if not org.is_partner]


def versions_of(plan: Plan) -> list[Publication]:
    """Every prepared version of the plan's public page, newest first."""
    return list(
        db.session.execute(
            select(Publication)
            .where(Publication.plan_id == plan.id)
            .order_by(Publication.number.desc())
        ).scalars()
    )


def public_version(plan: Plan) -> Publication | None:
    """The version anyone may read now, if any: the newest published one, unless taken down."""
    published = [v for v in versions_of(plan) if v.published_at is not None]
    if not published or published[0].withdrawn_at is not None:
        return None
    return published[0]


def pending_version(plan: Plan) -> Publication | None:
    """The version waiting for agreements: the newest one, while it is neither published nor
    taken down. Preparing a newer one leaves an older one behind for good."""
    versions = versions_of(plan)
    if not versions:
        return None
    newest = versions[0]
    if newest.published_at is not None or newest.withdrawn_at is not None:
        return None
    return newest


@dataclass(frozen=True)
class AgreementLine:
    organisation: Organisation
    agreement: PublicationAgreement | None


def agreement_lines(publication: Publication) -> list[AgreementLine]:
    by_org = {a.organisation_id: a for a in publication.agreements}
    return [
        AgreementLine(org, by_org.get(org.id)) for org in organisations_that_agree(publication.plan)
    ]


def _checked_intro(raw: str | None, confirmed: bool) -> str:
    intro = clean(raw)
    if len(intro) > INTRO_MAX_LENGTH:
        raise ValidationFailed(
            {"intro": _("The text may have at most %(max)d characters.", max=INTRO_MAX_LENGTH)}
        )
    numbers = find_identity_numbers(intro)
    if numbers and not confirmed:
        raise PersonalDataSuspected(numbers)
    return intro


def _newest_number(plan: Plan) -> int:
    versions = versions_of(plan)
    return versions[0].number if versions else 0


def prepare(
    actor: User,
    plan: Plan,
    intro: str | None,
    expected_newest: int | None,
    *,
    confirmed_no_personal_data: bool = False,
) -> Publication:
    """Freeze what the public page would show now as the next version, waiting for each
    organisation's agreement. `StaleWrite` when someone prepared one since the actor read the
    page (`expected_newest`: the newest number seen, 0 for none), or prepares one right now."""
    authorize(actor, Action.PREPARE_PUBLICATION, plan)
    text = _checked_intro(intro, confirmed_no_personal_data)
    newest = _newest_number(plan)
    if expected_newest != newest:
        raise StaleWrite()
    with transaction.write(conflict_on_duplicate=True):
        publication = Publication(
            plan=plan,
            number=newest + 1,
            content=snapshot(plan, text),
            prepared_by_id=actor.id,
            prepared_at=utcnow(),
        )
        db.session.add(publication)
        db.session.flush()
        audit.record(actor, "publication.prepared", publication, number=publication.number)
    return publication


def _locked(publication: Publication) -> Publication:
    """The version as the database has it now, locked until the write commits (PostgreSQL), so
    two organisations agreeing at the same moment cannot both miss that theirs was the last.
    SQLite lets one writer at a time in anyway."""
    return db.session.execute(
        select(Publication)
        .where(Publication.id == publication.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def agree(actor: User, plan: Plan, expected_number: int | None) -> Publication:
    """The actor's organisation agrees that the pending version, numbered as the actor saw it,
    may be public; the last organisation's agreement publishes it, replacing the page before.
    `StaleWrite` when that version is no longer the pending one."""
    authorize(actor, Action.AGREE_PUBLICATION, plan)
    pending = pending_version(plan)
    if pending is None or expected_number != pending.number:
        raise StaleWrite()
    with transaction.write(conflict_on_duplicate=True):
        pending = _locked(pending)
        if pending.published_at is not None or pending.withdrawn_at is not None:
            raise StaleWrite()
        if not any(a.organisation_id == actor.organisation_id for a in pending.agreements):
            db.session.add(
                PublicationAgreement(
                    publication_id=pending.id,
                    organisation_id=actor.organisation_id,
                    coordinator_id=actor.id,
                    agreed_at=utcnow(),
                )
            )
            audit.record(actor, "publication.agreed", pending, number=pending.number)
            db.session.flush()
        # Counted after writing one's own: whoever writes last sees every other agreement.
        agreed = set(
            db.session.execute(
                select(PublicationAgreement.organisation_id).where(
                    PublicationAgreement.publication_id == pending.id
                )
            ).scalars()
        )
        if all(org.id in agreed for org in organisations_that_agree(plan)):
            pending.published_at = utcnow()
            audit.record(actor, "publication.published", pending, number=pending.number)
    return pending


def withdraw(actor: User, plan: Plan, expected_number: int | None) -> Publication:
    """Take the public page down at once; a version waiting for agreements goes with it, so
    publishing again starts from a newly prepared version. `StaleWrite` unless the version
    the actor saw is still the public one."""
    authorize(actor, Action.WITHDRAW_PUBLICATION, plan)
    public = public_version(plan)
    if public is None or expected_number != public.number:
        raise StaleWrite()
    pending = pending_version(plan)
    with transaction.write():
        public = _locked(public)
        if public.withdrawn_at is not None:
            raise StaleWrite()
        now = utcnow()
        for version in (public, pending):
            if version is not None:
                version.withdrawn_at, version.withdrawn_by_id = now, actor.id
        audit.record(actor, "publication.withdrawn", public, number=public.number)
    return public
