"""Researcher accounts and server-side sessions, in a small SQLite file of their own.

Why a separate file (`--auth FILE` / IZDESH_AUTH) and not tables in the store:
- a web node opens the store read-only (a SQLite URI with mode=ro, or a PostgreSQL session with
  default_transaction_read_only): sessions need writes;
- the store is copied to web nodes and handed to researchers (backups, exports): password hashes
  and session tokens must not travel with it;
- the file holds a few rows: SQLite in WAL mode serves it on one node. Several web nodes behind one
  balancer would each need the same file on shared storage, or sticky sessions (see docs/safety.md).

Passwords: argon2id (argon2-cffi's defaults). Sessions: a random 256-bit token in a cookie
(HttpOnly, SameSite=Strict, Secure when the site is reached over https), kept server-side as its
SHA-256 only (a stolen auth file gives no live session), expiring after SESSION_HOURS.
CSRF: every session carries a synchronizer token put in each form as a hidden field; a POST that
comes with a session cookie must carry it. Anonymous POSTs (searches) carry no authority.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

ROLES = ("researcher", "admin")
COOKIE = "izdesh_session"
SESSION_HOURS = 12
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class AuthError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    csrf: str  # this session's synchronizer token

    @property
    def researcher(self) -> bool:
        return self.role in ROLES


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


def auth_path(path: str | os.PathLike[str] | None) -> Path | None:
    p = path or os.environ.get("IZDESH_AUTH")
    return Path(p) if p else None


class AuthStore:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        with self._conn() as c:
            c.executescript(
                """
                CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL,
                    hash TEXT NOT NULL, created REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, name TEXT NOT NULL
                    REFERENCES users(name) ON DELETE CASCADE, csrf TEXT NOT NULL, expires REAL NOT NULL);
                """
            )
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    def _conn(self) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA foreign_keys=ON")
        return c

    # ---------------------------------------------------------------- users
    def add_user(self, name: str, password: str, role: str = "researcher") -> None:
        name = name.strip().lower()
        if not name or len(name) > 64 or not set(name) <= _NAME_OK:
            raise AuthError("a user name is 1-64 characters of a-z, 0-9, . _ - @")
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 12:
            raise AuthError("the password must have at least 12 characters")
        h = _hasher().hash(password)
        with self._conn() as c:
            c.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?)", (name, role, h, time.time()))
            c.execute("DELETE FROM sessions WHERE name = ?", (name,))  # a new password ends old sessions

    def users(self) -> list[tuple[str, str]]:
        with self._conn() as c:
            return [tuple(r) for r in c.execute("SELECT name, role FROM users ORDER BY name")]  # type: ignore[misc]

    def verify(self, name: str, password: str) -> str | None:
        """The user's role when the password is right, else None (same work either way)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        ph = _hasher()
        with self._conn() as c:
            row = c.execute("SELECT role, hash FROM users WHERE name = ?", (name.strip().lower(),)).fetchone()
        if row is None:
            try:  # spend the same time as for a real user: no user enumeration by timing
                ph.verify(_DUMMY[0] or _dummy(), password)
            except (VerificationError, InvalidHashError):
                pass
            return None
        try:
            ph.verify(row[1], password)
        except (VerificationError, InvalidHashError):
            return None
        if ph.check_needs_rehash(row[1]):
            with self._conn() as c:
                c.execute("UPDATE users SET hash = ? WHERE name = ?", (ph.hash(password), name.strip().lower()))
        return str(row[0])

    # ---------------------------------------------------------------- sessions
    def login(self, name: str, password: str) -> str | None:
        """A new session token (for the cookie), or None."""
        if self.verify(name, password) is None:
            return None
        token = secrets.token_urlsafe(32)
        with self._conn() as c:
            c.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                      (_h(token), name.strip().lower(), secrets.token_urlsafe(24), time.time() + SESSION_HOURS * 3600))
        return token

    def session(self, token: str | None) -> User | None:
        if not token or len(token) > 100:
            return None
        with self._conn() as c:
            row = c.execute(
                "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.name "
                "WHERE s.token_hash = ? AND s.expires > ?", (_h(token), time.time())
            ).fetchone()
        return User(*row) if row else None

    def logout(self, token: str | None) -> None:
        if token:
            with self._conn() as c:
                c.execute("DELETE FROM sessions WHERE token_hash = ?", (_h(token),))


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY: list[str | None] = [None]


def _dummy() -> str:
    h = _hasher().hash(secrets.token_hex(16))
    _DUMMY[0] = h
    return h


def csrf_ok(user: User | None, sent: str | None) -> bool:
    if user is None:
        return True
    return bool(sent) and hmac.compare_digest(user.csrf.encode(), str(sent).encode())


# Login-form CSRF (no session yet): a double-submit token in a short-lived cookie is not needed
# with SameSite=Strict + no session; the login form carries a signed timestamp instead.
def login_token(key: bytes) -> str:
    ts = str(int(time.time()))
    return ts + "." + hmac.new(key, b"login:" + ts.encode(), hashlib.sha256).hexdigest()[:32]


def login_token_ok(key: bytes, token: str | None, max_age: int = 3600) -> bool:
    if not token or "." not in token:
        return False
    ts, _, mac = token.partition(".")
    if not ts.isdigit() or time.time() - int(ts) > max_age:
        return False
    good = hmac.new(key, b"login:" + ts.encode(), hashlib.sha256).hexdigest()[:32]
    return hmac.compare_digest(good.encode(), mac.encode())
