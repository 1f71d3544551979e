"""Static files as a production site serves them: content-hashed URLs cached for a year,
compressed for every client that asks.

`static_url("css/app.css")` gives `/static/css/app.css?v=<hash of the bytes>`, so a new
release is a new URL and browsers may keep each one forever. The files are small and few, so
each is read once (again only when it changes on disk) and answered from memory: such a
response is not streamed, and Flask-Compress then compresses it with gzip as well as br and
zstd (for streamed answers, which `send_file` gives, its defaults leave gzip out, so a
gzip-only client got the files uncompressed).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join

# A fingerprinted URL never changes its bytes: caches may keep it for a year unasked.
IMMUTABLE = "public, max-age=31536000, immutable"
# Without the current fingerprint (an old page, a hand-typed URL): ask again every time.
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    """One static file as read from disk: its bytes, type and fingerprint."""

    stamp: tuple[int, int]
    data: bytes
    mimetype: str
    fingerprint: str


class Assets:
    """Static files by name, read on first use and again when they change on disk."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._files: dict[str, Asset] = {}

    def get(self, filename: str) -> Asset | None:
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        asset = self._files.get(filename)
        if asset is None or asset.stamp != stamp:
            data = Path(path).read_bytes()
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            fingerprint = hashlib.sha256(data).hexdigest()[:16]
            asset = self._files[filename] = Asset(stamp, data, mimetype, fingerprint)
        return asset


def _assets() -> Assets:
    return current_app.extensions["samverkan_assets"]


def static_url(filename: str) -> str:
    """The URL of a static file, fingerprinted by its content."""
    asset = _assets().get(filename)
    if asset is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=asset.fingerprint)


def serve_static(filename: str) -> Response:
    """A static file from memory: cached for a year under its fingerprint, else revalidated."""
    asset = _assets().get(filename)
    if asset is None:
        abort(404)
    response = Response(asset.data, mimetype=asset.mimetype)
    response.set_etag(asset.fingerprint)
    fingerprinted = request.args.get("v") == asset.fingerprint
    response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else REVALIDATE
    return response.make_conditional(request)


def register(app: Flask) -> None:
    """Serve the app's static folder through `serve_static` under the usual endpoint."""
    assert app.static_folder is not None
    app.extensions["samverkan_assets"] = Assets(app.static_folder)
    app.view_functions["static"] = serve_static
