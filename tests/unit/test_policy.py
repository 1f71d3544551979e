"""The role × action table and the rules that decide who may do what."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import assignment, demo_user, outside_tenant, seed_plan
from workspace.extensions import db
from workspace.models import Role, RoundKind
from workspace.policy import (
    PARTNER_REPORTER_ROLE,
    RULES,
    Action,
    Denied,
    Locked,
    RoundEntry,
    authorize,
    can,
    has_role_for,
    reports_for_partners,
)
from workspace.services import content, indicators, rounds

LOCAL_PART = {
    Role.VIEWER: "lasare",
    Role.MEMBER: "handlaggare",
    Role.COORDINATOR: "samordnare",
    Role.ADMIN: "admin",
}

# The table as agreed with the product owner; a change to the policy must change this on purpose.
EXPECTED = {
    Action.VIEW_PLAN: {Role.VIEWER, Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.CHANGE_STATUS: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.READ_COMMENT: {Role.VIEWER, Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.COMMENT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.EDIT_COMMENT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.DELETE_COMMENT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.MODERATE_COMMENT: {Role.ADMIN},
    Action.MANAGE_ROUNDS: {Role.COORDINATOR, Role.ADMIN},
    Action.CLOSE_ROUND: {Role.COORDINATOR, Role.ADMIN},
    Action.REPORT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.MANAGE_INDICATORS: {Role.COORDINATOR, Role.ADMIN},
    Action.MEASURE: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.CORRECT_MEASUREMENT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.MANAGE_USERS: {Role.ADMIN},
    Action.VIEW_AUDIT_LOG: {Role.ADMIN},
    Action.VIEW_MAIL_LOG: {Role.ADMIN},
    Action.MANAGE_LOGIN: {Role.ADMIN},
    Action.LOG_IN_WITH_PASSWORD: {Role.VIEWER, Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.EDIT_PLAN: {Role.COORDINATOR, Role.ADMIN},
    Action.READ_ACCESSIBILITY_REPORTS: {Role.ADMIN},
    Action.REOPEN_PLAN: {Role.COORDINATOR, Role.ADMIN},
    Action.RECORD_FACT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.EDIT_FACT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.USE_FACT: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.START_SITUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.WRITE_SITUATION: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.AGREE_SITUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.FIX_SITUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.PREPARE_PUBLICATION: {Role.COORDINATOR, Role.ADMIN},
    Action.AGREE_PUBLICATION: {Role.COORDINATOR, Role.ADMIN},
    Action.WITHDRAW_PUBLICATION: {Role.COORDINATOR, Role.ADMIN},
    Action.START_EVALUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.WRITE_EVALUATION: {Role.MEMBER, Role.COORDINATOR, Role.ADMIN},
    Action.REFRESH_EVALUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.AGREE_EVALUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.FIX_EVALUATION: {Role.COORDINATOR, Role.ADMIN},
    Action.RECORD_MEETING: {Role.COORDINATOR, Role.ADMIN},
    Action.EDIT_MEETING: {Role.COORDINATOR, Role.ADMIN},
    Action.LINK_PROBLEM: {Role.COORDINATOR, Role.ADMIN},
}


def test_every_action_has_a_row_in_the_table():
    assert set(RULES) == set(Action) == set(EXPECTED)


# Partners have no logins: who reports for them is a role threshold, not an action of its own.
PARTNER_REPORTERS = {Role.COORDINATOR, Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_who_reports_for_partners(app, role):
    with app.app_context():
        user = demo_user("kramfors", LOCAL_PART[role])
        assert user.role.at_least(PARTNER_REPORTER_ROLE) is (role in PARTNER_REPORTERS)
        assert reports_for_partners(user) is (role in PARTNER_REPORTERS)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_role_table(app, action, role):
    with app.app_context():
        user = demo_user("kramfors", LOCAL_PART[role])
        assert has_role_for(user, action) is (role in EXPECTED[action])


@pytest.mark.parametrize("slug", ["solleftea", "kramfors", "polisen"])
@pytest.mark.parametrize("role", list(Role))
def test_every_participant_sees_the_plan(app, slug, role):
    with app.app_context():
        assert can(demo_user(slug, LOCAL_PART[role]), Action.VIEW_PLAN, seed_plan())


def test_a_tenant_outside_the_plan_does_not_see_it(app):
    with app.app_context():
        assert not can(outside_tenant(), Action.VIEW_PLAN, seed_plan())


def test_anonymous_may_do_nothing(app):
    with app.app_context():
        assert not can(None, Action.VIEW_PLAN, seed_plan())


@pytest.mark.parametrize(
    ("slug", "role", "allowed"),
    [
        ("kramfors", Role.VIEWER, False),
        ("kramfors", Role.MEMBER, True),
        ("kramfors", Role.COORDINATOR, True),
        ("kramfors", Role.ADMIN, True),
        ("solleftea", Role.MEMBER, False),
        ("solleftea", Role.ADMIN, False),
        ("polisen", Role.COORDINATOR, False),
    ],
)
def test_only_the_owning_organisation_changes_its_assignment(app, slug, role, allowed):
    with app.app_context():
        kramfors_ion = assignment("kramfors", "ION", area=1, activity=3)
        assert can(demo_user(slug, LOCAL_PART[role]), Action.CHANGE_STATUS, kramfors_ion) is allowed


@pytest.mark.parametrize(
    ("slug", "role", "allowed"),
    [
        ("solleftea", Role.COORDINATOR, True),
        ("kramfors", Role.ADMIN, True),
        ("polisen", Role.COORDINATOR, True),
        ("polisen", Role.MEMBER, False),
        ("kramfors", Role.VIEWER, False),
    ],
)
def test_any_participating_coordinator_reports_for_a_partner(app, slug, role, allowed):
    with app.app_context():
        tax_agency = assignment("skatteverket", "Skattemyndighet", area=1, activity=1)
        assert can(demo_user(slug, LOCAL_PART[role]), Action.CHANGE_STATUS, tax_agency) is allowed


def test_an_outside_coordinator_cannot_report_for_a_partner(app):
    with app.app_context():
        tax_agency = assignment("skatteverket", "Skattemyndighet", area=1, activity=1)
        assert not can(outside_tenant(role=Role.COORDINATOR), Action.CHANGE_STATUS, tax_agency)


def test_a_deactivated_user_may_do_nothing(app):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        member.active = False
        db.session.flush()
        assert not can(member, Action.VIEW_PLAN, seed_plan())
        assert not can(member, Action.CHANGE_STATUS, assignment("kramfors", "ION", 1, 3))


def test_authorize_explains_a_refusal(app):
    with (
        app.test_request_context(headers={"Accept-Language": "sv"}),
        pytest.raises(Denied, match="ansvariga organisationen"),
    ):
        authorize(
            demo_user("kramfors", "lasare"),
            Action.CHANGE_STATUS,
            assignment("kramfors", "ION", 1, 3),
        )


def test_a_replaced_plan_is_closed_for_changes_until_a_coordinator_reopens_it(app):
    with app.app_context():
        coordinator = demo_user("kramfors", "samordnare")
        member = demo_user("kramfors", "handlaggare")
        plan, own = seed_plan(), assignment("kramfors", "ION", 1, 3)
        partner = assignment("skatteverket", "Skattemyndighet", 1, 1)  # by coordinators
        indicator = indicators.add_indicator(
            coordinator, own.activity, title="Kontroller", unit="st", target="4", period="year"
        )
        closed = [
            (member, Action.CHANGE_STATUS, own),
            (member, Action.REPORT, RoundEntry(open_round(), own)),
            (member, Action.MEASURE, indicator),
            (coordinator, Action.CHANGE_STATUS, partner),
            (coordinator, Action.EDIT_PLAN, plan),
            (coordinator, Action.MANAGE_INDICATORS, own.activity),
        ]
        assert all(can(user, action, obj) for user, action, obj in closed)
        assert not can(coordinator, Action.REOPEN_PLAN, plan)  # nothing to reopen yet

        content.copy_plan(coordinator, plan, title="Handlingsplan 2014–2016", period_start=2014)
        assert [can(user, action, obj) for user, action, obj in closed] == [False] * len(closed)
        with pytest.raises(Denied, match=r"Handlingsplan 2014–2016 \(2014–2016\)"):
            authorize(member, Action.CHANGE_STATUS, own)
        # The discussion stays open; only a coordinator may reopen.
        assert can(member, Action.COMMENT, plan)
        assert can(coordinator, Action.REOPEN_PLAN, plan)
        assert not can(member, Action.REOPEN_PLAN, plan)

        content.reopen_plan(coordinator, plan, plan.version)
        assert all(can(user, action, obj) for user, action, obj in closed)
        content.close_plan(coordinator, plan, plan.version)
        assert not any(can(user, action, obj) for user, action, obj in closed)


def open_round():
    return rounds.open_round(
        demo_user("kramfors", "samordnare"),
        seed_plan(),
        RoundKind.WORKING_GROUP,
        "Uppföljning april 2012",
        date(2012, 4, 15),
    )


def test_a_report_is_judged_in_its_round_and_a_closed_round_is_locked(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        coordinator = demo_user("kramfors", "samordnare")
        member, viewer = demo_user("kramfors", "handlaggare"), demo_user("kramfors", "lasare")
        rnd, own = open_round(), assignment("kramfors", "ION", 1, 3)
        other = assignment("solleftea", "ION", 1, 3)
        entry = RoundEntry(rnd, own)
        assert can(member, Action.REPORT, entry)
        assert not can(viewer, Action.REPORT, entry)
        assert not can(member, Action.REPORT, RoundEntry(rnd, other))
        assert can(coordinator, Action.CLOSE_ROUND, rnd)
        assert not can(member, Action.CLOSE_ROUND, rnd)

        rounds.close_round(coordinator, rnd)
        assert not can(member, Action.REPORT, entry)
        assert not can(coordinator, Action.CLOSE_ROUND, rnd)
        # Who could report is told the round is closed (409); who could not, as before (403).
        with pytest.raises(Locked, match="Uppföljningen är stängd") as locked:
            authorize(member, Action.REPORT, entry)
        assert locked.value.status == 409
        with pytest.raises(Locked) as again:
            authorize(coordinator, Action.CLOSE_ROUND, rnd)
        assert again.value.status == 409
        for user, action, obj in [
            (viewer, Action.REPORT, entry),
            (member, Action.REPORT, RoundEntry(rnd, other)),
            (member, Action.CLOSE_ROUND, rnd),
        ]:
            with pytest.raises(Denied) as denied:
                authorize(user, action, obj)
            assert type(denied.value) is Denied and denied.value.status == 403


def test_authorize_sees_a_round_closed_by_someone_else_a_moment_ago(app):
    with app.app_context():
        member = demo_user("kramfors", "handlaggare")
        entry = RoundEntry(open_round(), assignment("kramfors", "ION", 1, 3))
        round_id = entry.round.id
        with app.app_context():  # another request, another session
            rounds.close_round(
                demo_user("kramfors", "samordnare"), db.session.get(type(entry.round), round_id)
            )
        assert can(member, Action.REPORT, entry)  # as this session last read it
        with pytest.raises(Locked):
            authorize(member, Action.REPORT, entry)


def test_an_ended_plan_refuses_a_report_with_403(app):
    with app.app_context():
        coordinator = demo_user("kramfors", "samordnare")
        entry = RoundEntry(open_round(), assignment("kramfors", "ION", 1, 3))
        content.copy_plan(
            coordinator, seed_plan(), title="Handlingsplan 2014–2016", period_start=2014
        )
        with pytest.raises(Denied, match="Handlingsplan 2014–2016") as refused:
            authorize(demo_user("kramfors", "handlaggare"), Action.REPORT, entry)
        assert refused.value.status == 403
