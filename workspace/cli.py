"""Operator commands: `flask --app workspace <command> --help`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from .extensions import db
from .models import OrganisationKind, Role
from .services import demo, plans, users
from .services.errors import ValidationFailed
from .services.organisations import ensure_organisation


def register(app: Flask) -> None:
    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Load the seed plan, the three demo organisations and their demo users (idempotent)."""
        if demo.load_demo_data():
            click.echo(
                f"Demo data loaded. Every demo user has the password {demo.DEMO_PASSWORD!r}."
            )
        else:
            click.echo("Demo data is already loaded; nothing changed.")

    @app.cli.command("create-organisation")
    @click.argument("slug")
    @click.argument("name")
    @click.option(
        "--partner", is_flag=True, help="A partner named in plans, without logins (no admin)."
    )
    @click.option("--admin-email", help="Email of the organisation's first admin.")
    @click.option("--admin-name", help="Full name of the organisation's first admin.")
    def create_organisation(
        slug: str, name: str, partner: bool, admin_email: str | None, admin_name: str | None
    ) -> None:
        """Create an organisation and, for a tenant, its first admin.

        The admin's password is read from a prompt (or standard input), never from the
        command line, so it does not end up in the shell history.
        """
        kind = OrganisationKind.PARTNER if partner else OrganisationKind.TENANT
        if kind is OrganisationKind.TENANT and not (admin_email and admin_name):
            raise click.UsageError("a tenant needs --admin-email and --admin-name")
        organisation = ensure_organisation(slug, name, kind)
        if kind is OrganisationKind.TENANT:
            assert admin_email and admin_name
            if users.find_user(slug, admin_email):
                raise click.ClickException(f"{admin_email} already exists in {slug}")
            password = click.prompt(
                "Password for the admin", hide_input=True, confirmation_prompt=True
            )
            try:
                users.create_user(
                    organisation,
                    email=admin_email,
                    name=admin_name,
                    role=Role.ADMIN,
                    password=password,
                )
            except ValidationFailed as exc:
                db.session.rollback()
                raise click.ClickException(" ".join(exc.errors.values())) from exc
        db.session.commit()
        click.echo(f"Organisation {slug!r} ready.")

    @app.cli.command("import-plan")
    @click.argument(
        "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
    )
    def import_plan(path: Path | None) -> None:
        """Import a plan file (TOML); without PATH, the 2011 Sollefteå–Kramfors–police plan."""
        try:
            data = plans.read_plan_file(path or plans.SEED_PLAN_FILE)
        except plans.PlanFileError as exc:
            raise click.ClickException(str(exc)) from exc
        if plans.find_plan(data["title"], data["period_start"]):
            raise click.ClickException("that plan is already imported")
        plan = plans.import_plan(data)
        click.echo(f"Imported plan {plan.id}: {plan.title} ({plan.period_label}).")
