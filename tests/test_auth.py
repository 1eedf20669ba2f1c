"""Roles and writes: anonymous and viewer writes refused, CSRF enforced, lost updates prevented."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import Engine, text

from geoplatform.errors import Conflict, InvalidParameter
from geoplatform.users import authenticate, create_user
from tests.conftest import EDITOR, VIEWER


def basic(user: tuple[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "the form carries a CSRF token"
    return match.group(1)


def status_of(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM deposit WHERE code = :c"), {"c": code}).scalar_one()


CHANGE = {"status": "care_and_maintenance", "status_as_of": "2025-06-30"}


def test_anonymous_write_is_refused_with_401_and_changes_nothing(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    before = status_of(fresh_engine, "DEP-JINCHUAN")
    for headers in ({}, {"X-CSRFToken": "x"}):
        response = client.patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers=headers)
        assert response.status_code == 401
        assert response.json["code"] == "AuthenticationRequired"
        assert "Basic" in response.headers["WWW-Authenticate"]
    response = client.patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers=basic(("nobody", "wrong-pass")))
    assert response.status_code == 401
    assert response.json["code"] == "AuthenticationRequired"
    assert "Basic" in response.headers["WWW-Authenticate"]
    assert status_of(fresh_engine, "DEP-JINCHUAN") == before


def test_viewer_write_is_forbidden(write_app) -> None:
    response = write_app.test_client().patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers=basic(VIEWER))
    assert response.status_code == 403


def test_editor_with_basic_auth_changes_a_deposit(write_app, fresh_engine: Engine) -> None:
    response = write_app.test_client().patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers=basic(EDITOR))
    assert response.status_code == 200, response.data
    assert response.json["properties"]["status"] == "care_and_maintenance"
    assert status_of(fresh_engine, "DEP-JINCHUAN") == "care_and_maintenance"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "bogus"},
        {"status_as_of": "2999-01-01"},
        {"status_as_of": "31/12/2024"},
        {"geom": "POINT(0 0)"},
        {"name_zh": ""},
        {},
    ],
)
def test_editor_writes_are_validated_and_nothing_is_written(write_app, fresh_engine: Engine, body: dict) -> None:
    before = status_of(fresh_engine, "DEP-JINCHUAN")
    response = write_app.test_client().patch("/api/v1/deposits/DEP-JINCHUAN", json=body, headers=basic(EDITOR))
    assert response.status_code == 400
    assert response.json["code"] == "InvalidParameterValue"
    assert status_of(fresh_engine, "DEP-JINCHUAN") == before


def test_stale_if_match_gets_412_so_no_update_is_lost(write_app) -> None:
    client = write_app.test_client()
    etag = client.get("/api/v1/deposits/DEP-JINCHUAN").headers["ETag"]
    first = client.patch(
        "/api/v1/deposits/DEP-JINCHUAN",
        json={"status": "closed"},
        headers={**basic(EDITOR), "If-Match": etag},
    )
    assert first.status_code == 200
    second = client.patch(
        "/api/v1/deposits/DEP-JINCHUAN",
        json={"status": "producing"},
        headers={**basic(EDITOR), "If-Match": etag},
    )
    assert second.status_code == 412
    assert client.get("/api/v1/deposits/DEP-JINCHUAN").json["properties"]["status"] == "closed"


def test_session_login_needs_csrf_and_session_writes_need_csrf(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    # A login form posted without its token is refused.
    response = client.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
    assert response.status_code == 400
    token = csrf_token(client)
    response = client.post("/login", data={"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token})
    assert response.status_code == 302
    # Signed in by cookie: a write without the CSRF header is refused, with it accepted.
    response = client.patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE)
    assert response.status_code == 400
    assert response.json["code"] == "CSRFError"
    assert status_of(fresh_engine, "DEP-JINCHUAN") != "care_and_maintenance"
    token = csrf_token(client, "/")
    response = client.patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    # Logging out is a form post too, and then writes are refused again.
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    response = client.patch("/api/v1/deposits/DEP-JINCHUAN", json=CHANGE, headers={"X-CSRFToken": token})
    assert response.status_code == 401


def test_wrong_password_shows_the_form_again_with_401(write_app) -> None:
    client = write_app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": EDITOR[0], "password": "not-it", "csrf_token": token})
    assert response.status_code == 401
    assert "csrf_token" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_paths(write_app) -> None:
    client = write_app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2_hashes_and_names_are_unique(fresh_engine: Engine) -> None:
    create_user(fresh_engine, "Li.Ming", "a-long-password", "editor")
    with fresh_engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM app_user WHERE username = 'Li.Ming'")).scalar_one()
    assert stored.startswith("$argon2id$") and "a-long-password" not in stored
    assert authenticate(fresh_engine, "li.ming", "a-long-password").role == "editor"
    assert authenticate(fresh_engine, "Li.Ming", "wrong") is None
    with pytest.raises(Conflict):
        create_user(fresh_engine, "LI.MING", "another-password", "viewer")
    with pytest.raises(InvalidParameter):
        create_user(fresh_engine, "x", "short", "superuser")
