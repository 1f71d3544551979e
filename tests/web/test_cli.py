"""Operator commands: demo data, first admin, plans in and out, users."""

from __future__ import annotations

from sqlalchemy import func, select

from workspace.extensions import db
from workspace.models import Assignment, AuditEvent, Plan, Role, StatusChange, User
from workspace.services import plans, users


def test_demo_data_loads_once_and_is_idempotent(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "samverkan-demo" in first.output
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0 and "already loaded" in second.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count(Plan.id))) == 1
        assert db.session.scalar(select(func.count(Assignment.id))) == 62
        assert db.session.scalar(select(func.count(User.id))) == 12
        assert db.session.scalar(select(func.count(StatusChange.id))) > 10
        roles = {
            (u.organisation.slug, u.email.split("@")[0], u.role)
            for u in db.session.execute(select(User)).scalars()
        }
        for slug in ("solleftea", "kramfors", "polisen"):
            assert (slug, "admin", Role.ADMIN) in roles
            assert (slug, "samordnare", Role.COORDINATOR) in roles
            assert (slug, "handlaggare", Role.MEMBER) in roles
            assert (slug, "lasare", Role.VIEWER) in roles


def test_create_organisation_reads_the_admin_password_from_a_prompt(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-organisation",
            "harnosand",
            "Härnösands kommun",
            "--admin-email",
            "admin@harnosand.se",
            "--admin-name",
            "Ada Admin",
        ],
        input="ett-langt-losenord\nett-langt-losenord\n",
    )
    assert result.exit_code == 0, result.output
    assert "ett-langt-losenord" not in result.output
    with empty_app.app_context():
        admin = users.authenticate("harnosand", "admin@harnosand.se", "ett-langt-losenord")
        assert admin is not None and admin.role is Role.ADMIN


def test_create_organisation_refuses_a_short_password(empty_app):
    result = empty_app.test_cli_runner().invoke(
        args=[
            "create-organisation",
            "harnosand",
            "Härnösands kommun",
            "--admin-email",
            "a@harnosand.se",
            "--admin-name",
            "A",
        ],
        input="kort\nkort\n",
    )
    assert result.exit_code != 0
    assert "minst 10 tecken" in result.output or "at least 10" in result.output


def test_a_tenant_needs_a_first_admin(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["create-organisation", "x", "X"])
    assert result.exit_code == 2 and "--admin-email" in result.output


def test_import_plan_imports_the_seed_once(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["import-plan"]).exit_code == 0
    again = runner.invoke(args=["import-plan"])
    assert again.exit_code == 1 and "already imported" in again.output


def test_import_plan_names_the_problems_of_a_broken_file(empty_app, tmp_path):
    broken = tmp_path / "plan.toml"
    broken.write_text('title = "x"\n', encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["import-plan", str(broken)])
    assert result.exit_code == 1
    assert "missing top-level key 'period_start'" in result.output


def test_export_plan_writes_a_file_import_plan_reads_back(app, tmp_path):
    path = tmp_path / "plan.toml"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-plan", "1", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        data = plans.read_plan_file(path)
        original = plans.export_plan_data(db.session.get(Plan, 1))
    assert data == original
    assert data["areas"][0]["title"] == "Våld i offentlig miljö"
    assert sum(len(a["activities"]) for a in data["areas"]) == 26
    assert sum(len(act["responsible"]) for a in data["areas"] for act in a["activities"]) == 62
    # Imported under another start year, it is a second plan with the same content.
    data["period_start"], data["period_end"] = 2014, 2016
    with app.app_context():
        copy = plans.import_plan(data)
        assert db.session.scalar(select(func.count(Assignment.id))) == 124
        assert copy.period_label == "2014–2016"


def test_create_plan_and_set_participants(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-plan",
            "Handlingsplan 2014–2016",
            "--start",
            "2014",
            "--participant",
            "kramfors",
            "--participant",
            "polisen",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        plan = db.session.execute(select(Plan).where(Plan.period_start == 2014)).scalar_one()
        assert {o.slug for o in plan.participants} == {"kramfors", "polisen"}
        plan_id = plan.id
    again = runner.invoke(args=["set-participants", str(plan_id), "solleftea"])
    assert again.exit_code == 0
    with app.app_context():
        assert [o.slug for o in db.session.get(Plan, plan_id).participants] == ["solleftea"]
        # The operator's change is in the audit log, without an actor like an import.
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.participants_changed")
        ).scalar_one()
        assert event.user_id is None and event.object_id == plan_id
        assert len(event.details["added"]) == 1 and len(event.details["removed"]) == 2
    bad = runner.invoke(args=["create-plan", "X", "--start", "2014", "--participant", "nowhere"])
    assert bad.exit_code == 1 and "no organisation with the slug 'nowhere'" in bad.output
    partner = runner.invoke(args=["set-participants", str(plan_id), "skatteverket"])
    assert partner.exit_code == 1 and "only tenant organisations" in partner.output


def test_list_users(app):
    result = app.test_cli_runner().invoke(args=["list-users", "--organisation", "kramfors"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("kramfors\t") for line in lines)
    assert "kramfors\tlasare@kramfors.example\tviewer\tactive\tPer Ek" in lines


def test_every_command_has_help(app):
    runner = app.test_cli_runner()
    for command in (
        "demo-data",
        "create-organisation",
        "create-plan",
        "set-participants",
        "import-plan",
        "export-plan",
        "list-users",
    ):
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, command
