"""Operator commands: `flask --app workspace <command> --help`."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click
import tomli_w
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import make_url

from .extensions import db
from .models import Organisation, OrganisationKind, Plan, User
from .services import backup, demo, identity, mailer, notifications, plans, rounds, users
from .services.errors import ValidationFailed


def _organisation(slug: str) -> Organisation:
    org = db.session.execute(
        select(Organisation).where(Organisation.slug == slug)
    ).scalar_one_or_none()
    if org is None:
        raise click.ClickException(f"no organisation with the slug {slug!r}")
    return org


def _plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise click.ClickException(f"no plan with id {plan_id}")
    return plan


POSTGRES_BACKUP_HELP = (
    "The database is PostgreSQL: back it up with its own tools while the app runs,\n"
    '  pg_dump -Fc "$DATABASE_URL" > samverkan.dump\n'
    "and restore with\n"
    '  pg_restore --clean --if-exists --no-owner -d "$DATABASE_URL" samverkan.dump\n'
    "(a postgresql:// URL; leave out any +psycopg). Copy ATTACHMENT_DIR alongside."
)


def _sqlite_database() -> Path:
    """The live SQLite file, or a refusal that tells a PostgreSQL operator what to use."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(POSTGRES_BACKUP_HELP)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the database is in memory; there is nothing to back up")
    return Path(url.database)


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load the seed plan, the demo organisations and users, and a year of use (idempotent)."""
    base = demo.load_demo_data()
    history = demo.load_demo_history()
    if base:
        click.echo(f"Demo data loaded. Every demo user has the password {demo.DEMO_PASSWORD!r}.")
    elif history:
        click.echo("The demo plan's second year (rounds, comments, indicators) was added.")
    else:
        click.echo("Demo data is already loaded; nothing changed.")


@click.command("create-organisation")
@with_appcontext
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
    password = None
    if kind is OrganisationKind.TENANT:
        assert admin_email and admin_name
        if users.find_user(slug, admin_email):
            raise click.ClickException(f"{admin_email} already exists in {slug}")
        password = click.prompt("Password for the admin", hide_input=True, confirmation_prompt=True)
    try:
        users.create_organisation(
            slug,
            name,
            kind,
            admin_email=admin_email if password is not None else None,
            admin_name=admin_name,
            admin_password=password,
        )
    except ValidationFailed as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from exc
    click.echo(f"Organisation {slug!r} ready.")


@click.command("set-identity-provider")
@with_appcontext
@click.argument("slug")
@click.option("--issuer", help="The provider's issuer URL; discovery gives the rest.")
@click.option("--client-id", help="The client id the provider registered for Samverkan.")
@click.option(
    "--client-secret-env",
    metavar="NAME",
    help="Read the client secret from this environment variable instead of a prompt.",
)
@click.option(
    "--password-login/--no-password-login",
    default=True,
    show_default=True,
    help="Whether the organisation's users may also log in with passwords (admins always may).",
)
@click.option(
    "--create-unknown-users/--no-create-unknown-users",
    default=False,
    show_default=True,
    help="Create people the provider vouches for, but Samverkan does not know, as viewers.",
)
@click.option("--disable", is_flag=True, help="Remove the provider: passwords only again.")
def set_identity_provider(
    slug: str,
    issuer: str | None,
    client_id: str | None,
    client_secret_env: str | None,
    password_login: bool,
    create_unknown_users: bool,
    disable: bool,
) -> None:
    """Set the organisation's own login (OpenID Connect), or remove it with --disable.

    The client secret is read from a prompt (or the variable --client-secret-env names),
    never from the command line, and is stored encrypted. Every change is audited.
    """
    organisation = _organisation(slug)
    if disable:
        removed = identity.disable(None, organisation)
        click.echo(f"{slug}: own login removed." if removed else f"{slug} had no own login.")
        return
    if not (issuer and client_id):
        raise click.UsageError("give --issuer and --client-id (or --disable)")
    if client_secret_env:
        secret = os.environ.get(client_secret_env, "")
        if not secret:
            raise click.ClickException(f"the variable {client_secret_env} is empty or not set")
    else:
        secret = click.prompt(
            "Client secret (empty keeps the stored one)",
            hide_input=True,
            default="",
            show_default=False,
        )
    settings = identity.ProviderSettings(
        issuer, client_id, secret, password_login, create_unknown_users
    )
    try:
        identity.configure(None, organisation, settings)
    except ValidationFailed as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from exc
    click.echo(
        f"{slug}: own login set to {issuer}. Register this redirect URI at the provider: "
        f"{identity.redirect_uri_for(organisation)}"
    )


@click.command("create-plan")
@with_appcontext
@click.argument("title")
@click.option("--start", "period_start", type=int, required=True, help="First year.")
@click.option(
    "--participant",
    "participants",
    multiple=True,
    required=True,
    help="Slug of a participating tenant organisation; repeat for each.",
)
def create_plan(title: str, period_start: int, participants: tuple[str, ...]) -> None:
    """Create an empty three-year plan shared by the given organisations."""
    try:
        plan = plans.create_plan(title, period_start, [_organisation(s) for s in participants])
    except plans.PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created plan {plan.id}: {plan.title} ({plan.period_label}).")


@click.command("set-participants")
@with_appcontext
@click.argument("plan_id", type=int)
@click.argument("slugs", nargs=-1, required=True)
def set_participants(plan_id: int, slugs: tuple[str, ...]) -> None:
    """Replace the organisations taking part in a plan (their users then see it)."""
    plan = _plan(plan_id)
    try:
        plans.set_participants(plan, [_organisation(s) for s in slugs])
    except plans.PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Plan {plan.id} now has {', '.join(slugs)}.")


@click.command("import-plan")
@with_appcontext
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


@click.command("export-plan")
@with_appcontext
@click.argument("plan_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_plan(plan_id: int, path: Path) -> None:
    """Write a plan in the plan-file format (TOML), which import-plan reads back."""
    data = plans.export_plan_data(_plan(plan_id))
    path.write_text(tomli_w.dumps(data, multiline_strings=True), encoding="utf-8")
    click.echo(f"Wrote plan {plan_id} to {path}.")


@click.command("list-users")
@with_appcontext
@click.option("--organisation", "slug", help="Only this organisation's users.")
def list_users(slug: str | None) -> None:
    """List users: organisation, email, role, active, name."""
    query = select(User).join(Organisation).order_by(Organisation.slug, User.email)
    if slug:
        query = query.where(Organisation.id == _organisation(slug).id)
    for user in db.session.execute(query).scalars():
        state = "active" if user.active else "inactive"
        click.echo(
            f"{user.organisation.slug}\t{user.email}\t{user.role.value}\t{state}\t{user.name}"
        )


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Back up the SQLite database to PATH while the app runs, and the attachment files
    to PATH.attachments/. On PostgreSQL, says how to use pg_dump instead."""
    database = _sqlite_database()
    try:
        backup.backup_sqlite(database, path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote a backup of {database} to {path}.")
    files = backup.copy_attachments(
        Path(current_app.config["ATTACHMENT_DIR"]), backup.attachments_path(path), private=True
    )
    if files:
        click.echo(f"Copied {files} attachment files to {backup.attachments_path(path)}.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup made by `backup`, and put back its
    attachment files. Everything written since the backup is lost."""
    database = _sqlite_database()
    try:
        revision = backup.backup_revision(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(
            f"Replace {database} with {path}? Everything written since the backup is lost.",
            abort=True,
        )
    # Let go of the app's own connections so none holds a lock on the file.
    db.session.remove()
    db.engine.dispose()
    backup.restore_sqlite(path, database)
    click.echo(f"Restored {database} from {path}.")
    files = backup.copy_attachments(
        backup.attachments_path(path), Path(current_app.config["ATTACHMENT_DIR"])
    )
    if files:
        click.echo(f"Put back {files} attachment files.")
    if revision != backup.head_revision():
        click.echo("The backup is from an older version: now run `flask db upgrade`.")


@click.command("send-notifications")
@with_appcontext
def send_notifications() -> None:
    """Run the time-based reminders, then mail every notification that is due (for cron or
    a systemd timer, e.g. every minute). Safe to run twice at once, on several hosts."""
    # An SMTP server that accepts the connection and then says nothing must not hang cron.
    socket.setdefaulttimeout(60)
    failed_triggers = notifications.run_scheduled(rounds.local_today())
    if failed_triggers:
        click.echo(f"{failed_triggers} reminder triggers failed; see the log.", err=True)
    try:
        report = notifications.send_due()
    except mailer.MailConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if report.mail_off:
        click.echo("Mail is off (MAIL_SERVER is not set): nothing was sent, the outbox is kept.")
        return
    where = f" to {mailer.mail_folder()}" if mailer.writes_files() else ""
    click.echo(
        f"Sent {report.mails} mails{where} ({report.sent} notifications); "
        f"{report.retrying} to retry, {report.failed} failed, {report.not_mailed} not mailed."
    )


COMMANDS = (
    demo_data,
    create_organisation,
    create_plan,
    set_participants,
    import_plan,
    export_plan,
    list_users,
    backup_command,
    restore_command,
    send_notifications,
    set_identity_provider,
)


def register(app: Flask) -> None:
    """Add the operator commands to `flask --app workspace`."""
    for command in COMMANDS:
        app.cli.add_command(command)
