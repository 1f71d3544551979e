"""Responses are compressed for browsers that ask, without losing the security headers,
and answers without a body (an idle poll's 204) stay as they are."""

from __future__ import annotations

import gzip

from tests.conftest import Auth
from tests.factories import demo_user, seed_plan
from workspace.extensions import db
from workspace.services.live import current_marker

GZIP = {"Accept-Encoding": "gzip"}


def test_pages_and_fragments_are_compressed_with_their_headers(app, client, auth: Auth) -> None:
    auth.login("kramfors", "handlaggare")
    with app.app_context():
        plan_id = seed_plan().id
    plain = client.get(f"/plans/{plan_id}")
    packed = client.get(f"/plans/{plan_id}", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(packed.get_data())
    assert page.rstrip().endswith(b"</html>") and len(page) == len(plain.get_data())
    assert len(packed.get_data()) < len(plain.get_data()) / 4
    assert "Content-Security-Policy" in packed.headers
    assert {"Accept-Encoding", "HX-Request"} <= set(packed.vary)
    fragment = client.get(f"/plans/{plan_id}", headers={**GZIP, "HX-Request": "true"})
    assert fragment.headers["Content-Encoding"] == "gzip"
    assert b"<html" not in gzip.decompress(fragment.get_data())


def test_an_idle_poll_stays_an_empty_204(app, client, auth: Auth) -> None:
    auth.login("kramfors", "handlaggare")
    with app.app_context():
        plan_id = seed_plan().id
        marker = current_marker(demo_user("kramfors", "handlaggare"), plan_id=plan_id)
        db.session.remove()
    answer = client.get(
        f"/plans/{plan_id}/updates?since={marker.status_change}&comments={marker.comment}",
        headers={**GZIP, "HX-Request": "true"},
    )
    assert answer.status_code == 204
    assert answer.get_data() == b""
    assert "Content-Encoding" not in answer.headers
    assert "Content-Security-Policy" in answer.headers
