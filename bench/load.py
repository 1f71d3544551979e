#!/usr/bin/env python3
"""Load without loss: many simulated users against gunicorn with several workers.

Prepares a fresh database the production way (`flask db upgrade`, `flask demo-data`, then
load-test users through the user service), starts `gunicorn --workers N` on a free port with
production configuration, and lets N simulated users (threads) view the plan overview and
activity pages, poll for live updates, change statuses in place and post comments for D
seconds. Then it stops the server and checks in the database that nothing was lost:

- no response was a server error (>= 500), a transport error or otherwise unexpected;
- every acknowledged comment is stored exactly once (each carries a unique marker);
- every acknowledged status change has its history row with the same marker as note, and no
  refused (409) save left one;
- every comment and history row has its audit row (a write is all or nothing);
- every assignment's status is the `to_status` of its newest history row, and each history
  row starts from the status the previous one ended at.

Results go to stdout and to `bench/results/load-<database>.json` and `.md`. The exit status
is 0 only when every check passed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workspace import create_app  # noqa: E402
from workspace.config import database_url  # noqa: E402
from workspace.extensions import db  # noqa: E402
from workspace.models import (  # noqa: E402
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Comment,
    Organisation,
    Plan,
    Role,
    StatusChange,
    User,
)
from workspace.policy import Action, can  # noqa: E402
from workspace.services import users as user_service  # noqa: E402

ORGANISATIONS = ("solleftea", "kramfors", "polisen")
# Both roles that may change statuses and comment; coordinators also report for partners.
ROLES = (Role.MEMBER, Role.COORDINATOR)
PASSWORD = "belastning-" + "x" * 12

# How often a simulated user does what: mostly reading and idle polls, as on a real day.
MIX = {"overview": 2, "activity": 3, "poll": 8, "status": 3, "comment": 2}
# Every answer a correct server may give per kind of request; anything else is an error.
EXPECTED = {
    "login_page": {200},
    "login": {303},
    "first_page": {200},
    "overview": {200},
    "activity": {200},
    "poll": {200, 204},
    "status_form": {200},
    "status": {200, 409},
    "comment": {200},
}
KIND_ORDER = tuple(EXPECTED)
# Logging in happens before the clock starts and is reported apart from the timed mix.
LOGIN_KINDS = ("login_page", "login", "first_page")

MARKER_LETTERS = string.ascii_lowercase
# Letters only, so a marker never looks like a personal identity number to the comment check.
MARKER = re.compile(r"lt-[a-z]{20}")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
POLL_URL = re.compile(r'id="live-poll" hx-get="([^"]+)"')
VERSION_FIELD = re.compile(r'<input[^>]*name="version"[^>]*value="(\d+)"')
WORKER_LINE = re.compile(r"worker=<?(\d+)>?")
OPTION = re.compile(r'<option([^>]*)value="([a-z_]+)"([^>]*)>')


def new_marker() -> str:
    return "lt-" + "".join(secrets.choice(MARKER_LETTERS) for _ in range(20))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Preparing the database -------------------------------------------------------------


@dataclass
class Target:
    """What the simulated users work on, read from the prepared database."""

    plan_id: int
    activity_ids: list[int]
    # organisation slug -> role -> [(assignment id, activity id)] that role may report
    changeable: dict[str, dict[str, list[tuple[int, int]]]]
    users: list[tuple[str, str, str]]  # (organisation slug, email, role)


def postgres_url(base: str) -> str:
    """A database of its own beside `base`, dropped and created again: the run never touches
    the database it was given (the test suite's, for instance)."""
    url = make_url(database_url({"DATABASE_URL": base}, ""))
    name = f"{url.database or 'samverkan'}_load"
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def server_environment(url: str, workdir: Path) -> dict[str, str]:
    """Production configuration, as an operator would set it."""
    return {
        **os.environ,
        "SAMVERKAN_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "HTMX_SOURCE": "local",
        "ATTACHMENT_DIR": str(workdir / "attachments"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "PYTHONPATH": str(ROOT),
    }


def prepare(env: dict[str, str], user_count: int) -> Target:
    """Schema and demo data through the operator commands, load users through the service."""
    flask = [sys.executable, "-m", "flask", "--app", "workspace"]
    for command in (["db", "upgrade"], ["demo-data"]):
        done = subprocess.run(flask + command, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"]})
    with app.app_context():
        orgs = {
            org.slug: org
            for org in db.session.execute(
                select(Organisation).where(Organisation.slug.in_(ORGANISATIONS))
            ).scalars()
        }
        accounts: list[tuple[str, str, str]] = []
        someone: dict[tuple[str, Role], User] = {}
        for n in range(user_count):
            slug = ORGANISATIONS[n % len(ORGANISATIONS)]
            role = ROLES[(n // len(ORGANISATIONS)) % len(ROLES)]
            email = f"last{n + 1:03d}@{slug}.example"
            user = user_service.create_user(
                orgs[slug], email=email, name=f"Last Testare {n + 1}", role=role, password=PASSWORD
            )
            someone.setdefault((slug, role), user)
            accounts.append((slug, email, role.value))
        db.session.commit()
        plan = db.session.execute(select(Plan).order_by(Plan.id)).scalars().first()
        assert plan is not None, "the demo data has no plan"
        activity_ids = list(
            db.session.execute(
                select(Activity.id)
                .join(Area)
                .where(Area.plan_id == plan.id, Activity.archived_at.is_(None))
                .order_by(Activity.id)
            ).scalars()
        )
        assignments = list(
            db.session.execute(
                select(Assignment)
                .where(Assignment.activity_id.in_(activity_ids), Assignment.archived_at.is_(None))
                .order_by(Assignment.id)
            ).scalars()
        )
        # The policy decides what each kind of user may report, as it does in the app.
        changeable: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
        for (slug, role), user in someone.items():
            changeable[slug][role.value] = [
                (a.id, a.activity_id) for a in assignments if can(user, Action.CHANGE_STATUS, a)
            ]
        target = Target(plan.id, activity_ids, changeable, accounts)
        db.session.rollback()
        db.engine.dispose()
    return target


# --- The server ---------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--chdir",
                str(ROOT),
                # Which worker process answered each request, to show that all of them did.
                "--access-logfile",
                str(log.with_name("access.log")),
                "--access-logformat",
                "worker=%(p)s",
                "workspace:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log.read_text()[-3000:]}")
            try:
                conn = HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def requests_per_worker(self) -> dict[str, int]:
        access = self.log.with_name("access.log")
        lines = access.read_text().splitlines() if access.exists() else []
        return dict(Counter(m.group(1) for line in lines if (m := WORKER_LINE.match(line))))

    def logged_errors(self) -> list[str]:
        """Lines where a worker logged an exception or was killed."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [
            line
            for line in lines
            if "Traceback" in line or "[ERROR]" in line or "WORKER TIMEOUT" in line
        ]


# --- Simulated users ----------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    status: int  # 0 when the request failed before an answer
    seconds: float
    error: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def wrote(self, bucket: list[dict[str, Any]], item: dict[str, Any]) -> None:
        with self.lock:
            bucket.append(item)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


class SimulatedUser(threading.Thread):
    """One person with a browser: their own cookies, CSRF token and open page."""

    def __init__(
        self,
        number: int,
        account: tuple[str, str, str],
        target: Target,
        port: int,
        recorder: Recorder,
        start: threading.Barrier,
        stop_at: list[float],
        think: float,
    ) -> None:
        super().__init__(name=f"user-{number}", daemon=True)
        self.organisation, self.email, self.role = account
        self.target = target
        self.port = port
        self.recorder = recorder
        self.start_barrier = start
        self.stop_at = stop_at
        self.think = think
        self.random = random.Random(number)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.poll_url = ""
        self.page_url = f"/plans/{target.plan_id}"
        self.logged_in = False

    # HTTP, one connection per request as gunicorn's sync workers close it after each answer.
    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        htmx: bool = False,
    ) -> Response | None:
        headers = {"Accept-Language": "sv"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.csrf:
                headers["X-CSRFToken"] = self.csrf
        started = time.perf_counter()
        try:
            conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            conn.close()
        except OSError as exc:
            self.recorder.add(
                Sample(kind, 0, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            )
            return None
        elapsed = time.perf_counter() - started
        for header in raw.headers.get_all("Set-Cookie") or []:
            # The cookies are Secure in production; this client keeps them over plain HTTP.
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        error = "" if raw.status in EXPECTED[kind] else f"unexpected {raw.status} for {path}"
        self.recorder.add(Sample(kind, raw.status, elapsed, error))
        return Response(raw.status, dict(raw.headers), text)

    def remember_page(self, response: Response | None, path: str) -> None:
        if response is None or response.status != 200:
            return
        if found := CSRF_HEADER.search(response.body):
            self.csrf = found.group(1)
        if found := POLL_URL.search(response.body):
            self.poll_url = html.unescape(found.group(1))
            self.page_url = path

    def login(self) -> None:
        page = self.request("login_page", "GET", "/login")
        if page is None or not (found := CSRF_FIELD.search(page.body)):
            return
        form = {
            "csrf_token": html.unescape(found.group(1)),
            "organisation": self.organisation,
            "email": self.email,
            "password": PASSWORD,
        }
        answer = self.request("login", "POST", "/login", form)
        self.logged_in = answer is not None and answer.status == 303

    def overview(self) -> None:
        path = f"/plans/{self.target.plan_id}"
        self.remember_page(self.request("overview", "GET", path), path)

    def activity(self) -> None:
        path = f"/activities/{self.random.choice(self.target.activity_ids)}"
        self.remember_page(self.request("activity", "GET", path), path)

    def poll(self) -> None:
        if not self.poll_url:
            self.overview()
            return
        answer = self.request("poll", "GET", self.poll_url, htmx=True)
        # An answer with changes carries the poller again, with the marker moved on.
        if answer is not None and answer.status == 200 and (found := POLL_URL.search(answer.body)):
            self.poll_url = html.unescape(found.group(1))

    def change_status(self) -> None:
        choices = self.target.changeable[self.organisation][self.role]
        assignment_id, activity_id = self.random.choice(choices)
        page = f"/activities/{activity_id}"
        form_page = self.request(
            "status_form",
            "GET",
            f"/assignments/{assignment_id}/status/edit?" + urlencode({"next": page}),
            htmx=True,
        )
        if form_page is None or not (found := VERSION_FIELD.search(form_page.body)):
            return
        current = next(
            (
                value
                for before, value, after in OPTION.findall(form_page.body)
                if "selected" in before + after
            ),
            "",
        )
        new_status = self.random.choice([s.value for s in AssignmentStatus if s.value != current])
        # A person takes a moment to choose; others may save the same assignment meanwhile.
        time.sleep(self.random.uniform(0, self.think))
        marker = new_marker()
        answer = self.request(
            "status",
            "POST",
            f"/assignments/{assignment_id}/status",
            {
                "status": new_status,
                "note": f"Belastningstest {marker}",
                "version": found.group(1),
                "next": page,
            },
            htmx=True,
        )
        if answer is None:
            return
        record = {"assignment_id": assignment_id, "to_status": new_status, "marker": marker}
        if answer.status == 200:
            self.recorder.wrote(self.recorder.changes, record)
        elif answer.status == 409:
            self.recorder.wrote(self.recorder.conflicts, record)

    def comment(self) -> None:
        activity_id = self.random.choice(self.target.activity_ids)
        marker = new_marker()
        visibility = self.random.choice(("shared", "internal"))
        answer = self.request(
            "comment",
            "POST",
            f"/activities/{activity_id}/comments",
            {"body": f"Belastningstest {marker}", "visibility": visibility},
            htmx=True,
        )
        if answer is not None and answer.status == 200:
            self.recorder.wrote(
                self.recorder.comments,
                {"activity_id": activity_id, "visibility": visibility, "marker": marker},
            )

    def run(self) -> None:
        self.login()
        if self.logged_in:
            path = f"/plans/{self.target.plan_id}"
            self.remember_page(self.request("first_page", "GET", path), path)
        self.start_barrier.wait()
        if not self.logged_in:
            return
        actions = {
            "overview": self.overview,
            "activity": self.activity,
            "poll": self.poll,
            "status": self.change_status,
            "comment": self.comment,
        }
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.stop_at[0]:
            actions[self.random.choices(kinds, weights)[0]]()
            time.sleep(self.random.uniform(0, self.think))


# --- Checking and reporting ---------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(p / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1] * 1000


def latency_table(samples: list[Sample], seconds: float) -> list[dict[str, Any]]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    rows = []
    groups = [(k, by_kind[k]) for k in KIND_ORDER if by_kind[k]]
    groups.append(
        (
            "all (timed phase)",
            [s for s in samples if s.kind not in LOGIN_KINDS],
        )
    )
    for kind, group in groups:
        times = sorted(s.seconds for s in group)
        rows.append(
            {
                "kind": kind,
                "requests": len(group),
                "per_second": round(len(group) / seconds, 1) if seconds else 0,
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "p99_ms": round(percentile(times, 99), 1),
                "statuses": dict(sorted(Counter(str(s.status) for s in group).items())),
            }
        )
    return rows


def verify(env: dict[str, str], recorder: Recorder) -> dict[str, Any]:
    """Compare what the clients were told with what the database holds."""
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"]})
    with app.app_context():
        comment_ids: dict[str, int] = {}
        stored_comments: Counter[str] = Counter()
        for comment_id, body in db.session.execute(select(Comment.id, Comment.body)):
            for found in MARKER.findall(body):
                stored_comments[found] += 1
                comment_ids[found] = comment_id
        audited = Counter(
            (row.action, row.object_id)
            for row in db.session.execute(
                select(AuditEvent.action, AuditEvent.object_id).where(
                    AuditEvent.action.in_(("assignment.status_changed", "comment.posted"))
                )
            )
        )
        history = list(db.session.execute(select(StatusChange).order_by(StatusChange.id)).scalars())
        statuses = {
            row.id: row.status
            for row in db.session.execute(select(Assignment.id, Assignment.status))
        }
        db.engine.dispose()

    missing_comments = [c for c in recorder.comments if stored_comments[c["marker"]] == 0]
    duplicated_comments = [c for c in recorder.comments if stored_comments[c["marker"]] > 1]

    by_marker: dict[str, list[StatusChange]] = defaultdict(list)
    per_assignment: dict[int, list[StatusChange]] = defaultdict(list)
    for change in history:
        per_assignment[change.assignment_id].append(change)
        for found in MARKER.findall(change.note or ""):
            by_marker[found].append(change)
    missing_changes = [
        c
        for c in recorder.changes
        if not any(
            row.assignment_id == c["assignment_id"] and row.to_status.value == c["to_status"]
            for row in by_marker[c["marker"]]
        )
    ]
    duplicated_changes = [c for c in recorder.changes if len(by_marker[c["marker"]]) > 1]
    refused_but_written = [c for c in recorder.conflicts if by_marker[c["marker"]]]

    # A write is all or nothing: each comment and each history row has its audit row.
    unaudited = [
        f"comment {comment_ids[c['marker']]}"
        for c in recorder.comments
        if c["marker"] in comment_ids and not audited["comment.posted", comment_ids[c["marker"]]]
    ] + [
        f"assignment {assignment_id}: {len(rows)} history rows, "
        f"{audited['assignment.status_changed', assignment_id]} audit rows"
        for assignment_id, rows in per_assignment.items()
        if len(rows) != audited["assignment.status_changed", assignment_id]
    ]

    inconsistent = []
    for assignment_id, status in statuses.items():
        rows = per_assignment.get(assignment_id, [])
        newest = rows[-1].to_status if rows else AssignmentStatus.NOT_STARTED
        broken_chain = [
            later.id
            for earlier, later in itertools.pairwise(rows)
            if later.from_status != earlier.to_status
        ]
        if status != newest or broken_chain:
            inconsistent.append(
                {
                    "assignment_id": assignment_id,
                    "status": status.value,
                    "newest_history": newest.value,
                    "rows_not_following_the_previous": broken_chain,
                }
            )
    return {
        "comments_acknowledged": len(recorder.comments),
        "comments_found": len(recorder.comments) - len(missing_comments),
        "comments_missing": missing_comments,
        "comments_duplicated": duplicated_comments,
        "status_changes_acknowledged": len(recorder.changes),
        "status_changes_found": len(recorder.changes) - len(missing_changes),
        "status_changes_missing": missing_changes,
        "status_changes_duplicated": duplicated_changes,
        "conflicts_409": len(recorder.conflicts),
        "conflicts_written_anyway": refused_but_written,
        "writes_without_audit_row": unaudited,
        "assignments_checked": len(statuses),
        "assignments_inconsistent": inconsistent,
    }


def write_reports(result: dict[str, Any], results_dir: Path) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    name = f"load-{result['settings']['database']}"
    json_path, md_path = results_dir / f"{name}.json", results_dir / f"{name}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(result))
    return json_path, md_path


def markdown(result: dict[str, Any]) -> str:
    s, v = result["settings"], result["verification"]
    lines = [
        f"# Load test on {s['database']}",
        "",
        f"{s['started']}: {s['users']} simulated users for {s['seconds']} s against gunicorn "
        f"with {s['workers']} workers × {s['threads']} thread(s), production configuration, "
        f"think time up to {s['think']} s between requests. Machine: {s['machine']}; "
        f"load average {' / '.join(map(str, s['load_average_at_start']))} (1/5/15 min) "
        "when the run started.",
        "",
    ]
    if s.get("caveat"):
        lines += [f"> {s['caveat']}", ""]
    lines += [
        "| request | count | per second | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in result["latency"]:
        statuses = ", ".join(f"{k}: {n}" for k, n in row["statuses"].items())
        lines.append(
            f"| {row['kind']} | {row['requests']} | {row['per_second']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {statuses} |"
        )
    lines += [
        "",
        "| check | result |",
        "|---|---|",
        f"| server errors (>= 500) | {result['server_errors']} |",
        f"| transport errors (no answer) | {result['transport_errors']} |",
        f"| other unexpected answers | {result['unexpected_answers']} |",
        f"| exceptions in the server log | {len(result['server_log_errors'])} |",
        f"| requests answered per worker process | "
        f"{', '.join(str(n) for n in result['requests_per_worker'].values())} |",
        f"| comments acknowledged / found once | {v['comments_acknowledged']} / "
        f"{v['comments_found'] - len(v['comments_duplicated'])} |",
        f"| status changes acknowledged / found with history | "
        f"{v['status_changes_acknowledged']} / {v['status_changes_found']} |",
        f"| refused saves (409, not acknowledged) / written anyway | {v['conflicts_409']} / "
        f"{len(v['conflicts_written_anyway'])} |",
        f"| writes without their audit row | {len(v['writes_without_audit_row'])} |",
        f"| assignments with status ≠ newest history | {len(v['assignments_inconsistent'])} "
        f"of {v['assignments_checked']} |",
        "",
        f"**{'PASSED' if result['passed'] else 'FAILED'}**"
        + ("" if result["passed"] else ": " + "; ".join(result["failures"])),
        "",
    ]
    return "\n".join(lines)


def print_summary(result: dict[str, Any]) -> None:
    columns = ("count", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"\n{'request':<20}" + "".join(f"{c:>9}" for c in columns) + "  statuses")
    for row in result["latency"]:
        statuses = " ".join(f"{k}:{n}" for k, n in row["statuses"].items())
        print(
            f"{row['kind']:<20}{row['requests']:>9}{row['per_second']:>9}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['p99_ms']:>9}  {statuses}"
        )
    v = result["verification"]
    print(
        f"\nserver errors {result['server_errors']}, transport errors "
        f"{result['transport_errors']}, unexpected answers {result['unexpected_answers']}, "
        f"server log exceptions {len(result['server_log_errors'])}; requests per worker "
        f"{sorted(result['requests_per_worker'].values())}"
    )
    print(
        f"comments acknowledged {v['comments_acknowledged']}, found {v['comments_found']} "
        f"(duplicated {len(v['comments_duplicated'])}); status changes acknowledged "
        f"{v['status_changes_acknowledged']}, found {v['status_changes_found']} "
        f"(duplicated {len(v['status_changes_duplicated'])}); 409 conflicts "
        f"{v['conflicts_409']} (written anyway {len(v['conflicts_written_anyway'])}); "
        f"inconsistent assignments {len(v['assignments_inconsistent'])}"
        f"/{v['assignments_checked']}; "
        f"writes without audit row {len(v['writes_without_audit_row'])}"
    )
    print("PASSED" if result["passed"] else "FAILED: " + "; ".join(result["failures"]))


def failures_of(result: dict[str, Any], users: int) -> list[str]:
    v = result["verification"]
    failures = []
    if result["logged_in"] < users:
        failures.append(f"only {result['logged_in']} of {users} users could log in")
    if result["server_errors"]:
        failures.append(f"{result['server_errors']} server errors")
    if result["transport_errors"]:
        failures.append(f"{result['transport_errors']} requests without an answer")
    if result["unexpected_answers"]:
        failures.append(f"{result['unexpected_answers']} unexpected answers")
    if len(result["requests_per_worker"]) < result["settings"]["workers"]:
        failures.append("not every worker answered requests")
    if result["server_log_errors"]:
        failures.append(f"{len(result['server_log_errors'])} errors in the server log")
    if v["comments_missing"] or v["comments_duplicated"]:
        failures.append("acknowledged comments missing or duplicated")
    if v["status_changes_missing"] or v["status_changes_duplicated"]:
        failures.append("acknowledged status changes missing or duplicated")
    if v["conflicts_written_anyway"]:
        failures.append("refused (409) status changes were written")
    if v["writes_without_audit_row"]:
        failures.append("writes without their audit row")
    if v["assignments_inconsistent"]:
        failures.append("statuses inconsistent with their history")
    if not (v["comments_acknowledged"] and v["status_changes_acknowledged"]):
        failures.append("the run acknowledged no comment or no status change: nothing was tested")
    return failures


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="samverkan-load-"))
    if args.database == "sqlite":
        url = f"sqlite:///{workdir / 'samverkan.sqlite3'}"
    else:
        base = args.database_url or os.environ.get("DATABASE_URL", "")
        if not base:
            raise SystemExit("--database postgresql needs --database-url or DATABASE_URL")
        url = postgres_url(base)
    env = server_environment(url, workdir)
    print(f"Preparing the {args.database} database and {args.users} users…", flush=True)
    target = prepare(env, args.users)
    server = Server(env, args.workers, args.threads, workdir / "gunicorn.log")
    recorder = Recorder()
    try:
        server.wait_ready()
        barrier = threading.Barrier(args.users + 1)
        stop_at = [float("inf")]
        crowd = [
            SimulatedUser(n, account, target, server.port, recorder, barrier, stop_at, args.think)
            for n, account in enumerate(target.users)
        ]
        login_started = time.monotonic()
        for user in crowd:
            user.start()
        barrier.wait()
        login_seconds = time.monotonic() - login_started
        logged_in = sum(user.logged_in for user in crowd)
        print(f"{logged_in} users logged in; running for {args.seconds} s…", flush=True)
        started = time.monotonic()
        stop_at[0] = started + args.seconds
        for user in crowd:
            user.join()
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    samples = recorder.samples
    logging_in = [s for s in samples if s.kind in LOGIN_KINDS]
    timed = [s for s in samples if s.kind not in LOGIN_KINDS]
    result: dict[str, Any] = {
        "settings": {
            "database": args.database,
            "users": args.users,
            "seconds": args.seconds,
            "workers": args.workers,
            "threads": args.threads,
            "think": args.think,
            "mix": MIX,
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} CPU cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}",
            "load_average_at_start": [round(x, 1) for x in load_at_start],
            "caveat": args.caveat,
        },
        "elapsed_seconds": round(elapsed, 1),
        "logged_in": logged_in,
        "latency": latency_table(logging_in, login_seconds)[:-1] + latency_table(timed, elapsed),
        "server_errors": sum(s.status >= 500 for s in samples),
        "transport_errors": sum(s.status == 0 for s in samples),
        "unexpected_answers": sum(bool(s.error) and 0 < s.status < 500 for s in samples),
        "error_examples": sorted({s.error for s in samples if s.error})[:20],
        "server_log_errors": server.logged_errors()[:50],
        "requests_per_worker": server.requests_per_worker(),
        "verification": verify(env, recorder),
    }
    result["failures"] = failures_of(result, args.users)
    result["passed"] = not result["failures"]
    if result["passed"]:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"The database and the server's logs are kept in {workdir}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to use (default DATABASE_URL); the run creates and uses a "
        "database named <name>_load beside the given one",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--think", type=float, default=0.5, help="longest pause of a user between requests (s)"
    )
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--caveat", default="", help="a note printed at the top of the report")
    args = parser.parse_args(argv)
    result = run(args)
    print_summary(result)
    json_path, md_path = write_reports(result, args.results_dir)
    print(f"Wrote {json_path} and {md_path}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
