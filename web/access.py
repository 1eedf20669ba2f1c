"""Who is asking, and the rule that every write needs a role (shared by every blueprint).

Browsers sign in with a form (Flask-Login session cookie; the form and every later write carry a
CSRF token). Scripts send HTTP Basic credentials with each request; those requests carry no
cookie an attacker could ride, so they are the one case exempt from the CSRF check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import request
from flask_login import UserMixin, current_user

from geoplatform.errors import AuthenticationRequired, Forbidden
from geoplatform.users import Account, authenticate
from web import context

F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):
    def __init__(self, account: Account) -> None:
        self.account = account
        self.id = str(account.id)


def _basic_auth_account() -> Account | None:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        return None
    return authenticate(context.engine(), auth.username, auth.password)


def api_basic_request() -> bool:
    """HTTP Basic counts only on the JSON API. Forms never accept it: a browser that cached Basic
    credentials would attach them to a cross-site form post, which no CSRF token would then stop."""
    return request.authorization is not None and request.path.startswith("/api/")


def current_account() -> Account | None:
    """The account behind this request: HTTP Basic credentials on the API, else the session."""
    if api_basic_request():
        return _basic_auth_account()
    if current_user.is_authenticated:
        return cast(SessionUser, current_user).account
    return None


def require_role(role: str) -> Callable[[F], F]:
    """Refuse the view to anonymous callers (401) and to accounts below ``role`` (403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                raise AuthenticationRequired("This operation needs you to sign in (session or HTTP Basic).")
            if not account.has_role(role):
                raise Forbidden(f"This operation needs the {role} role.")
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
