"""A real SMTP server for tests (aiosmtpd on a free local port) and a stand-in renderer.

`SmtpServer` keeps every message it receives; `messages()` parses them. The renderer words a
made-up PASSWORD_LINK for tests that need some kind with a renderer; `python -m
tests.mail_server` runs `send-notifications` with it, for tests that start the command as a
process of its own.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from workspace.models import Notification, NotificationKind
from workspace.services import notifications
from workspace.services.notifications import NotificationText

# Kinds the stand-in renderer words: a mandatory one, an at-once one, a daily one.
TEST_KINDS = (
    NotificationKind.PASSWORD_LINK,
    NotificationKind.MENTION,
    NotificationKind.ACTIVITY_CHANGED,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"


class SmtpServer:
    """An SMTP server on 127.0.0.1 that can be started and stopped again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[EmailMessage]:
        with self.inbox.lock:
            return [
                email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
                for e in self.inbox.envelopes
            ]

    def recipients(self) -> list[str]:
        with self.inbox.lock:
            return [to for e in self.inbox.envelopes for to in e.rcpt_tos]


def render_test_notification(notification: Notification) -> NotificationText:
    number = notification.params.get("n", "")
    return NotificationText(subject=f"Test notice {number}", paragraphs=[f"Test text {number}"])


@contextmanager
def stand_in_renderer() -> Iterator[None]:
    """Words TEST_KINDS with the stand-in renderer, and puts back whatever was there."""
    previous = {kind: notifications._RENDERERS.get(kind) for kind in TEST_KINDS}
    for kind in TEST_KINDS:
        notifications.renders(kind)(render_test_notification)
    try:
        yield
    finally:
        for kind, renderer in previous.items():
            if renderer is None:
                notifications._RENDERERS.pop(kind, None)
            else:
                notifications._RENDERERS[kind] = renderer


def main() -> None:
    """`send-notifications` in a process of its own, with the stand-in renderer."""
    from workspace import create_app

    with stand_in_renderer():
        result = create_app().test_cli_runner().invoke(args=["send-notifications"])
    print(result.output, end="")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    raise SystemExit(result.exit_code)


if __name__ == "__main__":
    main()
