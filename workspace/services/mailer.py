"""Mails: building them from notification texts, and handing them to SMTP or to files.

Flask-Mail sends over SMTP with the MAIL_* settings. Without `MAIL_SERVER` mail is off; in
development each mail is then written as an .eml file under instance/mail/ instead, so the
demo shows what would have been sent. Nothing here reads the outbox: the notification
service (`notifications.send_due`) decides what is sent and records what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.charset import QP, Charset
from email.mime.text import MIMEText
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app, render_template
from flask_mail import Message

from ..extensions import mail

# The page where a user chooses which mails they get: every optional mail links to it.
SETTINGS_PATH = "/account/notifications"
SUBJECT_PREFIX = "Samverkan: "


class MailConfigError(RuntimeError):
    """Mail cannot be sent with these settings; the message says what to set."""


def mail_enabled(app: Flask | None = None) -> bool:
    """Whether mails really leave: a `MAIL_SERVER` is set. Without it the UI says mail is off
    (and shows password links to the admin instead)."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def writes_files(app: Flask | None = None) -> bool:
    """Mail is off in development: each mail becomes a file under instance/mail/."""
    app = app or current_app
    return not mail_enabled(app) and app.config.get("SAMVERKAN_ENV") == "development"


def mail_folder(app: Flask | None = None) -> Path:
    """Where development writes its mails, one .eml file each."""
    return Path((app or current_app).instance_path) / "mail"


def public_url(app: Flask | None = None) -> str:
    """The site's address for links in mails: `PUBLIC_URL`, else `SERVER_NAME` with
    `PREFERRED_URL_SCHEME`; on one's own machine the address `scripts/start` serves."""
    app = app or current_app
    if app.config.get("PUBLIC_URL"):
        return str(app.config["PUBLIC_URL"]).rstrip("/")
    if app.config.get("SERVER_NAME"):
        scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
        return f"{scheme}://{app.config['SERVER_NAME']}"
    if app.config.get("SAMVERKAN_ENV") != "production":
        return "http://127.0.0.1:5000"
    raise MailConfigError(
        "Links in mails need the site's address: set PUBLIC_URL, for example "
        "https://samverkan.kramfors.se."
    )


def absolute(path: str) -> str:
    """A path on this site (`url_for` without `_external`) as a link for a mail."""
    return public_url() + "/" + path.lstrip("/")


@dataclass(frozen=True)
class MailItem:
    """One notification as a mail shows it, already worded in the recipient's language."""

    subject: str
    paragraphs: list[str]
    reason: str
    link: str  # absolute


def compose(
    recipient: str, subject: str, items: list[MailItem], *, digest: bool, mandatory: bool
) -> Message:
    """A mail with a plain-text and an HTML part, in the current language (the caller sets it
    with `force_locale`). Only what the renderers worded is quoted. Optional mails carry
    `List-Unsubscribe` pointing at the user's notification settings."""
    template = "mail/digest" if digest else "mail/notification"
    context = {
        "items": items,
        "item": items[0],
        "settings_link": None if mandatory else absolute(SETTINGS_PATH),
        "site_link": public_url(),
    }
    headers = {"Auto-Submitted": "auto-generated"}
    if not mandatory:
        headers["List-Unsubscribe"] = f"<{absolute(SETTINGS_PATH)}>"
    return _Message(
        subject=SUBJECT_PREFIX + subject,
        recipients=[recipient],
        body=render_template(f"{template}.txt", **context),
        html=render_template(f"{template}.html", **context),
        extra_headers=headers,
    )


class _Message(Message):
    """A Flask-Mail message whose text parts are quoted-printable. Flask-Mail sends UTF-8 as
    8bit, unwrapped: a line of more than 998 characters (a round's long list of activities
    in the HTML part, a long quoted comment) breaks the SMTP limit and the server refuses
    the mail. Quoted-printable keeps every line short and any text intact."""

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        charset = Charset(self.charset or "utf-8")
        charset.body_encoding = QP
        return MIMEText(text or "", _subtype=subtype, _charset=charset)  # type: ignore[arg-type]


class Transport(Protocol):
    def send(self, message: Message) -> None: ...


class FileTransport:
    """Development without a mail server: each mail is written to instance/mail/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message) -> None:
        name = message.msgId.strip("<>").replace("@", "_at_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())


@contextmanager
def transport() -> Iterator[Transport]:
    """One SMTP connection for a whole run (or the mail folder in development). Opening it
    fails with the SMTP error when the server cannot be reached."""
    if writes_files():
        yield FileTransport(mail_folder())
        return
    with mail.connect() as connection:
        yield connection
