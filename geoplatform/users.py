"""Users and roles: viewer (read), editor (write catalogue data), admin (also manage users).

Passwords are hashed with Argon2id (argon2-cffi); the hash carries its own parameters, so raising
the cost later re-hashes on the next login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from geoplatform.errors import Conflict, InvalidParameter
from geoplatform.models import User

ROLES = ("viewer", "editor", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
_users = User.__table__


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str

    def has_role(self, role: str) -> bool:
        """Roles are ordered: an admin may do what an editor may, an editor what a viewer may."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def validate_new_user(username: str, password: str, role: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidParameter("A user name has 2 to 64 letters, digits or the characters _ . @ -.")
    if role not in ROLES:
        raise InvalidParameter("The role must be one of: " + ", ".join(ROLES) + ".")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(engine: Engine, username: str, password: str, role: str) -> Account:
    validate_new_user(username, password, role)
    try:
        with engine.begin() as conn:
            exists = conn.execute(select(_users.c.id).where(func.lower(_users.c.username) == username.lower())).first()
            if exists:
                raise Conflict("A user with that name exists already.")
            new_id = conn.execute(
                insert(_users)
                .values(username=username, password_hash=_hasher.hash(password), role=role)
                .returning(_users.c.id)
            ).scalar_one()
    except IntegrityError:
        raise Conflict("A user with that name exists already.") from None
    return Account(new_id, username, role)


def set_password(engine: Engine, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    with engine.begin() as conn:
        conn.execute(update(_users).where(_users.c.username == username).values(password_hash=_hasher.hash(password)))


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account for these credentials, or None (same answer for unknown user and wrong password)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_users).where(func.lower(_users.c.username) == username.lower(), _users.c.active)
        ).first()
    if row is None:
        # Spend the same time as a real check so that user names cannot be probed by timing.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        set_password(engine, row.username, password)
    return Account(row.id, row.username, row.role)


def get_account(engine: Engine, user_id: int) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(select(_users).where(_users.c.id == user_id, _users.c.active)).first()
    return None if row is None else Account(row.id, row.username, row.role)
