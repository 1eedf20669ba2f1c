"""Log in and out, and the CSRF rule for writes (who is asking: :mod:`web.access`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from geoplatform.errors import AuthenticationRequired
from geoplatform.users import authenticate, get_account
from web import context
from web.access import SessionUser, api_basic_request, current_account

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


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
        if request.method not in WRITE_METHODS or api_basic_request():
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
    return render_template("login.html", form=form, error=_("Wrong user name or password.") if failed else None), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    return redirect(url_for("pages.index"))
