"""How fast the workspace is, at the seed plan's size and at 10 (and optionally 100) times it.

`bench/run` builds the demo workspace and grows its plan through the services
(`grow.py`), once per size into a cache, then measures in-process with the Flask test
client, after warm-up, the pages a user works with: SQL queries per request, median and p95
time, and response size. A baseline renders the same overview HTML from data already in
memory; each page's time is also given as a ratio to it, so results compare across machines.
At 1x, the inline editor and status save are also measured as the stack alone would serve them
(`stack_floor.py`). The targets are ratios between requests measured in turn in the same run
(the machine's speed cancels out), plus query counts and response sizes; they are printed as
pass/fail and the results are written as JSON to `bench/results/`.

SQLite by default; with `DATABASE_URL` set to PostgreSQL (e.g. under `scripts/with-postgres`)
it measures there, caching each built database as a `pg_dump` file.
"""

from __future__ import annotations

import argparse
import contextvars
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_login import login_user
from flask_migrate import upgrade
from grow import grow_plan
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from stack_floor import StackFloor, floor_uri

from workspace import create_app
from workspace.extensions import db
from workspace.models import Activity, Area, Assignment, Comment, Plan, StatusChange, User
from workspace.services import demo, users
from workspace.services.live import current_marker
from workspace.web import page_context

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Bump when `grow.grow_plan` changes what it builds, so cached databases are rebuilt.
BUILD_VERSION = 1
USER = ("kramfors", "handlaggare")  # a member: reads everything, saves Kramfors' statuses

# The targets (issues #8 and #16): times only as ratios measured in the same run.
MAX_OVERVIEW_QUERIES = 10
MAX_POLL_QUERIES = 1
MAX_GROWTH_10X = 12.0
MAX_BASELINE_RATIO = 2.0  # the overview / its HTML rendered from memory, at every size
MAX_FLOOR_RATIO = 2.0  # the editor and the status save / the stack alone, at 1x
MAX_FRAGMENT_BYTES = 4 * 1024
MAX_OVERVIEW_TRANSFER = 60 * 1024


def app_for(uri: str) -> Flask:
    return create_app(
        {
            "SAMVERKAN_ENV": "testing",
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": uri,
            # Pages load htmx from the CDN, as in production: it is not the app's weight.
            "HTMX_SOURCE": "cdn",
            "WTF_CSRF_ENABLED": True,
        }
    )


def build(app: Flask, factor: int) -> None:
    """The demo workspace, its plan grown `factor` times, through the services."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # A file nobody reads until it is built need not be flushed to disk per commit.
            event.listen(
                db.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF")
            )
        upgrade()
        demo.load_demo_data()
        plan = db.session.execute(select(Plan).order_by(Plan.id)).scalars().first()
        grow_plan(plan, factor)
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()


class SqliteStore:
    """Built databases cached as files; each run works on a copy."""

    dialect = "sqlite"

    def __init__(self, cache: Path, work: Path) -> None:
        self.cache, self.work = cache, work

    def database(self, factor: int) -> str:
        cached = self.cache / f"plan-{factor}x-v{BUILD_VERSION}.sqlite3"
        if not cached.exists():
            building = self.work / f"building-{factor}x.sqlite3"
            started = time.perf_counter()
            build(app_for(f"sqlite:///{building}"), factor)
            print(f"  built {factor}x in {time.perf_counter() - started:.0f} s", flush=True)
            shutil.move(building, cached)
        target = self.work / f"plan-{factor}x.sqlite3"
        shutil.copyfile(cached, target)
        return f"sqlite:///{target}"


class PostgresStore:
    """Built databases cached as `pg_dump` files, restored into a fresh database per run."""

    dialect = "postgresql"

    def __init__(self, url: str, cache: Path) -> None:
        self.url = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.cache = cache
        self.bin = _pg_bin()

    def _libpq(self, database: str) -> list[str]:
        url = self.url.set(drivername="postgresql", database=database)
        return [url.render_as_string(hide_password=False)]

    def _recreate(self, database: str) -> str:
        admin = self._libpq("postgres")
        drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
        for statement in (drop, f'CREATE DATABASE "{database}"'):
            subprocess.run([f"{self.bin}/psql", "-q", *admin, "-c", statement], check=True)
        return self.url.set(database=database).render_as_string(hide_password=False)

    def database(self, factor: int) -> str:
        cached = self.cache / f"plan-{factor}x-v{BUILD_VERSION}.pgdump"
        name = f"bench_{factor}x"
        uri = self._recreate(name)
        if cached.exists():
            subprocess.run(
                [f"{self.bin}/pg_restore", "--no-owner", "-d", *self._libpq(name), str(cached)],
                check=True,
            )
        else:
            started = time.perf_counter()
            build(app_for(uri), factor)
            print(f"  built {factor}x in {time.perf_counter() - started:.0f} s", flush=True)
            partial = cached.with_suffix(".partial")
            subprocess.run(
                [f"{self.bin}/pg_dump", "-Fc", "-f", str(partial), *self._libpq(name)], check=True
            )
            partial.rename(cached)
        subprocess.run([f"{self.bin}/psql", "-q", *self._libpq(name), "-c", "ANALYZE"], check=True)
        return uri


def _pg_bin() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return str(found[-1]) if found else ""


# --- Measuring ---------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    queries: int
    median_ms: float
    p95_ms: float
    bytes: int
    status: int
    wall_median_ms: float
    cpu_median_ms: float
    ratio: float | None = None  # median time / the in-memory baseline's median time


@dataclass
class SizeResult:
    factor: int
    dialect: str
    activities: int
    assignments: int
    comments: int
    status_changes: int
    pages: dict[str, Measurement] = field(default_factory=dict)
    overview_transfer: dict[str, int] = field(default_factory=dict)


def clock_for(dialect: str) -> str:
    """SQLite works inside this process, so its CPU time is the whole cost of a request and
    is not inflated by other programs on a shared machine. PostgreSQL works in its own
    processes: there the time is this process's CPU time plus the time it spent off the CPU
    waiting for the server's answers, so the database's share counts."""
    return "cpu" if dialect == "sqlite" else "cpu+db"


class QueryCounter:
    """Counts the SQL statements sent to the database while `counting` is on."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self.on = False
        self.clock = clock_for(engine.dialect.name)
        self.waited = 0.0
        self._sent = self._sent_cpu = 0.0
        self.watch(engine)

    def watch(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "after_cursor_execute", self._answered)

    def _seen(self, *args: Any) -> None:
        if self.on:
            self.count += 1
            self._sent, self._sent_cpu = time.perf_counter(), time.process_time()

    def _answered(self, *args: Any) -> None:
        # Only the time off this process's CPU is waiting: what the driver itself computes
        # meanwhile is in the CPU time already (counted twice, a page took longer than the
        # wall clock said).
        if self.on:
            wall = time.perf_counter() - self._sent
            self.waited += max(0.0, wall - (time.process_time() - self._sent_cpu))

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.count, self.waited, self.on = 0, 0.0, True
        try:
            yield
        finally:
            self.on = False


@dataclass
class Page:
    """One kind of request: `call` makes it (a test-client request), `prepare` finds its
    arguments beforehand, unmeasured."""

    name: str
    call: Callable[..., Any]
    prepare: Callable[[], dict[str, Any]] = dict
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    cpu_db: list[float] = field(default_factory=list)
    counts: set[int] = field(default_factory=set)
    response: Any = None

    def sample(self, counter: QueryCounter) -> None:
        arguments = self.prepare()
        with counter.counting():
            started, started_cpu = time.perf_counter(), time.process_time()
            self.response = self.call(**arguments)
            self.cpu.append((time.process_time() - started_cpu) * 1000)
            self.wall.append((time.perf_counter() - started) * 1000)
        self.cpu_db.append(self.cpu[-1] + counter.waited * 1000)
        self.counts.add(counter.count)

    def measurement(self, clock: str) -> Measurement:
        times = sorted(self.cpu if clock == "cpu" else self.cpu_db)
        return Measurement(
            name=self.name,
            # The most a request needed: any variation would be a finding in itself.
            queries=max(self.counts),
            median_ms=statistics.median(times),
            p95_ms=times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            bytes=len(self.response.get_data()),
            status=self.response.status_code,
            wall_median_ms=statistics.median(self.wall),
            cpu_median_ms=statistics.median(self.cpu),
        )


def timed(
    counter: QueryCounter, pages: list[Page], warmup: int, repeat: int
) -> dict[str, Measurement]:
    """Warm every page up, then measure them in turn, one request each per round: a machine
    that slows down for a while (a shared host) slows every page alike, so the ratios hold."""
    for page in pages:
        for _ in range(warmup):
            page.call(**page.prepare())
    for _ in range(repeat):
        for page in pages:
            page.sample(counter)
    return {page.name: page.measurement(counter.clock) for page in pages}


CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|"X-CSRFToken": *"([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html) or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)


def login(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page),
            "organisation": USER[0],
            "email": f"{USER[1]}@{USER[0]}.example",
            "password": demo.DEMO_PASSWORD,
        },
    )
    assert response.status_code == 303, "the benchmark user cannot log in"


def transfer_size(client: FlaskClient, path: str) -> dict[str, int]:
    """Bytes the browser receives for the page, its stylesheets and its own scripts, asking
    for gzip as browsers do. htmx from the CDN is not counted."""
    asked = {"Accept-Encoding": "gzip"}
    page = client.get(path, headers=asked)
    html = gzip.decompress(page.get_data()) if _gzipped(page) else page.get_data()
    sizes = {"html": len(page.get_data())}
    for asset in re.findall(
        r'(?:href|src)="(/static/[^"]+\.(?:css|js))(?:\?[^"]*)?"', html.decode()
    ):
        response = client.get(asset, headers=asked)
        sizes[asset] = len(response.get_data())
        response.close()
    sizes["total"] = sum(sizes.values())
    return sizes


def _gzipped(response: Any) -> bool:
    return response.headers.get("Content-Encoding") == "gzip"


def measure_size(uri: str, factor: int, warmup: int, repeat: int) -> SizeResult:
    app = app_for(uri)
    with app.app_context():
        upgrade()  # a cached database gets the indexes added since it was built
        counter = QueryCounter(db.engine)
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        plan = db.session.execute(select(Plan).order_by(Plan.id)).scalars().first()
        result = SizeResult(
            factor,
            db.engine.dialect.name,
            count(Activity),
            count(Assignment),
            count(Comment),
            count(StatusChange),
        )
        user = users.find_user(*USER[:1], f"{USER[1]}@{USER[0]}.example")
        # The first activity of the first area: Kramfors' ION reports on it.
        assignment = (
            db.session.execute(
                select(Assignment)
                .join(Activity)
                .join(Area)
                .where(Area.plan_id == plan.id, Area.position == 1, Activity.position == 3)
                .where(Assignment.function.has(organisation_id=user.organisation_id))
                .order_by(Assignment.id)
            )
            .scalars()
            .first()
        )
        plan_id, assignment_id, user_id = plan.id, assignment.id, user.id
        # Pages are measured in turn with the writes: the activity page shown is neither the
        # one whose status is saved nor the one commented on, so it keeps its size.
        activity_id, discussed_id = db.session.scalars(
            select(Activity.id)
            .join(Area)
            .where(Area.plan_id == plan_id, Activity.id != assignment.activity_id)
            .order_by(Activity.id)
            .limit(2)
        ).all()
        db.session.remove()

    client = app.test_client()
    login(client)
    overview_url = f"/plans/{plan_id}"
    activity_url = f"/activities/{activity_id}"
    token = csrf_token(client.get(overview_url).get_data(as_text=True))
    htmx = {"HX-Request": "true", "X-CSRFToken": token}

    statuses = iter(["in_progress", "ongoing"] * 100_000)

    # These helpers leave their session to the app context's teardown, as a request does:
    # removing it themselves would roll back, and on PostgreSQL psycopg would then forget the
    # statements it had prepared for the pages measured in between.
    def next_save() -> dict[str, Any]:
        with app.app_context():
            version = db.session.get(Assignment, assignment_id).version
        return {"data": {"status": next(statuses), "version": version, "next": overview_url}}

    def save_status(data: dict[str, Any]) -> Any:
        return client.post(f"/assignments/{assignment_id}/status", data=data, headers=htmx)

    def idle_marker() -> dict[str, Any]:
        with app.app_context():
            marker = current_marker(db.session.get(User, user_id), plan_id=plan_id)
        return {"query": f"since={marker.status_change}&comments={marker.comment}"}

    def poll(query: str) -> Any:
        return client.get(f"/plans/{plan_id}/updates?{query}", headers={"HX-Request": "true"})

    pages = [
        Page("overview", lambda: client.get(overview_url)),
        Page("activity", lambda: client.get(activity_url)),
        Page(
            "editor",
            lambda: client.get(
                f"/assignments/{assignment_id}/status/edit?next={overview_url}", headers=htmx
            ),
        ),
        Page("status_save", save_status, next_save),
        Page(
            "comment_post",
            lambda: client.post(
                f"/activities/{discussed_id}/comments",
                data={"body": "Mätning: en kommentar från benchmarken.", "visibility": "shared"},
                headers=htmx,
            ),
        ),
        Page("poll", poll, idle_marker),
        baseline(app, plan_id),
    ]
    # The stack alone, beside the targets it bears on (editor and save at 1x).
    stack = StackFloor(floor_uri(uri)) if factor == 1 else None
    if stack:
        counter.watch(stack.engine)
        pages += [
            Page("floor_editor", stack.editor),
            Page("floor_save", stack.save, stack.next_save),
        ]
    result.pages = timed(counter, pages, warmup, repeat)
    base = result.pages["baseline"].median_ms
    for measured in result.pages.values():
        measured.ratio = measured.median_ms / base
    result.overview_transfer = transfer_size(client, overview_url)
    with app.app_context():
        db.engine.dispose()
    if stack:
        stack.engine.dispose()
    return result


def baseline(app: Flask, plan_id: int) -> Page:
    """The overview's HTML rendered from its view-model already in memory: what the page
    would cost if the database answered in no time.

    Its request context lives in a context of its own (Flask keeps contexts in context
    variables), so the test client's requests, measured in turn with it, still get a fresh
    app context and database session each, as in production."""
    isolated = contextvars.copy_context()

    def load() -> dict[str, Any]:
        app.test_request_context(f"/plans/{plan_id}").push()
        login_user(users.find_user(USER[0], f"{USER[1]}@{USER[0]}.example"))
        return page_context.overview_context(plan_id, {})

    context = isolated.run(load)

    class Rendered:
        def __init__(self, html: str) -> None:
            self.html, self.status_code = html, 200

        def get_data(self) -> bytes:
            return self.html.encode()

    return Page(
        "baseline",
        lambda: isolated.run(lambda: Rendered(render_template("plans/overview.html", **context))),
    )


# --- Targets and output ------------------------------------------------------------------


@dataclass
class Check:
    target: str
    measured: str
    met: bool


def checks(results: dict[int, SizeResult]) -> list[Check]:
    """The targets, each with what was measured."""
    found: list[Check] = []
    sizes = sorted(results)
    overview_queries = {f: results[f].pages["overview"].queries for f in sizes}
    for page in ("overview", "activity", "poll"):
        per_size = {f: results[f].pages[page].queries for f in sizes}
        found.append(
            Check(
                f"{page}: the same number of queries at every size",
                ", ".join(f"{f}x: {n}" for f, n in per_size.items()),
                len(set(per_size.values())) == 1,
            )
        )
    found.append(
        Check(
            f"overview: at most {MAX_OVERVIEW_QUERIES} queries",
            f"{max(overview_queries.values())}",
            max(overview_queries.values()) <= MAX_OVERVIEW_QUERIES,
        )
    )
    for f in sizes:
        poll = results[f].pages["poll"]
        found.append(
            Check(
                f"idle poll at {f}x: at most {MAX_POLL_QUERIES} query, answers 204",
                f"{poll.queries} queries, {poll.status}",
                poll.queries <= MAX_POLL_QUERIES and poll.status == 204,
            )
        )
    if 1 in results and 10 in results:
        growth = results[10].pages["overview"].median_ms / results[1].pages["overview"].median_ms
        found.append(
            Check(
                f"overview at 10x: at most {MAX_GROWTH_10X:g}x its time at 1x",
                f"{growth:.1f}x",
                growth <= MAX_GROWTH_10X,
            )
        )
    for f in sizes:
        ratio = results[f].pages["overview"].ratio or 0
        found.append(
            Check(
                f"overview at {f}x: at most {MAX_BASELINE_RATIO:g}x the in-memory baseline",
                f"{ratio:.2f}x",
                ratio <= MAX_BASELINE_RATIO,
            )
        )
    if 1 in results:
        seed = results[1]
        for page, floor in (("editor", "floor_editor"), ("status_save", "floor_save")):
            measured, stack = seed.pages[page].median_ms, seed.pages[floor].median_ms
            found.append(
                Check(
                    f"{page} at 1x: at most {MAX_FLOOR_RATIO:g}x the stack alone ({floor})",
                    f"{measured / stack:.2f}x ({measured:.2f} ms / {stack:.2f} ms)",
                    measured <= MAX_FLOOR_RATIO * stack,
                )
            )
        for f in sizes:
            for page in ("editor", "status_save", "comment_post"):
                measured = results[f].pages[page]
                found.append(
                    Check(
                        f"{page} at {f}x: fragment under {MAX_FRAGMENT_BYTES // 1024} KB",
                        f"{measured.bytes} B",
                        measured.bytes < MAX_FRAGMENT_BYTES,
                    )
                )
        transfer = seed.overview_transfer["total"]
        found.append(
            Check(
                f"overview at 1x: under {MAX_OVERVIEW_TRANSFER // 1024} KB transferred "
                "(HTML, CSS, own JS)",
                f"{transfer / 1024:.1f} KB",
                transfer < MAX_OVERVIEW_TRANSFER,
            )
        )
    return found


def table(results: dict[int, SizeResult], found: list[Check]) -> str:
    lines = []
    for f, result in sorted(results.items()):
        lines.append(
            f"\n{f}x: {result.activities} activities, {result.assignments} assignments, "
            f"{result.comments} comments, {result.status_changes} status changes"
        )
        lines.append(
            f"  {'page':<14}{'queries':>8}{'median ms':>11}{'p95 ms':>9}{'÷ baseline':>12}"
            f"{'bytes':>9}{'status':>8}{'wall ms':>9}"
        )
        for m in result.pages.values():
            lines.append(
                f"  {m.name:<14}{m.queries:>8}{m.median_ms:>11.2f}{m.p95_ms:>9.2f}"
                f"{m.ratio or 0:>12.2f}{m.bytes:>9}{m.status:>8}{m.wall_median_ms:>9.2f}"
            )
        transfer = ", ".join(f"{k} {v}" for k, v in result.overview_transfer.items())
        lines.append(f"  overview transferred (bytes, gzip as asked): {transfer}")
    clock = clock_for(next(iter(results.values())).dialect)
    what = "CPU time" if clock == "cpu" else "CPU time plus waiting for the database"
    lines.append(f"\nTimes are {what} (see clock_for); wall ms is the wall clock.")
    lines.append("\nTargets:")
    for check in found:
        lines.append(f"  [{'pass' if check.met else 'FAIL'}] {check.target}: {check.measured}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1,10", help="plan sizes, default 1,10 (100 is optional: it is slow)"
    )
    parser.add_argument("--repeat", type=int, default=50, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(
            os.environ.get("BENCH_CACHE", Path(tempfile.gettempdir()) / "samverkan-bench")
        ),
        help="where built databases are kept between runs (env BENCH_CACHE)",
    )
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<db>.json)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    args.cache.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as work:
        store: SqliteStore | PostgresStore = (
            PostgresStore(url, args.cache) if url else SqliteStore(args.cache, Path(work))
        )
        results: dict[int, SizeResult] = {}
        for factor in sizes:
            print(f"{factor}x on {store.dialect} ...", flush=True)
            uri = store.database(factor)
            results[factor] = measure_size(uri, factor, args.warmup, args.repeat)
    found = checks(results)
    print(table(results, found))
    output = args.output or RESULTS / f"{store.dialect}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": store.dialect,
                "clock": clock_for(store.dialect),
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
                    "note": os.environ.get("BENCH_NOTE", ""),
                },
                "repeat": args.repeat,
                "warmup": args.warmup,
                "sizes": {str(f): asdict(r) for f, r in results.items()},
                "targets": [asdict(c) for c in found],
                "all_met": all(c.met for c in found),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"\nWritten to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0 if all(c.met for c in found) else 1


if __name__ == "__main__":
    sys.exit(main())
