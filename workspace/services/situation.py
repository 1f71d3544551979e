"""The joint lägesbild: starting it, writing its sections, agreeing to it, fixing it, and the
problems it names.

Every change of the content (a section, a problem) takes the picture's next content
version, so an agreement to an older one reads as withdrawn; the page says who agreed to
which version.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from ..extensions import db
from ..models import (
    PROBLEM_DESCRIPTION_MAX_LENGTH,
    PROBLEM_TITLE_MAX_LENGTH,
    SECTION_MAX_LENGTH,
    Activity,
    Area,
    Assignment,
    Fact,
    FollowUpRound,
    Organisation,
    Plan,
    Problem,
    Report,
    SituationAgreement,
    SituationPart,
    SituationPicture,
    SituationSection,
    User,
    Visibility,
    problem_activities,
    problem_areas,
)
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, transaction
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .rounds import rounds_of
from .text import clean
from .threads import PersonalDataSuspected

FIRST_YEAR, LAST_YEAR = 2000, 2100


def pictures_of(plan: Plan) -> list[SituationPicture]:
    """The plan's lägesbilder, newest year first."""
    return list(
        db.session.execute(
            select(SituationPicture)
            .where(SituationPicture.plan_id == plan.id)
            .order_by(SituationPicture.year.desc())
        ).scalars()
    )


def carried_from(plan: Plan, year: int) -> SituationPicture | None:
    """The lägesbild a new one of `year` takes its problems from: the latest earlier one."""
    return next((p for p in pictures_of(plan) if p.year < year), None)


def _carry_over(earlier: SituationPicture, picture: SituationPicture) -> None:
    """The earlier year's problems, with what still addresses them, go into the new draft,
    so the May evaluation of their measures feeds the next revision of the plan. What was
    archived since is no measure any more, and is left behind."""
    picture.problems = [
        Problem(
            title=problem.title,
            description=problem.description,
            position=problem.position,
            carried_from=problem,
            areas=[a for a in problem.areas if a.archived_at is None],
            activities=[a for a in problem.activities if a.archived_at is None],
        )
        for problem in earlier.problems
    ]


def start(actor: User, plan: Plan, year: int | None) -> SituationPicture:
    """A coordinator starts the lägesbild of a year, its three parts empty and the problems
    of the latest earlier one carried over."""
    authorize(actor, Action.START_SITUATION, plan)
    # Any year: a plan is often followed up, and its next one drafted, after its period.
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {
                "year": _(
                    "Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
                )
            }
        )
    if any(p.year == year for p in pictures_of(plan)):
        raise ValidationFailed({"year": _("The plan already has a situation picture that year.")})
    with transaction.write(conflict_on_duplicate=True):
        picture = SituationPicture(plan=plan, year=year, created_by_id=actor.id)
        picture.sections = [SituationSection(part=part, body="") for part in SituationPart]
        earlier = carried_from(plan, year)
        with db.session.no_autoflush:  # the new picture is written once it is whole
            if earlier is not None:
                _carry_over(earlier, picture)
        db.session.add(picture)
        db.session.flush()
        audit.record(
            actor,
            "situation.started",
            picture,
            year=year,
            carried_from=earlier.year if earlier else None,
            problems=len(picture.problems),
        )
    return picture


def _checked_text(
    field: str, raw: str | None, limit: int, confirmed: bool, *, required: str | None = None
) -> str:
    text = clean(raw)
    if required and not text:
        raise ValidationFailed({field: required})
    if len(text) > limit:
        raise ValidationFailed(
            {field: _("The text may have at most %(max)d characters.", max=limit)}
        )
    numbers = find_identity_numbers(text)
    if numbers and not confirmed:
        raise PersonalDataSuspected(numbers)
    return text


def _next_content_version(picture: SituationPicture) -> None:
    """The content changed: agreements to the version before are withdrawn."""
    db.session.execute(
        update(SituationPicture)
        .where(SituationPicture.id == picture.id)
        .values(content_version=SituationPicture.content_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(picture, ["content_version"])


def _withdrawn(picture: SituationPicture) -> list[str]:
    return [a.organisation.name for a in picture.agreements if a.is_current]


def citable_facts(plan: Plan) -> dict[int, list[Fact]]:
    """The plan's shared facts by year, newest year first: what a part may cite. Internal
    facts never are: the lägesbild is read by every participant."""
    by_year: dict[int, list[Fact]] = {}
    for fact in db.session.execute(
        select(Fact)
        .where(Fact.plan_id == plan.id, Fact.visibility == Visibility.SHARED)
        .order_by(Fact.year.desc(), Fact.id)
    ).scalars():
        by_year.setdefault(fact.year, []).append(fact)
    return by_year


def _cited(plan: Plan, fact_ids: set[int]) -> list[Fact]:
    """The chosen facts that may be cited; the form offers no others, so any other id is
    dropped."""
    return [f for facts in citable_facts(plan).values() for f in facts if f.id in fact_ids]


def edit_section(
    actor: User,
    section: SituationSection,
    body: str | None,
    expected_version: int | None,
    *,
    fact_ids: set[int] | None = None,
    confirmed_no_personal_data: bool = False,
) -> SituationSection:
    """Save one part's text and the facts it cites (unchanged when `fact_ids` is None);
    `StaleWrite` when someone saved it since the writer read `expected_version`, `Locked`
    when the lägesbild was fixed meanwhile. Any change withdraws the agreements."""
    picture = section.picture
    authorize(actor, Action.WRITE_SITUATION, picture)
    text = _checked_text("body", body, SECTION_MAX_LENGTH, confirmed_no_personal_data)
    db.session.refresh(section)
    if expected_version != section.version:
        raise StaleWrite()
    cited = section.facts if fact_ids is None else _cited(picture.plan, fact_ids)
    before, after = {f.id for f in section.facts}, {f.id for f in cited}
    if text == section.body and after == before:
        return section
    uncited = [f.title for f in section.facts if f.id not in after]
    with transaction.write():
        withdrawn = _withdrawn(picture)
        section.body = text
        section.facts = cited
        section.updated_at = utcnow()
        section.updated_by_id = actor.id
        db.session.flush()
        _next_content_version(picture)
        audit.record(
            actor,
            "situation.section_changed",
            section,
            part=section.part.value,
            withdrawn=withdrawn,
            cited=[f.title for f in cited if f.id not in before],
            uncited=uncited,
        )
    return section


def organisations_that_agree(picture: SituationPicture) -> list[Organisation]:
    """The participants with logins: each one's coordinator agrees."""
    return [org for org in picture.plan.participants if not org.is_partner]


@dataclass(frozen=True)
class AgreementLine:
    organisation: Organisation
    agreement: SituationAgreement | None

    @property
    def current(self) -> bool:
        return self.agreement is not None and self.agreement.is_current


def agreement_lines(picture: SituationPicture) -> list[AgreementLine]:
    by_org = {a.organisation_id: a for a in picture.agreements}
    return [AgreementLine(org, by_org.get(org.id)) for org in organisations_that_agree(picture)]


def all_agreed(picture: SituationPicture) -> bool:
    return all(line.current for line in agreement_lines(picture))


def _seen(picture: SituationPicture, expected_content_version: int | None) -> None:
    db.session.refresh(picture, ["content_version"])
    if expected_content_version != picture.content_version:
        raise StaleWrite()


def agree(actor: User, picture: SituationPicture, expected_content_version: int | None) -> None:
    """The actor's organisation stands behind the lägesbild as the actor read it."""
    authorize(actor, Action.AGREE_SITUATION, picture)
    _seen(picture, expected_content_version)
    with transaction.write(conflict_on_duplicate=True):
        agreement = next(
            (a for a in picture.agreements if a.organisation_id == actor.organisation_id), None
        )
        if agreement is None:
            agreement = SituationAgreement(organisation_id=actor.organisation_id)
            picture.agreements.append(agreement)
        agreement.user_id = actor.id
        agreement.content_version = picture.content_version
        agreement.agreed_at = utcnow()
        audit.record(actor, "situation.agreed", picture, version=picture.content_version)


def fix(actor: User, picture: SituationPicture, expected_content_version: int | None) -> None:
    """Fix the agreed lägesbild: from now on it is a snapshot nothing changes."""
    authorize(actor, Action.FIX_SITUATION, picture)
    _seen(picture, expected_content_version)
    if not all_agreed(picture):
        raise ValidationFailed(
            {"fix": _("Every participating organisation must agree before it is fixed.")}
        )
    with transaction.write():
        picture.fixed_at = utcnow()
        picture.fixed_by_id = actor.id
        audit.record(actor, "situation.fixed", picture, version=picture.content_version)


# --- Problems -------------------------------------------------------------------------------


def linkable_areas(plan: Plan) -> list[tuple[Area, list[Activity]]]:
    """The plan's current areas with their current activities, for the problem's form."""
    return [
        (area, [a for a in area.activities if a.archived_at is None])
        for area in plan.areas
        if area.archived_at is None
    ]


def _links(
    plan: Plan, area_ids: set[int], activity_ids: set[int]
) -> tuple[list[Area], list[Activity]]:
    """The chosen areas and activities of the plan; the form offers no others, so an id of
    anything else is dropped."""
    linkable = linkable_areas(plan)
    areas = [area for area, _activities in linkable if area.id in area_ids]
    activities = [a for _area, acts in linkable for a in acts if a.id in activity_ids]
    return areas, activities


@dataclass(frozen=True)
class ProblemText:
    title: str | None
    description: str | None
    confirmed_no_personal_data: bool = False


def _apply(problem: Problem, given: ProblemText) -> dict[str, object]:
    title = _checked_text(
        "title",
        given.title,
        PROBLEM_TITLE_MAX_LENGTH,
        given.confirmed_no_personal_data,
        required=_("Write a title."),
    )
    description = _checked_text(
        "description",
        given.description,
        PROBLEM_DESCRIPTION_MAX_LENGTH,
        given.confirmed_no_personal_data,
    )
    problem.title, problem.description = title, description
    return {"title": title}


def add_problem(actor: User, picture: SituationPicture, given: ProblemText) -> Problem:
    """Name a problem in the lägesbild, last in its order; its links come on their own."""
    authorize(actor, Action.WRITE_SITUATION, picture)
    position = max((p.position for p in picture.problems), default=0) + 1
    problem = Problem(picture=picture, position=position)
    with transaction.write():
        with db.session.no_autoflush:  # the new problem is written once it is whole
            details = _apply(problem, given)
        db.session.add(problem)
        db.session.flush()
        _next_content_version(picture)
        audit.record(actor, "situation.problem_added", problem, **details)
    return problem


def edit_problem(
    actor: User, problem: Problem, given: ProblemText, expected_version: int | None
) -> Problem:
    """Change a problem's text; `StaleWrite` unless it is the version the actor saw."""
    picture = problem.picture
    authorize(actor, Action.WRITE_SITUATION, picture)
    db.session.refresh(problem)
    if expected_version != problem.version:
        raise StaleWrite()
    with transaction.write():
        details = _apply(problem, given)
        db.session.flush()
        _next_content_version(picture)
        audit.record(actor, "situation.problem_changed", problem, **details)
    return problem


def link_problem(
    actor: User,
    problem: Problem,
    area_ids: set[int],
    activity_ids: set[int],
    expected_links_version: int | None,
) -> Problem:
    """Say which areas and activities address the problem. Deciding measures (step 3) goes
    on after the lägesbild is fixed, so this neither waits for nor withdraws agreements;
    `StaleWrite` unless the links are as the actor saw them."""
    authorize(actor, Action.LINK_PROBLEM, problem)
    areas, activities = _links(problem.picture.plan, area_ids, activity_ids)
    db.session.refresh(problem, ["links_version"])
    if expected_links_version != problem.links_version:
        raise StaleWrite()
    with transaction.write():
        # Claimed in the database too, so of two coordinators linking at once one loses.
        claimed = db.session.execute(
            update(Problem)
            .where(Problem.id == problem.id, Problem.links_version == problem.links_version)
            .values(links_version=Problem.links_version + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise StaleWrite()
        # Written as rows, not through the collections: the problem's own version (that of
        # its agreed text) stays as it is.
        db.session.execute(delete(problem_areas).where(problem_areas.c.problem_id == problem.id))
        db.session.execute(
            delete(problem_activities).where(problem_activities.c.problem_id == problem.id)
        )
        if areas:
            db.session.execute(
                insert(problem_areas), [{"problem_id": problem.id, "area_id": a.id} for a in areas]
            )
        if activities:
            db.session.execute(
                insert(problem_activities),
                [{"problem_id": problem.id, "activity_id": a.id} for a in activities],
            )
        audit.record(
            actor,
            "situation.problem_linked",
            problem,
            areas=[a.title for a in areas],
            activities=[a.title for a in activities],
        )
    db.session.expire(problem, ["areas", "activities", "links_version"])
    return problem


def problems_of_activity(activity: Activity) -> list[Problem]:
    """The problems an activity addresses, of every year's lägesbild, newest first."""
    return list(
        db.session.execute(
            select(Problem)
            .join(Problem.activities)
            .join(SituationPicture)
            .where(Activity.id == activity.id)
            .order_by(SituationPicture.year.desc(), Problem.position)
        ).scalars()
    )


# --- Gaps: Brå's two failure modes, before the meeting ---------------------------------------


@dataclass(frozen=True)
class Gaps:
    """Problems no measure addresses, activities that address no problem, and activities
    nobody reported on in the last two follow-up rounds."""

    problems_without_measure: list[Problem]
    activities_without_problem: list[Activity]
    activities_without_report: list[Activity]
    rounds: list[FollowUpRound]


def gaps(plan: Plan) -> Gaps:
    """The plan's gaps, from the newest lägesbild's problems and the last two rounds."""
    pictures = pictures_of(plan)
    problems = pictures[0].problems if pictures else []
    current = [a for _area, activities in linkable_areas(plan) for a in activities]
    linked = set(
        db.session.execute(
            select(problem_activities.c.activity_id)
            .join(Problem, Problem.id == problem_activities.c.problem_id)
            .join(SituationPicture)
            .where(SituationPicture.plan_id == plan.id)
        ).scalars()
    )
    last_two = rounds_of(plan)[:2]
    reported = set(
        db.session.execute(
            select(Assignment.activity_id)
            .join(Report, Report.assignment_id == Assignment.id)
            .where(Report.round_id.in_([r.id for r in last_two]), Report.reported_at.is_not(None))
        ).scalars()
    )
    return Gaps(
        problems_without_measure=[
            p for p in problems if not any(a.archived_at is None for a in p.activities)
        ],
        activities_without_problem=[a for a in current if a.id not in linked],
        activities_without_report=[a for a in current if a.id not in reported] if last_two else [],
        rounds=last_two,
    )
