"""Operator commands: demo data, first admin, plan import."""

from __future__ import annotations

from sqlalchemy import func, select

from workspace.extensions import db
from workspace.models import Assignment, Plan, Role, StatusChange, User
from workspace.services import users


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
