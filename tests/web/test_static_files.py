"""Static files as a production site serves them: content-hashed URLs cached for a year,
compressed for a client that accepts only gzip, only br or only zstd; and nothing else
(pages, fragments, downloads) kept in any cache."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_compress.compat import compression

from tests.conftest import Auth
from workspace import create_app
from workspace.assets import IMMUTABLE, Assets, static_url

DECOMPRESS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": compression.zstd.decompress,
}
ASSETS = ["css/app.css", "js/app.js", "vendor/htmx.min.js"]


def asset_urls(client: FlaskClient) -> dict[str, str]:
    """The static URLs the login page links to, by file name."""
    page = client.get("/login").get_data(as_text=True)
    return {
        match[2]: match[1]
        for match in re.finditer(r'(?:href|src)="(/static/([^"?]+)\?v=[0-9a-f]+)"', page)
    }


def test_pages_link_each_static_file_by_a_hash_of_its_content(app: Flask, client) -> None:
    urls = asset_urls(client)
    assert set(ASSETS) | {"img/favicon.svg"} <= set(urls)
    for name, url in urls.items():
        content = (Path(app.static_folder) / name).read_bytes()
        assert url.endswith("?v=" + hashlib.sha256(content).hexdigest()[:16])


@pytest.mark.parametrize("encoding", DECOMPRESS)
@pytest.mark.parametrize("name", ASSETS)
def test_fingerprinted_files_are_compressed_and_cached_for_a_year(
    app: Flask, client, name: str, encoding: str
) -> None:
    url = asset_urls(client)[name]
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in response.vary
    body = DECOMPRESS[encoding](response.get_data())
    assert body == (Path(app.static_folder) / name).read_bytes()
    assert len(response.get_data()) < len(body) / 2


def test_a_client_that_asks_for_nothing_gets_the_file_as_it_is(app: Flask, client) -> None:
    url = asset_urls(client)["css/app.css"]
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data() == (Path(app.static_folder) / "css/app.css").read_bytes()
    assert response.mimetype == "text/css"


def test_a_file_asked_again_is_not_sent_again(client) -> None:
    url = asset_urls(client)["js/app.js"]
    for encoding in ("gzip", "identity"):
        first = client.get(url, headers={"Accept-Encoding": encoding})
        again = client.get(
            url, headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304 and again.get_data() == b""


def test_an_old_or_missing_fingerprint_is_not_cached_for_long(client) -> None:
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789abcdef"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_only_files_inside_the_static_folder_are_served(client) -> None:
    for url in ("/static/css/none.css", "/static/../workspace/config.py", "/static/css"):
        answer = client.get(url)
        assert answer.status_code == 404
        assert answer.headers["Cache-Control"] == "private, no-store"
    assets = Assets(str(Path(client.application.static_folder)))
    assert assets.get("../workspace/config.py") is None and assets.get("css") is None


def test_a_changed_file_gets_a_new_url(tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "app.css").write_text("body { color: black }")
    app = create_app(
        {
            "SAMVERKAN_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    app.extensions["samverkan_assets"] = Assets(str(static))
    with app.test_request_context():
        before = static_url("css/app.css")
        (static / "css" / "app.css").write_text("body { color: navy }")
        after = static_url("css/app.css")
    assert before != after
    assert app.test_client().get(after).get_data() == b"body { color: navy }"


def test_nothing_but_static_files_is_kept_in_a_cache(client, auth: Auth) -> None:
    answers = [client.get("/login"), auth.login("kramfors", "handlaggare")]
    answers += [
        client.get("/plans/1"),
        client.get("/plans/1", headers={"HX-Request": "true"}),
        client.get("/plans/1/archive.json"),
        client.get("/no-such-page"),
    ]
    assert [answer.status_code for answer in answers] == [200, 303, 200, 200, 200, 404]
    assert answers[4].mimetype == "application/json"  # a download
    for answer in answers:
        assert answer.headers["Cache-Control"] == "private, no-store", answer.request.path
