"""Signing in to the office's review pages: passwords, lock-out, and who may sign in.

Grid workers and patrol members work on tablets and have no password here; mediators and
community, street and district staff do. Passwords are hashed with scrypt (Werkzeug's
default: salted and memory-hard). After `MAX_FAILED_LOGINS` wrong passwords in a row an
account is locked for `LOCK_MINUTES`, during which even the right password is refused, so
guessing costs a lock-out per handful of tries.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from server.extensions import db
from server.models import OfficeAccount, Worker
from sync.clock import wall_ms
from sync.coded_error import CodedError

OFFICE_ROLES = frozenset({"mediator", "community_staff", "street_staff", "district_admin"})
MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
_UNKNOWN_USER_HASH = generate_password_hash("not a password of anyone's")
"""Checked against when the worker is unknown, so that case takes as long as a real one."""


class PasswordRefused(CodedError):
    """A password that cannot be set; the catalogue's ``office.<code>`` says why."""

    CODES = frozenset({"worker_unknown", "not_office_role", "password_too_short"})


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: the worker, or why not (``office.<refusal>``)."""

    worker: Worker | None
    refusal: str | None = None
    locked_until: int | None = None
    sessions_since: int = 0
    """Kept in the session: a later password change or sign-out ends it."""


def set_password(worker_id: str, password: str) -> None:
    """Give a worker an office password (or a new one: their open sessions end)."""
    worker = db.session.get(Worker, worker_id)
    if worker is None:
        raise PasswordRefused("worker_unknown", worker_id)
    if worker.role not in OFFICE_ROLES:
        raise PasswordRefused("not_office_role", worker.role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused("password_too_short", str(MIN_PASSWORD_LENGTH))
    account = db.session.get(OfficeAccount, worker_id) or OfficeAccount(worker_id=worker_id)
    account.password_hash = generate_password_hash(password)
    account.sessions_since = wall_ms()
    account.failed_logins = 0
    account.locked_until = None
    db.session.add(account)
    db.session.commit()


def sign_in(worker_id: str, password: str, now_ms: int | None = None) -> SignIn:
    """Check one attempt and count it; commits the account's counters."""
    now = wall_ms() if now_ms is None else now_ms
    account = db.session.get(OfficeAccount, worker_id)
    worker = db.session.get(Worker, worker_id) if account is not None else None
    if account is None or worker is None or not worker.active:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return SignIn(None, "bad_credentials")
    if account.locked_until is not None and account.locked_until > now:
        return SignIn(None, "locked", account.locked_until)
    if not check_password_hash(account.password_hash, password):
        account.failed_logins += 1
        locked_until = None
        if account.failed_logins >= MAX_FAILED_LOGINS:
            locked_until = account.locked_until = now + LOCK_MINUTES * 60_000
            account.failed_logins = 0
        db.session.commit()
        return SignIn(None, "locked" if locked_until else "bad_credentials", locked_until)
    if worker.role not in OFFICE_ROLES:
        return SignIn(None, "not_office_role")
    account.failed_logins = 0
    account.locked_until = None
    db.session.commit()
    return SignIn(worker, sessions_since=account.sessions_since)


def session_still_valid(worker_id: str, sessions_since: int) -> Worker | None:
    """The signed-in worker, unless their password changed, they signed out or they left
    since the session began."""
    account = db.session.get(OfficeAccount, worker_id)
    worker = db.session.get(Worker, worker_id)
    if account is None or worker is None or not worker.active:
        return None
    if account.sessions_since != sessions_since or worker.role not in OFFICE_ROLES:
        return None
    return worker


def end_sessions(worker_id: str) -> None:
    """Sign the worker out everywhere: every session they hold stops working."""
    account = db.session.get(OfficeAccount, worker_id)
    if account is not None:
        account.sessions_since = max(wall_ms(), account.sessions_since + 1)
        db.session.commit()
