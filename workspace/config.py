"""Configuration read from the environment, with safe defaults for development."""

from __future__ import annotations

import math
import os
import string
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

# The htmx build every page loads. Bump version and hash together: the browser refuses a
# CDN file whose hash differs, and tests serve the local copy under the CDN URL to prove it.
HTMX_VERSION = "4.0.1"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_SRI = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"
HTMX_LOCAL_FILE = "vendor/htmx.min.js"

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def database_url(env: dict[str, str], instance_path: str) -> str:
    """`DATABASE_URL` (PostgreSQL through psycopg 3) or a SQLite file in the instance folder."""
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'samverkan.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _positive_int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name}={raw!r} must be a whole number of at least {minimum}.")
    return int(raw)


def from_environment(instance_path: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    environment = _environment(env)
    return {
        "SAMVERKAN_ENV": environment,
        "SECRET_KEY": _secret_key(env, environment),
        # Encrypt the organisations' login client secrets; without them a key derived from
        # SECRET_KEY does, and a new SECRET_KEY then means entering the secrets again.
        "LOGIN_SECRET_KEYS": _login_secret_keys(env),
        "SQLALCHEMY_DATABASE_URI": database_url(env, instance_path),
        "HTMX_SOURCE": _htmx_source(env),
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host. 0 trusts no
        # such header: a client could otherwise write any address it likes into it.
        "TRUSTED_PROXY_COUNT": _positive_int(env, "TRUSTED_PROXY_COUNT", 0, minimum=0),
        "TESTING": environment == "testing",
        **_cookies(secure=environment == "production"),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ("sv", "en"),
        # CSRF tokens live as long as the session; an expired page is handled explicitly.
        "WTF_CSRF_TIME_LIMIT": None,
        # Evidence files live outside the web root; several hosts must share this folder.
        "ATTACHMENT_DIR": env.get("ATTACHMENT_DIR", "").strip()
        or str(Path(instance_path) / "attachments"),
        # 10 MB per file, plus room for the rest of the form.
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        # Counts of login attempts must be shared by every worker and host in production.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Every limit of a refused request is checked, so the answer names the longest wait.
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,
        # Wrong passwords (OWASP): one address guessing one account is stopped soon; the
        # account itself only at a ceiling far above what one address may try, so nobody
        # locks a colleague out; one address trying many accounts is stopped too.
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": env.get(
            "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "10 per 15 minutes"
        ),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "100 per hour"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes"),
        # Where the accessibility statement tells people to write; empty shows only the form.
        "ACCESSIBILITY_CONTACT_EMAIL": env.get("ACCESSIBILITY_CONTACT_EMAIL", "").strip(),
        # Anyone may report a problem without logging in, so one address may only send so many.
        "ACCESSIBILITY_REPORT_LIMIT": env.get("ACCESSIBILITY_REPORT_LIMIT", "10 per hour"),
        # How often an open page asks for others' changes.
        "POLL_SECONDS": _positive_int(env, "POLL_SECONDS", 15),
        # Open rounds remind those who have not reported this many days before the due date.
        "NOTIFY_DAYS_BEFORE_DUE": _positive_int(env, "NOTIFY_DAYS_BEFORE_DUE", 7),
    }


def _environment(env: dict[str, str]) -> str:
    environment = env.get("SAMVERKAN_ENV", "production").strip() or "production"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"SAMVERKAN_ENV={environment!r} is not one of {', '.join(ENVIRONMENTS)}.")
    return environment


# A production key must carry at least 32 random bytes (256 bits), counted by the smallest of
# these alphabets that holds all its characters: 78 digits, 64 hex digits (what
# `secrets.token_hex(32)` prints), 43 base64 characters (`secrets.token_urlsafe(32)`), or 39
# characters of anything else (95 printable ones). At least 8 different characters, too.
SECRET_KEY_BITS = 256
SECRET_KEY_MIN_DISTINCT = 8
_KEY_ALPHABETS = (
    (frozenset(string.digits), 10, "digits"),
    (frozenset(string.hexdigits), 16, "hex digits"),
    (frozenset(string.ascii_letters + string.digits + "+/-_="), 64, "base64 characters"),
)
_MAKE_A_KEY = (
    "Make one with `python3 -c 'import secrets; print(secrets.token_hex(32))'` and set "
    "SECRET_KEY to its output, or set SAMVERKAN_ENV=development on your own machine."
)


def secret_key_length_needed(secret_key: str) -> tuple[int, str]:
    """How many characters a key written like this one needs for 32 random bytes, and of what."""
    characters = set(secret_key)
    size, kind = next(
        ((size, kind) for alphabet, size, kind in _KEY_ALPHABETS if characters <= alphabet),
        (95, "characters"),
    )
    return math.ceil(SECRET_KEY_BITS / math.log2(size)), kind


def secret_key_problem(secret_key: str) -> str | None:
    """Why this key is too weak to sign production sessions, or None when it will do."""
    if len(set(secret_key)) < SECRET_KEY_MIN_DISTINCT:
        return f"SECRET_KEY has fewer than {SECRET_KEY_MIN_DISTINCT} different characters."
    needed, kind = secret_key_length_needed(secret_key)
    if len(secret_key) < needed:
        return (
            f"SECRET_KEY is {len(secret_key)} {kind} long; 32 random bytes written as {kind} "
            f"take at least {needed}."
        )
    return None


def _secret_key(env: dict[str, str], environment: str) -> str:
    secret_key = env.get("SECRET_KEY", "").strip()
    if environment != "production":
        return secret_key or "development-only-not-secret"
    if not secret_key:
        raise ConfigError(
            "SECRET_KEY is not set. In production Samverkan refuses to start without it. "
            + _MAKE_A_KEY
        )
    problem = secret_key_problem(secret_key)
    if problem:
        # Anyone who guesses the key can sign a session cookie for any user.
        raise ConfigError(f"{problem} In production it must be long and random. {_MAKE_A_KEY}")
    return secret_key


def _login_secret_keys(env: dict[str, str]) -> list[bytes]:
    """Fernet keys, comma-separated: the first encrypts, each decrypts (to rotate, put the
    new key first and keep the old one until the secrets are written again)."""
    keys = [key.strip() for key in env.get("LOGIN_SECRET_KEYS", "").split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise ConfigError(
                "LOGIN_SECRET_KEYS must be Fernet keys (32 random bytes in URL-safe base64): "
                'python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from exc
    return [key.encode() for key in keys]


def _htmx_source(env: dict[str, str]) -> str:
    htmx_source = env.get("HTMX_SOURCE", "cdn").strip() or "cdn"
    if htmx_source not in ("cdn", "local"):
        raise ConfigError(f"HTMX_SOURCE={htmx_source!r} must be 'cdn' or 'local'.")
    return htmx_source


def _cookies(secure: bool) -> dict[str, Any]:
    """Session and remember-me cookies: not for scripts, not cross-site, HTTPS in production."""
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    }


def _flag(env: dict[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} must be true or false.")


def mail_settings(env: dict[str, str]) -> dict[str, Any]:
    """Flask-Mail's settings and the outbox's own, from the environment.

    No `MAIL_SERVER` means mail is off: `send-notifications` leaves the outbox alone (in
    development it writes each mail to a file under instance/mail/ instead)."""
    server = env.get("MAIL_SERVER", "").strip()
    sender = env.get("MAIL_DEFAULT_SENDER", "").strip()
    if server and not sender:
        raise ConfigError(
            "MAIL_SERVER is set but MAIL_DEFAULT_SENDER is not: set it to the address mails "
            "come from, for example 'Samverkan <samverkan@kramfors.se>'."
        )
    hour = env.get("MAIL_DIGEST_HOUR", "").strip() or "7"
    if not hour.isdigit() or int(hour) > 23:
        raise ConfigError(f"MAIL_DIGEST_HOUR={hour!r} must be an hour from 0 to 23.")
    return {
        "MAIL_SERVER": server or None,
        "MAIL_PORT": _positive_int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _flag(env, "MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag(env, "MAIL_USE_SSL"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", "") or None,
        "MAIL_DEFAULT_SENDER": sender or "Samverkan <samverkan@localhost>",
        # Whether to send is the outbox's decision (mail_enabled), not Flask-Mail's TESTING.
        "MAIL_SUPPRESS_SEND": False,
        # The site's address for links in mails, e.g. https://samverkan.kramfors.se; without
        # it SERVER_NAME and PREFERRED_URL_SCHEME are used.
        "PUBLIC_URL": env.get("PUBLIC_URL", "").strip().rstrip("/"),
        # Daily digests go out once a day from this local hour on (BABEL_DEFAULT_TIMEZONE).
        "MAIL_DIGEST_HOUR": int(hour),
    }
