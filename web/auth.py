"""Log in and out, who is asking, and the rule that every write needs a role.

Browsers sign in with a form (Flask-Login session cookie; the form and every later write carry a
CSRF token). Scripts send HTTP Basic credentials with each request; those requests carry no
cookie an attacker could ride, so they are the one case exempt from the CSRF check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from geoplatform.errors import AuthenticationRequired, Forbidden
from geoplatform.users import Account, authenticate, get_account
from web import context
from web.i18n import t

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):
    def __init__(self, account: Account) -> None:
        self.account = account
        self.id = str(account.id)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def _basic_auth_account() -> Account | None:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        return None
    return authenticate(context.engine(), auth.username, auth.password)


def _api_basic_request() -> bool:
    """HTTP Basic counts only on the JSON API. Forms never accept it: a browser that cached Basic
    credentials would attach them to a cross-site form post, which no CSRF token would then stop."""
    return request.authorization is not None and request.path.startswith("/api/")


def current_account() -> Account | None:
    """The account behind this request: HTTP Basic credentials on the API, else the session."""
    if _api_basic_request():
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


def init_app(app: Flask, csrf: CSRFProtect) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        if not user_id.isdigit():
            return None
        account = get_account(context.engine(), int(user_id))
        return None if account is None else SessionUser(account)

    @app.before_request
    def protect_writes() -> None:
        """CSRF on every write that could ride a browser session (all but HTTP Basic calls).

        An API write without any credentials is refused with 401 first: it rides no session, so
        a CSRF complaint would only hide what the caller needs to know (that it must sign in).
        """
        if request.method not in WRITE_METHODS or _api_basic_request():
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            raise AuthenticationRequired("This operation needs you to sign in (session or HTTP Basic).")
        csrf.protect()

    @app.context_processor
    def _account() -> dict[str, Any]:
        return {"account": current_account()}


def safe_next(target: str) -> str:
    """A local path to go to after login; anything else (other sites, control characters) → the map."""
    fallback = url_for("pages.index")
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        account = authenticate(context.engine(), form.username.data or "", form.password.data or "")
        if account is not None:
            login_user(SessionUser(account))
            return redirect(safe_next(request.args.get("next", "")))
        failed = True
    status = 401 if failed else 200
    return render_template("login.html", form=form, error=t("login_failed") if failed else None), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    return redirect(url_for("pages.index"))
