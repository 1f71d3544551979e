"""The stack's own floor: an inline status editor and save built from the same libraries as
the workspace (Flask, Flask-Login, Flask-WTF, Flask-SQLAlchemy's ORM, Jinja) with nothing of
the workspace's own.

The save does what any such save must: load the logged-in user, check the CSRF token,
validate the form, load the assignment, write its new status with an optimistic-lock check
and a status change beside it, commit, and render the row. It leaves out what the workspace
adds on top: the access rule, the plan's status counts, translations, the rate limiter,
compression and the security headers. Measured in turn with the workspace's pages, it shows
how much of a target's time the stack takes on the machine at hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, String
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

STATUSES = [
    ("not_started", "Ej påbörjad"),
    ("in_progress", "Påbörjad"),
    ("ongoing", "Pågår"),
    ("done", "Klar"),
    ("delayed", "Försenad"),
    ("cancelled", "Avbruten"),
]

TEMPLATES = {
    "editor.html": """\
<form hx-post="/assignments/{{ a.id }}/status" hx-target="closest li" hx-swap="outerHTML">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <input type="hidden" name="version" value="{{ a.version }}">
  <label for="status-{{ a.id }}">Status</label>
  <select id="status-{{ a.id }}" name="status">
  {%- for value, label in statuses %}
    <option value="{{ value }}"{% if value == a.status %} selected{% endif %}>{{ label }}</option>
  {%- endfor %}
  </select>
  <label for="note-{{ a.id }}">Kommentar (valfri)</label>
  <textarea id="note-{{ a.id }}" name="note" maxlength="2000"></textarea>
  <button type="submit">Spara</button>
  <button type="button" hx-get="/assignments/{{ a.id }}">Avbryt</button>
</form>""",
    "row.html": """\
<li id="assignment-{{ a.id }}">
  <span class="status status-{{ a.status }}">{{ labels[a.status] }}</span>
  <button type="button" hx-get="/assignments/{{ a.id }}/status/edit">Ändra status</button>
</li>""",
}


class Base(DeclarativeBase):
    pass


class FloorUser(UserMixin, Base):
    __tablename__ = "floor_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))


class FloorAssignment(Base):
    __tablename__ = "floor_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


class FloorStatusChange(Base):
    __tablename__ = "floor_status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("floor_assignments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("floor_users.id"))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(2000))


class StatusForm(FlaskForm):
    status = SelectField(choices=STATUSES, validators=[InputRequired()])
    note = TextAreaField(validators=[Length(max=2000)])
    version = HiddenField()


class StackFloor:
    """The minimal app, its one user logged in on its own test client."""

    def __init__(self, uri: str) -> None:
        self.db = db = SQLAlchemy(model_class=Base)
        self.app = app = Flask(__name__)
        app.config.update(SECRET_KEY="bench-floor", SQLALCHEMY_DATABASE_URI=uri)
        app.jinja_loader = DictLoader(TEMPLATES)
        db.init_app(app)
        csrf = CSRFProtect(app)
        login_manager = LoginManager(app)
        login_manager.user_loader(lambda user_id: db.session.get(FloorUser, int(user_id)))
        labels = dict(STATUSES)

        @app.post("/login")
        @csrf.exempt
        def login() -> str:
            login_user(db.session.get(FloorUser, 1))
            return generate_csrf()  # the token a page would carry for its htmx requests

        @app.get("/assignments/<int:assignment_id>/status/edit")
        @login_required
        def edit(assignment_id: int) -> str:
            assignment = db.get_or_404(FloorAssignment, assignment_id)
            return render_template("editor.html", a=assignment, statuses=STATUSES)

        @app.post("/assignments/<int:assignment_id>/status")
        @login_required
        def save(assignment_id: int) -> Any:
            assignment = db.get_or_404(FloorAssignment, assignment_id)
            form = StatusForm()
            if not form.validate():
                return "invalid", 400
            if form.version.data != str(assignment.version):
                return "changed by someone else", 409
            assignment.status = form.status.data
            db.session.add(
                FloorStatusChange(
                    assignment_id=assignment.id,
                    user_id=current_user.id,
                    status=form.status.data,
                    note=form.note.data or "",
                )
            )
            db.session.commit()
            return render_template("row.html", a=assignment, labels=labels)

        with app.app_context():
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            db.session.add(FloorUser(id=1, email="floor@bench.example"))
            db.session.add(FloorAssignment(id=1, status="not_started", version=1))
            db.session.commit()
            self.engine = db.engine
        self.client: FlaskClient = app.test_client()
        token = self.client.post("/login").get_data(as_text=True)
        self.htmx = {"HX-Request": "true", "X-CSRFToken": token}

    def editor(self) -> Any:
        return self.client.get("/assignments/1/status/edit", headers=self.htmx)

    def next_save(self) -> dict[str, Any]:
        with self.app.app_context():
            assignment = self.db.session.get(FloorAssignment, 1)
            status = "ongoing" if assignment.status != "ongoing" else "in_progress"
            return {"data": {"status": status, "version": assignment.version, "note": ""}}

    def save(self, data: dict[str, Any]) -> Any:
        return self.client.post("/assignments/1/status", data=data, headers=self.htmx)


def floor_uri(workspace_uri: str) -> str:
    """SQLite: a file beside the workspace's; PostgreSQL: the same database, own tables."""
    url = make_url(workspace_uri)
    if url.get_backend_name() == "sqlite" and url.database:
        beside = str(Path(url.database).with_name("stack-floor.sqlite3"))
        return url.set(database=beside).render_as_string(hide_password=False)
    return workspace_uri
