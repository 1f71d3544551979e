"""Services: plan import, status changes with history, the append-only record."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.factories import assignment, demo_user, seed_plan
from workspace.extensions import db
from workspace.models import (
    AppendOnlyError,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Function,
    Organisation,
    ReadMarker,
    StatusChange,
    User,
    overall_status,
)
from workspace.policy import Denied
from workspace.services import plans, threads
from workspace.services.assignments import change_status
from workspace.services.errors import StaleWrite, ValidationFailed
from workspace.services.organisations import appoint

S = AssignmentStatus


def test_import_creates_the_whole_plan(empty_app):
    with empty_app.app_context():
        plan = plans.import_plan(plans.read_plan_file())
        assert [area.title for area in plan.areas][:2] == [
            "Våld i offentlig miljö",
            "Tryggt centrum",
        ]
        assert sum(len(area.activities) for area in plan.areas) == 26
        assert db.session.scalar(select(func.count(Assignment.id))) == 62
        assert {org.slug for org in plan.participants} == {"solleftea", "kramfors", "polisen"}


def test_kommun_ion_becomes_one_assignment_per_municipality(empty_app):
    with empty_app.app_context():
        plans.import_plan(plans.read_plan_file())
        training = assignment("solleftea", "ION", area=1, activity=3).activity
        owners = sorted((a.organisation.slug, a.function.code) for a in training.assignments)
        assert owners == [("kramfors", "ION"), ("solleftea", "ION")]
        graffiti = assignment("polisen", "Polis", area=2, activity=4).activity
        assert Counter(a.organisation.slug for a in graffiti.assignments) == {
            "solleftea": 2,  # SBN and Solatum
            "kramfors": 1,
            "fastighetsagare": 1,
            "polisen": 1,
        }


def test_import_refuses_a_broken_file(empty_app):
    with empty_app.app_context(), pytest.raises(plans.PlanFileError, match="period_end"):
        plans.import_plan({**plans.read_plan_file(), "period_end": 2000})


def test_change_status_writes_history_and_audit_in_one_go(app):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", area=3, activity=2)
        version = target.version
        change = change_status(member, target, "done", "  Klart i oktober.  ", version)
        db.session.expire_all()
        target = db.session.get(Assignment, target.id)
        assert target.status is S.DONE
        assert target.version == version + 1
        assert target.updated_by_id == member.id
        assert (change.from_status, change.to_status) == (S.IN_PROGRESS, S.DONE)
        assert change.note == "Klart i oktober."
        assert change.organisation_id == member.organisation_id
        event = db.session.execute(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one()
        assert (event.action, event.object_id, event.user_id) == (
            "assignment.status_changed",
            target.id,
            member.id,
        )
        assert event.details == {
            "from_status": "in_progress",
            "to_status": "done",
            "object": f"{target.activity.title} – ION, Kramfors kommun",
        }


def _history_count() -> int:
    return db.session.scalar(select(func.count(StatusChange.id)))


def test_a_stale_version_is_refused_and_nothing_changes(app):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", area=3, activity=2)
        old_version = target.version
        change_status(member, target, "delayed", "", old_version)
        before = _history_count()
        with pytest.raises(StaleWrite):
            change_status(member, target, "done", "", old_version)
        db.session.expire_all()
        assert db.session.get(Assignment, target.id).status is S.DELAYED
        assert _history_count() == before


def test_a_concurrent_writer_loses_instead_of_overwriting(app):
    """Two sessions read the same version; the second commit fails on the version counter."""
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", area=3, activity=2)
        other = db.session.get(Assignment, target.id)
        assert other is target  # same identity in this session; emulate the other writer:
        db.session.execute(
            text("UPDATE assignments SET version = version + 1 WHERE id = :id"), {"id": target.id}
        )
        before = _history_count()
        with pytest.raises(StaleWrite):
            change_status(member, target, "done", "")
        assert _history_count() == before


@pytest.mark.parametrize(
    ("status", "note", "field"),
    [("finished", "", "status"), ("done", "x" * 501, "note")],
)
def test_bad_input_is_refused_with_a_message(app, status, note, field):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        target = assignment("kramfors", "ION", area=3, activity=2)
        before = _history_count()
        with pytest.raises(ValidationFailed) as refused:
            change_status(member, target, status, note)
        assert set(refused.value.errors) == {field}
        assert _history_count() == before


def test_a_viewer_cannot_change_a_status(app):
    with app.app_context():
        viewer = demo_user("kramfors", "lasare")
        target = assignment("kramfors", "ION", area=3, activity=2)
        with pytest.raises(Denied):
            change_status(viewer, target, "done")
        db.session.expire_all()
        assert db.session.get(Assignment, target.id).status is S.IN_PROGRESS


def test_history_rows_cannot_be_changed_or_deleted(app):
    with app.app_context():
        change = db.session.execute(select(StatusChange).limit(1)).scalar_one()
        change.note = "rewritten"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        event = db.session.execute(select(AuditEvent).limit(1)).scalar_one()
        db.session.delete(event)
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_an_unknown_status(app):
    with app.app_context():
        target = assignment("kramfors", "ION", area=3, activity=2)
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE assignments SET status = 'finished' WHERE id = :id"),
                {"id": target.id},
            )
        db.session.rollback()


def test_the_database_refuses_a_duplicate_function_code(app):
    with app.app_context():
        kramfors = db.session.execute(
            select(Organisation).where(Organisation.slug == "kramfors")
        ).scalar_one()
        db.session.add(Function(organisation=kramfors, code="ION", name="Dubblett"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_holding_another_organisations_function(app):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        police = assignment("polisen", "Polis", area=1, activity=2).function
        with pytest.raises(IntegrityError):
            appoint(member, police)
        db.session.rollback()
        assert "ION" in {f.code for f in db.session.get(User, member.id).functions}


def test_overview_filters_by_organisation_status_and_area(app):
    with app.app_context():
        plan = seed_plan()
        everything = plans.overview(plan)
        assert everything.activity_count == 26 and everything.assignment_count == 62
        police = plans.overview(plan, plans.OverviewFilters(organisation_slug="polisen"))
        assert {
            a.organisation.slug for s in police.sections for r in s.rows for a in r.assignments
        } == {"polisen"}
        delayed = plans.overview(plan, plans.OverviewFilters(status=S.DELAYED))
        assert delayed.counts == Counter({S.DELAYED: 2})
        area = everything.sections[1].area
        one_area = plans.overview(plan, plans.OverviewFilters(area_id=area.id))
        assert [s.area.id for s in one_area.sections] == [area.id]
        assert one_area.activity_count == 6


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], S.NOT_STARTED),
        ([S.NOT_STARTED, S.NOT_STARTED], S.NOT_STARTED),
        ([S.NOT_STARTED, S.IN_PROGRESS], S.IN_PROGRESS),
        ([S.DONE, S.NOT_STARTED], S.IN_PROGRESS),
        ([S.DONE, S.ONGOING], S.ONGOING),
        ([S.DONE, S.DONE, S.CANCELLED], S.DONE),
        ([S.DONE, S.DELAYED], S.DELAYED),
        ([S.CANCELLED, S.CANCELLED], S.CANCELLED),
    ],
)
def test_overall_status_is_derived_from_the_assignments(statuses, expected):
    assert overall_status(statuses) is expected


def test_reading_never_moves_the_read_marker_back(app):
    with app.app_context():
        reader = demo_user("kramfors", "handlaggare")
        plan = seed_plan()
        activity = plan.areas[0].activities[0]
        first, second, third = (
            threads.post(demo_user("kramfors", "samordnare"), plan, activity, f"Rad {n}")
            for n in range(3)
        )
        threads.mark_read(reader, first.thread, [first])
        marker = db.session.get(ReadMarker, (reader.id, first.thread_id))
        # Meanwhile the reader's other tab, on another worker, read all three.
        with db.engine.begin() as other_worker:
            other_worker.execute(
                update(ReadMarker)
                .where(ReadMarker.user_id == reader.id)
                .values(last_read_comment_id=third.id)
            )
        assert marker.last_read_comment_id == first.id
        threads.mark_read(reader, first.thread, [first, second])
        db.session.expire_all()
        marker = db.session.get(ReadMarker, (reader.id, first.thread_id))
        assert marker.last_read_comment_id == third.id
