"""Mail settings: off without MAIL_SERVER, a sender required when on, absolute links."""

from __future__ import annotations

import secrets

import pytest

from workspace import create_app
from workspace.config import ConfigError, mail_settings
from workspace.services import mailer

BASE = {"SAMVERKAN_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_no_mail_server_means_mail_is_off():
    settings = mail_settings({})
    assert settings["MAIL_SERVER"] is None
    assert not mailer.mail_enabled(create_app(BASE))


def test_mail_is_on_with_a_server_and_a_sender():
    settings = mail_settings(
        {
            "MAIL_SERVER": "smtp.kramfors.se",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "true",
            "MAIL_DEFAULT_SENDER": "Samverkan <samverkan@kramfors.se>",
        }
    )
    assert settings["MAIL_PORT"] == 587 and settings["MAIL_USE_TLS"] is True
    assert settings["MAIL_USE_SSL"] is False
    # Testing mode must not silence Flask-Mail: the outbox decides what is sent.
    assert settings["MAIL_SUPPRESS_SEND"] is False
    app = create_app({**BASE, "MAIL_SERVER": "smtp.kramfors.se", "MAIL_DEFAULT_SENDER": "a@b.se"})
    assert mailer.mail_enabled(app)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAIL_SERVER": "smtp.kramfors.se"}, "MAIL_DEFAULT_SENDER"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"MAIL_DIGEST_HOUR": "24"}, "MAIL_DIGEST_HOUR"),
        ({"MAIL_PORT": "0"}, "MAIL_PORT"),
    ],
)
def test_wrong_mail_settings_say_what_to_fix(env, message):
    with pytest.raises(ConfigError, match=message):
        mail_settings(env)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"PUBLIC_URL": "https://samverkan.kramfors.se/"}, "https://samverkan.kramfors.se/plans/1"),
        (
            {"SERVER_NAME": "samverkan.kramfors.se", "PREFERRED_URL_SCHEME": "https"},
            "https://samverkan.kramfors.se/plans/1",
        ),
        ({}, "http://127.0.0.1:5000/plans/1"),
    ],
)
def test_links_in_mails_are_absolute(config, expected):
    app = create_app({**BASE, **config})
    with app.app_context():
        assert mailer.absolute("/plans/1") == expected


def test_production_without_a_public_address_cannot_make_links():
    app = create_app({**BASE, "SAMVERKAN_ENV": "production", "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context(), pytest.raises(mailer.MailConfigError, match="PUBLIC_URL"):
        mailer.public_url()
