"""Personal API tokens: made (the secret returned once, only its SHA-256 kept), listed, revoked,
and checked for a request's ``Authorization: Bearer`` header.

A token is ``anno_`` followed by 43 URL-safe characters (32 random bytes, 256 bits). With that
much entropy a plain SHA-256 is the right hash (a slow password hash buys nothing against
guessing and would cost every API request); the lookup is by that hash, so no comparison
timing reveals anything about a secret. The first characters (``prefix``) are kept in clear
so that people can tell their tokens apart; they leave 208 random bits unknown.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from annotator.auth.models import ApiToken, User
from annotator.auth.names import username_key
from annotator.db import utcnow
from annotator.errors import Invalid, NotFound
from annotator.inputs import InputError, check_text

REALM = "annotator"  # of the WWW-Authenticate: Bearer challenge (RFC 6750)
TOKEN_PREFIX = "anno_"
SECRET_BYTES = 32
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # "anno_" and the first 8 characters of the secret
MAX_TOKEN_LENGTH = 100  # anything longer in a header is no token of ours (not looked up)
SCOPES = ("read", "write")
READ_METHODS = frozenset({"GET", "HEAD"})  # all a read token may do
MAX_NAME_LENGTH = 100
MAX_EXPIRY_DAYS = 3650
MAX_LIVE_TOKENS = 50  # per user: a leak's blast radius stays countable
USE_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most this often per token

log = logging.getLogger("annotator.auth")


@dataclass(frozen=True)
class NewToken:
    """A token just made: its row and its secret (shown once, never stored)."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class Check:
    """What a bearer secret opens: its token and owner, or why it opens nothing."""

    token: ApiToken | None = None
    user: User | None = None
    problem: str | None = None


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) under which a token's secret is stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def _live(now: datetime):
    return (ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))


def _clean_name(name: str | None, now: datetime) -> str:
    name = (name or "").strip()
    if not name:
        return f"token of {now:%Y-%m-%d %H:%M}"
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"A token's name has at most {MAX_NAME_LENGTH} characters.")
    try:
        return check_text(name, "the token's name")
    except InputError as err:
        raise Invalid(f"{str(err)[:1].upper()}{str(err)[1:]}.") from None


def get_owner(session: Session, name: str) -> User:
    """The user called ``name`` (any case variant, as at log-in); NotFound otherwise."""
    key = username_key(name)
    user = (session.scalar(select(User).where(User.username_key == key))
            if "\x00" not in key and len(key) <= 80 else None)
    if user is None:
        raise NotFound(f"no user named {name.strip()!r}")
    return user


def create_token(session: Session, owner: User, *, name: str | None = None, scope: str = "read",
                 expires_days: int | None = None, actor: User | None = None) -> NewToken:
    """Make a token for ``owner`` (``actor``: who asks; None for the command line); only its
    hash is stored, the secret is returned once.

    Raises:
        Invalid: an unknown scope, an expiry outside 1..MAX_EXPIRY_DAYS days, a bad name, a
            deactivated owner, or MAX_LIVE_TOKENS live tokens already.
    """
    now = utcnow()
    if scope not in SCOPES:
        raise Invalid(f"A token's scope is one of {', '.join(SCOPES)}, not {scope!r}.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise Invalid(f"A token expires after 1 to {MAX_EXPIRY_DAYS} days (or never).")
    name = _clean_name(name, now)
    if not owner.active:
        raise Invalid(f"{owner.username} is deactivated: their tokens would open nothing.")
    live = session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == owner.id, *_live(now))) or 0
    if live >= MAX_LIVE_TOKENS:
        raise Invalid(f"{owner.username} has {live} live tokens, the most one may have; "
                      "revoke some first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(
        user_id=owner.id, name=name, scope=scope, prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret), created_at=now,
        created_by_id=actor.id if actor is not None else None,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    log.info("API token %d (%s, %s) for %s created by %s", token.id, token.prefix, scope,
             owner.username, actor.username if actor is not None else "the command line")
    return NewToken(token, secret)


@dataclass(frozen=True)
class Listed:
    """A token as lists show it: the row, its owner's name and its state."""

    token: ApiToken
    owner: str
    state: str  # active | expired | revoked


def list_tokens(session: Session, user_id: int | None = None) -> list[Listed]:
    """Tokens (of one user, or everyone's) with owner and state, newest first."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    now = utcnow()
    rows = session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [Listed(token, owner, token_state(token, now)) for token, owner in rows]


def count_live_tokens(session: Session) -> dict[int, int]:
    """The number of live (neither revoked nor expired) tokens of each user who has one."""
    rows = session.execute(select(ApiToken.user_id, func.count())
                           .where(*_live(utcnow())).group_by(ApiToken.user_id))
    return {user_id: count for user_id, count in rows}


def revoke_token(session: Session, token_id: int, actor: User | None, *,
                 owner_id: int | None = None) -> tuple[ApiToken, bool]:
    """Revoke a token at once (the next request with it gets 401); return it and whether it
    was live until now (revoking twice changes nothing). ``owner_id``: only a token of this
    user may be revoked (another's is "not found", as if it did not exist)."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner_id is not None and token.user_id != owner_id):
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is not None:
        return token, False
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id if actor is not None else None
    session.flush()
    owner = session.get(User, token.user_id)
    log.info("API token %d (%s) of %s revoked by %s", token.id, token.prefix,
             owner.username if owner is not None else token.user_id,
             actor.username if actor is not None else "the command line")
    return token, True


def revoke_all(session: Session, user_id: int, actor: User | None) -> int:
    """Revoke every token of a user not revoked yet; return how many."""
    ids = list(session.scalars(select(ApiToken.id).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))))
    for token_id in ids:
        revoke_token(session, token_id, actor)
    return len(ids)


# Built once: every API request with a token runs it.
_TOKEN_BY_HASH = (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                  .where(ApiToken.token_hash == bindparam("token_hash")))


def check_secret(session: Session, secret: str) -> Check:
    """The live token whose secret this is, and its active owner; else why not. Read on every
    request, never cached: a revocation counts from the next request on."""
    if (not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH
            or not secret.isascii() or not secret.isprintable()):
        return Check(problem="unknown token")
    row = session.execute(_TOKEN_BY_HASH, {"token_hash": hash_secret(secret)}).one_or_none()
    if row is None:
        return Check(problem="unknown token")
    token, user = row
    state = token_state(token)
    if state != "active":
        return Check(problem=f"this token was {state}" if state == "revoked"
                     else "this token has expired")
    if not user.active:
        return Check(problem="the token's account is deactivated")
    return Check(token, user)


def use_is_stale(token: ApiToken, now: datetime | None = None) -> bool:
    """True when the token's ``last_used_at`` is unset or USE_RESOLUTION old (time to note)."""
    return token.last_used_at is None or token.last_used_at <= (now or utcnow()) - USE_RESOLUTION


def note_use(session: Session, token_id: int, now: datetime | None = None) -> bool:
    """Set a token's ``last_used_at`` to now unless it was set less than USE_RESOLUTION ago
    (one conditional UPDATE, safe when several workers race); True when it wrote."""
    now = now or utcnow()
    done = session.execute(
        update(ApiToken).where(ApiToken.id == token_id, or_(
            ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return bool(done.rowcount)
