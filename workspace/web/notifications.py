"""Notifications in the app: the bell's count, one's own list, one's settings, the mail log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import NotificationSettingsForm
from ..htmx import is_fragment_request, redirect_to, render
from ..models import MANDATORY_KINDS, Delivery, NotificationKind
from ..policy import Action, authorize, get_notification_or_404
from ..routing import page_number
from ..services import mailer, notifications
from .forms_help import accepted, done

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 25
MAIL_LOG_PAGE_SIZE = 50


@bp.app_context_processor
def bell() -> dict[str, Any]:
    """The header's unread count: counted with the session's user (see `auth.load_user`),
    so the bell costs no query of its own."""

    def unread_notifications() -> int:
        if "unread_notifications" not in g:
            g.unread_notifications = notifications.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@login_required
def index() -> Response:
    """The user's own notifications, newest first."""
    return _list()


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    """Mark one notification read: the list again for htmx, back to it otherwise."""
    notifications.mark_read(current_user, get_notification_or_404(current_user, notification_id))
    return _after_marking()


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Response:
    """Mark every notification of the user read."""
    notifications.mark_all_read(current_user)
    return _after_marking()


def _after_marking() -> Response:
    if not is_fragment_request():
        return redirect_to(url_for("notifications.index", page=page_number()))
    g.unread_notifications = notifications.unread_count(current_user)
    return _list()


def _list() -> Response:
    page = db.paginate(
        notifications.notifications_of(current_user),
        page=page_number(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render(
        "notifications/index.html",
        "notification_list",
        page=page,
        texts={n.id: notifications.describe_in_list(n) for n in page.items},
        page_url=lambda number: url_for("notifications.index", page=number),
    )


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings() -> Response:
    """Choose per kind: at once, a daily digest, or never (mandatory kinds stay on)."""
    form = NotificationSettingsForm(data=notifications.settings_of(current_user))
    outcome = accepted(form, lambda: notifications.save_settings(current_user, _choices(form)))
    if outcome.saved:
        return done(_("Your notification settings are saved."), url_for("notifications.settings"))
    return render(
        "notifications/settings.html",
        "settings_form",
        outcome.status,
        form=form,
        mail_enabled=mailer.mail_enabled(),
        mandatory=[notifications.KIND_LABELS[kind] for kind in sorted(MANDATORY_KINDS)],
    )


def _choices(form: NotificationSettingsForm) -> dict[NotificationKind, Delivery]:
    return {kind: Delivery(form[kind.value].data) for kind in notifications.CHOOSABLE_KINDS}


@bp.get("/admin/mail-log")
@login_required
def mail_log() -> Response:
    """What was mailed to the organisation's users: recipient, kind and outcome only."""
    authorize(current_user, Action.VIEW_MAIL_LOG, current_user.organisation)
    page = db.paginate(
        notifications.mail_log(current_user.organisation_id),
        page=page_number(),
        per_page=MAIL_LOG_PAGE_SIZE,
        error_out=False,
    )
    return render(
        "notifications/mail_log.html",
        "mail_log_rows",
        page=page,
        mail_enabled=mailer.mail_enabled(),
        page_url=lambda number: url_for("notifications.mail_log", page=number),
        kind_labels=notifications.KIND_LABELS,
        state_labels=notifications.MAIL_STATE_LABELS,
        first_line=notifications.first_line,
    )
