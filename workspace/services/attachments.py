"""Files attached as evidence: checked by their content, kept outside the web root."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

import filetype
from flask import Response, current_app, send_file
from flask_babel import gettext as _

from .errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024

# What the plan's evidence comes as: PDF, Office and OpenDocument files, images, CSV.
ALLOWED = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}

# The extension a download is named with, by the type its bytes were found to be.
EXTENSIONS = {content_type: extension for extension, content_type in ALLOWED.items()}
EXTENSIONS["text/csv"] = "csv"
SAME_EXTENSION = {"jpeg": "jpg", "jpe": "jpg"}


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    content_type: str
    size: int


def storage_dir() -> Path:
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _looks_like_csv(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        return bool(lines) and any(sep in lines[0] for sep in (",", ";", "\t"))
    return False


def content_type_of(data: bytes) -> str | None:
    """The file's type judged by its bytes, or None when it is not one we accept."""
    kind = filetype.guess(data)
    if kind is not None:
        return ALLOWED.get(kind.extension)
    return "text/csv" if _looks_like_csv(data) else None


def store(upload: BinaryIO, filename: str) -> StoredFile:
    """Check and save an uploaded file; refuse what is too big or of the wrong kind."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": _("The file is larger than 10 MB.")})
    if not data:
        raise ValidationFailed({"file": _("The file is empty.")})
    content_type = content_type_of(data)
    if content_type is None:
        raise ValidationFailed(
            {"file": _("Only PDF, Office documents, images and CSV files can be attached.")}
        )
    key = secrets.token_hex(16)
    (storage_dir() / key).write_bytes(data)
    safe_name = Path(filename or "fil").name[:255] or "fil"
    return StoredFile(key=key, filename=safe_name, content_type=content_type, size=len(data))


def download_name(filename: str | None, content_type: str | None) -> str:
    """The name a file downloads under: the uploader's stem with the extension of the type
    its bytes were found to be, so that `poly.html` found to be CSV comes as `poly.csv`
    and nothing opens it as what its name claimed."""
    extension = EXTENSIONS.get(content_type or "", "bin")
    name = PurePath(filename or "").name
    given = PurePath(name).suffix.lower().lstrip(".")
    if name and SAME_EXTENSION.get(given, given) == extension:
        return name
    stem = PurePath(name).stem if given else name
    return f"{stem.strip() or 'fil'}.{extension}"


def path_of(key: str) -> Path:
    return storage_dir() / key


def discard(key: str) -> None:
    path_of(key).unlink(missing_ok=True)


def send(key: str, filename: str | None, content_type: str | None) -> Response:
    """A stored file as a download, never shown inline: with the type its bytes were found
    to be and a name that matches it, kept out of shared caches."""
    response = send_file(
        path_of(key),
        mimetype=content_type,
        as_attachment=True,
        download_name=download_name(filename, content_type),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
