"""Defects found in review, each pinned by a test: disguised GDAL files, script in names, redirects,
filters, target reasons, undo after edits, idempotency without commodities, upload hygiene, secrets."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, import_file, undo_batch
from etl.sources import SourceError
from geoplatform.approvals import service
from geoplatform.config import SettingsError, load_settings
from geoplatform.errors import Conflict, InvalidParameter
from tests.conftest import EDITOR
from tests.etl.test_import_files import SURVEY_ROWS, write_csv
from tests.test_approval_pages import login
from tests.test_approval_workflow import new_project
from tests.test_auth import basic, csrf_token


@pytest.mark.parametrize("name", ["evil.geojson", "evil.shp", "evil.gpkg"])
def test_a_gdal_virtual_file_in_disguise_is_refused(fresh_engine: Engine, tmp_path: Path, name: str) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("code,name_zh\nSECRET-1,do not read\n")
    disguised = tmp_path / name
    disguised.write_text(
        f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>{secret}</SrcDataSource></OGRVRTLayer>"
        "</OGRVRTDataSource>"
    )
    with pytest.raises(SourceError):
        import_file(fresh_engine, ImportRequest(path=disguised), preview_only=True)


def test_script_in_a_name_is_never_executable_markup(write_app, fresh_engine: Engine) -> None:
    hostile = "x`);alert(1);//</script><img src=x onerror=alert(2)>${alert(3)}"
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE deposit SET name_zh = :n WHERE code = 'DEP-JINCHUAN'"), {"n": hostile})
    html = write_app.test_client().get("/deposits/DEP-JINCHUAN").get_data(as_text=True)
    assert "</script><img" not in html and "onerror=alert(2)>" not in html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert scripts and not any("alert(" in script for script in scripts), "the name never enters a script"
    assert "&lt;/script&gt;" in html, "it is shown, escaped, as text"


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(write_app, target: str) -> None:
    client = write_app.test_client()
    token = csrf_token(client)
    response = client.post(
        f"/login?next={target}", data={"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_basic_credentials_do_not_count_on_form_routes(write_app, fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    response = write_app.test_client().post(
        f"/projects/{code}/pause", data={"started_on": "2025-01-01", "reason": "x"}, headers=basic(EDITOR)
    )
    assert response.status_code == 400  # no CSRF token: Basic does not exempt a form post
    assert not service.project_approvals(fresh_engine, code)["paused"]


def test_board_filters_by_authority(client) -> None:
    everything = client.get("/api/v1/approvals").json["items"]
    authority = everything[0]["authority"]
    chosen = client.get("/api/v1/approvals", query_string={"authority": authority}).json["items"]
    assert chosen and all(i["authority"] == authority for i in chosen)
    assert len(chosen) < len(everything)


def test_statutory_is_not_a_reason_to_change_a_target(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    service.record_change(fresh_engine, code, "eia_report", service.Change("submitted", dt.date(2025, 5, 6), 1), "e")
    service.record_change(fresh_engine, code, "eia_report", service.Change("accepted", dt.date(2025, 5, 8), 2), "e")
    with pytest.raises(InvalidParameter, match="statutory"):
        service.change_target(
            fresh_engine,
            code,
            "eia_report",
            target_on=dt.date(2025, 6, 1),
            reason="statutory",
            expected_version=3,
            actor="e",
        )


def test_undo_is_refused_after_an_editor_changed_an_imported_record(
    write_app, fresh_engine: Engine, tmp_path: Path
) -> None:
    batch = import_file(fresh_engine, ImportRequest(path=write_csv(tmp_path / "s.csv", SURVEY_ROWS)))
    response = write_app.test_client().patch(
        "/api/v1/deposits/SV-001", json={"status": "closed"}, headers=basic(EDITOR)
    )
    assert response.status_code == 200
    with pytest.raises(Conflict, match="edited after the import"):
        undo_batch(fresh_engine, batch.batch_id)


def test_reimporting_deposits_without_commodities_changes_nothing(fresh_engine: Engine, tmp_path: Path) -> None:
    rows = [["NC-001", "无矿种记录", "", "101", "30", "四川", "", "在产", ""]]
    path = write_csv(tmp_path / "nc.csv", rows)
    assert import_file(fresh_engine, ImportRequest(path=path)).inserted == 1
    again = import_file(fresh_engine, ImportRequest(path=path))
    assert (again.updated, again.unchanged) == (0, 1)


def test_a_refused_upload_form_leaves_no_file_behind(write_app, tmp_path: Path) -> None:
    client = write_app.test_client()
    login(client, EDITOR)
    token = csrf_token(client, "/import")
    for bad in ({"max_reject_ratio": "lots"}, {"mapping": "/etc/passwd.toml"}, {"central_meridian": "east"}):
        response = client.post(
            "/import",
            data={"csrf_token": token, "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv"), **bad},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
    uploads = Path(write_app.extensions["geoplatform"]["settings"].data_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


@pytest.mark.parametrize("key", ["short", "change-me-to-a-long-random-string"])
def test_example_or_short_secret_keys_are_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="secret_key"):
        load_settings(environ={"GEOPLATFORM_SECRET_KEY": key, "GEOPLATFORM_DATA_DIR": str(tmp_path)})
