"""The plan's year as a cycle (Årshjulet): facts → lägesbild → plan → rounds → evaluation,
year by year, each step with what is done and what is due.

Each step is one function `(reader, plan, year, today) -> Step` in `STEPS`, in the cycle's
order; the page renders whatever the list gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from ..extensions import db
from ..models import Fact, FollowUpRound, Plan, RoundKind, SituationPicture, User
from ..policy import Action, can, fact_visible_to
from . import evaluation, situation
from .rounds import local_today, rounds_of


class StepState(StrEnum):
    DONE = "done"
    UNDER_WAY = "under_way"
    DUE = "due"
    LATER = "later"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    StepState.DONE: _l("Step done"),
    StepState.UNDER_WAY: _l("Under way"),
    StepState.DUE: _l("To do"),
    StepState.LATER: _l("Later"),
}


@dataclass(frozen=True)
class Line:
    """One thing done or due, with the page it is on and the date or moment it names."""

    text: str
    endpoint: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    on: date | None = None
    at: datetime | None = None
    written: bool = False  # the text is plan content, written in Swedish by its users


@dataclass(frozen=True)
class Step:
    key: str  # the step's anchor on the page: facts, situation, plan, rounds, evaluation
    title: str
    state: StepState
    endpoint: str  # the step's own page
    params: dict[str, Any]
    done: list[Line] = field(default_factory=list)
    due: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Year:
    year: int
    steps: list[Step]
    is_current: bool


def _pending(year: int, today: date) -> StepState:
    """Nothing yet: to do in a year that has begun, later in one that has not."""
    return StepState.DUE if year <= today.year else StepState.LATER


def facts_step(reader: User, plan: Plan, year: int, today: date) -> Step:
    """Step 1: how many facts the reader may read were recorded for the year."""
    count = db.session.scalar(
        select(func.count(Fact.id)).where(
            Fact.plan_id == plan.id, Fact.year == year, fact_visible_to(reader.organisation_id)
        )
    )
    done = [Line(ngettext("%(num)d fact recorded", "%(num)d facts recorded", count))]
    due = [Line(_("Each organisation records the figures it brings for the year."))]
    return Step(
        "facts",
        _("Facts"),
        StepState.DONE if count else _pending(year, today),
        "facts.index",
        {"plan_id": plan.id, "year": year},
        done if count else [],
        [] if count else due,
    )


def situation_step(reader: User, plan: Plan, year: int, today: date) -> Step:
    """Step 2: the year's lägesbild, not started, a draft agreed by some, or fixed."""
    picture = next((p for p in situation.pictures_of(plan) if p.year == year), None)
    title = _("Situation picture")
    if picture is None:
        return Step(
            "situation",
            title,
            _pending(year, today),
            "situation.index",
            {"plan_id": plan.id},
            [],
            [Line(_("Not started. A coordinator starts it."))],
        )
    show = ("situation.show", {"picture_id": picture.id})
    carried = sum(p.carried_from_id is not None for p in picture.problems)
    named = len(picture.problems)
    done = [Line(ngettext("%(num)d problem named", "%(num)d problems named", named))]
    if carried:
        done.append(
            Line(
                ngettext(
                    "%(num)d carried over from the year before",
                    "%(num)d carried over from the year before",
                    carried,
                )
            )
        )
    if picture.is_fixed:
        done.append(Line(_("Fixed"), at=picture.fixed_at))
        return Step("situation", title, StepState.DONE, *show, done, [])
    agreed, due = _agreement(situation.agreement_lines(picture))
    return Step("situation", title, StepState.UNDER_WAY, *show, [*done, agreed], due)


def _agreement(lines: list[situation.AgreementLine]) -> tuple[Line, list[Line]]:
    """A draft's agreements, the lägesbild's or the evaluation's: how many organisations
    stand behind it, and who still has to, or that a coordinator may fix it."""
    agreed = Line(
        _(
            "Draft, agreed by %(agreed)d of %(total)d organisations",
            agreed=sum(line.current for line in lines),
            total=len(lines),
        )
    )
    missing = [line.organisation.name for line in lines if not line.current]
    if missing:
        return agreed, [Line(_("To agree: %(names)s", names=", ".join(missing)))]
    return agreed, [Line(_("Every organisation agrees: a coordinator fixes it."))]


def _plans_around(reader: User, plan: Plan) -> list[Plan]:
    """The plan, the one that replaced it and those it replaced, as far as the reader may
    see them."""
    before = db.session.execute(select(Plan).where(Plan.replaced_by_id == plan.id)).scalars()
    around = [plan, *([plan.replaced_by] if plan.replaced_by else []), *before]
    return [p for p in around if can(reader, Action.VIEW_PLAN, p)]


def plan_step(reader: User, plan: Plan, year: int, today: date) -> Step:
    """Step 3: the action plan whose period covers the year, and whether the next is due."""
    covering = next(
        (p for p in _plans_around(reader, plan) if p.period_start <= year <= p.period_end), None
    )
    title = _("Action plan")
    if covering is None:
        return Step(
            "plan",
            title,
            _pending(year, today),
            "plans.show",
            {"plan_id": plan.id},
            [],
            [Line(_("No plan covers the year yet: the next plan is drafted from this one."))],
        )
    named = f"{covering.title} ({covering.period_label})"
    done = [Line(named, "plans.show", {"plan_id": covering.id}, written=True)]
    due = []
    if year == covering.period_end and covering.replaced_by is None:
        due.append(Line(_("The plan's period ends this year: the next plan is drafted.")))
    return Step("plan", title, StepState.DONE, "plans.show", {"plan_id": covering.id}, done, due)


# The rounds of a year as the plan sets them: working groups in April and October, the
# council's annual evaluation in May.
ROUND_SLOTS = (
    (RoundKind.WORKING_GROUP, 4, _l("April working-group follow-up")),
    (RoundKind.ANNUAL_EVALUATION, 5, _l("May annual evaluation")),
    (RoundKind.WORKING_GROUP, 10, _l("October working-group follow-up")),
)


def _slot_of(rnd: FollowUpRound) -> int:
    """Which of the year's slots a round fills, by its kind and due date."""
    if rnd.kind is RoundKind.ANNUAL_EVALUATION:
        return 5
    return 4 if rnd.due_on.month <= 7 else 10


def rounds_of_year(plan: Plan, year: int) -> list[FollowUpRound]:
    return sorted(
        (r for r in rounds_of(plan) if r.due_on.year == year), key=lambda r: (r.due_on, r.id)
    )


def rounds_step(reader: User, plan: Plan, year: int, today: date) -> Step:
    """Step 4: the year's follow-up rounds, open or closed, and those not opened yet."""
    rounds = rounds_of_year(plan, year)
    done, due = [], []
    for _kind, month, label in ROUND_SLOTS:
        filled = [r for r in rounds if _slot_of(r) == month]
        for rnd in filled:
            text = (
                _("%(title)s: open, due", title=rnd.title)
                if rnd.is_open
                else _("%(title)s: closed, was due", title=rnd.title)
            )
            line = Line(text, "rounds.show", {"round_id": rnd.id}, on=rnd.due_on)
            (due if rnd.is_open else done).append(line)
        if not filled:
            due.append(Line(_("%(round)s: not opened yet", round=str(label))))
    if rounds and all(not r.is_open for r in rounds) and len(done) == len(ROUND_SLOTS):
        state = StepState.DONE
    elif rounds:
        state = StepState.UNDER_WAY
    else:
        state = _pending(year, today)
    return Step(
        "rounds", _("Follow-up rounds"), state, "rounds.index", {"plan_id": plan.id}, done, due
    )


def evaluation_step(reader: User, plan: Plan, year: int, today: date) -> Step:
    """Step 5: the year's annual evaluation, not started, a draft agreed by some, or fixed;
    once fixed, whether its problems went on to next year's lägesbild."""
    annual = next((e for e in evaluation.evaluations_of(plan) if e.year == year), None)
    title = _("Annual evaluation")
    if annual is None:
        return Step(
            "evaluation",
            title,
            _pending(year, today),
            "evaluation.index",
            {"plan_id": plan.id},
            [],
            [Line(_("Not started. A coordinator starts it in May, drafted from the year."))],
        )
    show = ("evaluation.show", {"evaluation_id": annual.id})
    if not annual.is_fixed:
        agreed, due = _agreement(evaluation.agreement_lines(annual))
        return Step("evaluation", title, StepState.UNDER_WAY, *show, [agreed], due)
    done = [Line(_("Fixed"), at=annual.fixed_at)]
    following = next((p for p in situation.pictures_of(plan) if p.year == year + 1), None)
    if following is None:
        due = [Line(_("Next year's situation picture: starting it carries the problems over."))]
        return Step("evaluation", title, StepState.DONE, *show, done, due)
    done.append(
        Line(
            _("Next: situation picture %(year)d", year=following.year),
            "situation.show",
            {"picture_id": following.id},
        )
    )
    return Step("evaluation", title, StepState.DONE, *show, done, [])


STEPS: list[Callable[[User, Plan, int, date], Step]] = [
    facts_step,
    situation_step,
    plan_step,
    rounds_step,
    evaluation_step,
]


def first_year(reader: User, plan: Plan, today: date) -> int:
    """The plan's first year with anything in it (a fact, a lägesbild, a round, an
    evaluation); its period's first year while it has nothing, and never after this year."""
    recorded = [
        db.session.scalar(
            select(func.min(Fact.year)).where(
                Fact.plan_id == plan.id, fact_visible_to(reader.organisation_id)
            )
        ),
        db.session.scalar(
            select(func.min(SituationPicture.year)).where(SituationPicture.plan_id == plan.id)
        ),
        *(r.due_on.year for r in rounds_of(plan)),
        *(annual.year for annual in evaluation.evaluations_of(plan)),
    ]
    years = [y for y in recorded if y is not None] or [plan.period_start]
    return min(*years, today.year)


def timeline(reader: User, plan: Plan, today: date | None = None) -> list[Year]:
    """Every year of the plan's cycle, from its first year with anything to next year."""
    today = today or local_today()
    return [
        Year(year, [step(reader, plan, year, today) for step in STEPS], year == today.year)
        for year in range(first_year(reader, plan, today), today.year + 2)
    ]
