"""A `next` that points at another site never becomes a link or a redirect."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD, Auth
from tests.web.test_threads import ACTIVITY, client_for, post, stored

TARGETS = ["///evil.example", "//evil.example", "/\\evil.example", "https://evil.example/"]


@pytest.fixture
def comment_id(app) -> int:
    post(client_for(app, "kramfors", "handlaggare"), "Ett inlägg att redigera.")
    return stored(app, "Ett inlägg att redigera.").id


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    ("local_part", "page"), [("handlaggare", "edit"), ("admin", "redact")], ids=["edit", "redact"]
)
def test_comment_pages_link_back_only_to_this_site(app, comment_id, local_part, page, target):
    client = client_for(app, "kramfors", local_part)
    response = client.get(f"/comments/{comment_id}/{page}", query_string={"next": target})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # No link, cancel button or hidden `next` field starts with it (the language form's own
    # `next` is this page's path, which merely contains it in its query).
    assert not re.search(r'="(//|/\\|https://evil)', html)
    assert f'href="/activities/{ACTIVITY}#' in html  # the thread's own page instead


@pytest.mark.parametrize("target", TARGETS)
def test_logging_in_never_redirects_to_another_site(app, target):
    client = app.test_client()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "csrf_token": Auth(client).csrf_token(),
            "organisation": "kramfors",
            "email": "lasare@kramfors.example",
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
