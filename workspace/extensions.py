"""Extensions are created here and bound to the app in `create_app`."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them later on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@contextmanager
def keeping_loaded() -> Iterator[None]:
    """Commits inside leave the session's objects loaded instead of expiring them.

    For writes whose every change is already in memory: what follows (rendering the saved
    object, the next write of a batch) needs no query to load it all again.
    """
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Pages shrink to a fifth on the wire: users are often on slow municipal or mobile networks.
# Static files too, with gzip as well: assets.py answers them from memory, not streamed.
compress = Compress()
# Storage comes from RATELIMIT_STORAGE_URI: memory for one process, Redis for several.
limiter = Limiter(key_func=get_remote_address)
# Settings from MAIL_*; only `send-notifications` sends, from the outbox.
mail = Mail()
