"""Grow the demo plan to `factor` times its size, with the history of a plan in use.

For the benchmark (`bench/run`) and the query-count and index tests. Everything goes through
the services a user's clicks go through, so a grown plan obeys every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workspace.extensions import keeping_loaded
from workspace.models import Activity, Area, Assignment, AssignmentStatus, Plan, User, Visibility
from workspace.models.types import utcnow
from workspace.services import content, threads
from workspace.services.assignments import change_status
from workspace.services.demo import DEMO_PEOPLE
from workspace.services.users import find_user

# Comment texts for grown plans: ordinary follow-up talk of a few lines.
GROWTH_COMMENTS = (
    "Vi har gått igenom läget på arbetsgruppens möte och fortsätter enligt planen.",
    "Underlaget skickas till samordnaren före nästa uppföljning.",
    "Kontakt tagen med polisen; gemensam insats planeras till våren.",
    "Statistiken för första halvåret visar färre anmälningar än i fjol.",
)

People = dict[str, dict[str, User | None]]


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
    """
    people: People = {
        slug: {
            local_part: find_user(slug, f"{local_part}@{slug}.example")
            for local_part in ("samordnare", "handlaggare")
        }
        for slug in DEMO_PEOPLE
    }
    # Every service call still commits its own transaction; as nothing else writes
    # meanwhile, reloading every object after each commit would only make building slow.
    with keeping_loaded():
        _copy_activities(plan, factor, people["kramfors"]["samordnare"])
        history = _History(plan, people, comments_per_activity, changes_per_assignment)
        for area in plan.areas:
            for activity in list(area.activities):
                history.add(activity)


def _copy_activities(plan: Plan, factor: int, coordinator: User | None) -> None:
    originals: list[tuple[Area, list[Activity]]] = [
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


@dataclass
class _History:
    """Comments and status changes for each activity in turn; the running `count` picks
    writers, texts, statuses and times, so every build is the same."""

    plan: Plan
    people: People
    comments_per_activity: int
    changes_per_assignment: int
    now: datetime = field(default_factory=utcnow)
    count: int = 0

    def add(self, activity: Activity) -> None:
        writers = [user for pair in self.people.values() for user in pair.values()]
        for n in range(self.comments_per_activity):
            self.count += 1
            threads.post(
                writers[self.count % len(writers)],
                self.plan,
                activity,
                GROWTH_COMMENTS[self.count % len(GROWTH_COMMENTS)],
                Visibility.INTERNAL if n % 5 == 4 else Visibility.SHARED,
            )
        for assignment in list(activity.current_assignments):
            self.change(assignment)

    def change(self, assignment: Assignment) -> None:
        owner = assignment.function.organisation
        actor = self.people.get(owner.slug, self.people["polisen"])["samordnare"]
        statuses = list(AssignmentStatus)
        for n in range(self.changes_per_assignment):
            self.count += 1
            change_status(
                actor,
                assignment,
                statuses[self.count % len(statuses)],
                GROWTH_COMMENTS[self.count % len(GROWTH_COMMENTS)],
                at=self.now - timedelta(days=self.changes_per_assignment - n, minutes=self.count),
            )
