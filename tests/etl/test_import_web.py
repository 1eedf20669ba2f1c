"""The upload page: editors only, CSRF, size limit, preview, import, reject report download; in Chromium too."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import Engine, text

from tests.conftest import EDITOR, VIEWER, LiveServer, make_settings
from tests.etl.test_import_files import SURVEY_HEADER, SURVEY_ROWS, write_csv
from tests.test_approval_pages import login
from tests.test_auth import basic, csrf_token

BAD_ROW = ["WB-003", "坏行", "金刚石", "101", "30", "四川", "", "在产", ""]


def survey_bytes(tmp_path: Path) -> bytes:
    rows = [[r[0].replace("SV", "WB"), *r[1:]] for r in SURVEY_ROWS] + [BAD_ROW]
    return write_csv(tmp_path / "web.csv", rows).read_bytes()


def test_upload_needs_an_editor_and_a_csrf_token(write_app, tmp_path: Path) -> None:
    client = write_app.test_client()
    assert client.get("/import").status_code == 401
    login(client, VIEWER)
    assert client.get("/import").status_code == 403
    login(client, EDITOR)
    assert client.get("/import").status_code == 200
    data = {"file": (io.BytesIO(survey_bytes(tmp_path)), "web.csv"), "action": "import"}
    assert client.post("/import", data=data, content_type="multipart/form-data").status_code == 400


def test_preview_then_import_with_a_downloadable_reject_report(write_app, fresh_engine: Engine, tmp_path: Path) -> None:
    client = write_app.test_client()
    login(client, EDITOR)
    token = csrf_token(client, "/import")
    content = survey_bytes(tmp_path)
    preview = client.post(
        "/import",
        data={"csrf_token": token, "action": "preview", "file": (io.BytesIO(content), "调查表.csv")},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "cn-survey" in page and "调查表.csv" in page
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deposit WHERE code LIKE 'WB-%'")).scalar_one() == 0
    done = client.post(
        "/import",
        data={"csrf_token": token, "action": "import", "file": (io.BytesIO(content), "调查表.csv")},
        content_type="multipart/form-data",
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "2 inserted" in page.replace("新增", "inserted")
    assert 'textContent = "3"' in page, "the streamed page counted the rows as they loaded"
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deposit WHERE code LIKE 'WB-%'")).scalar_one() == 2
        batch = conn.execute(text("SELECT username, file_name FROM import_batch ORDER BY id DESC LIMIT 1")).one()
    assert tuple(batch) == (EDITOR[0], "调查表.csv")
    link = page.split('href="/import/reports/')[1].split('"')[0]
    report = client.get("/import/reports/" + link)
    assert report.status_code == 200 and "金刚石" in report.get_data(as_text=True)
    report.close()
    assert client.get("/import/reports/../../etc/passwd.csv").status_code == 404


def test_upload_above_the_size_limit_gets_413(fresh_url, fresh_engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Over real HTTP: the body is refused before the app reads it."""
    import http.client

    from web import create_app

    app = create_app(make_settings(fresh_url, tmp_path, max_upload_mb=1), fresh_engine)
    boundary = "geoplatformboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"x" * (2 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with LiveServer(app) as server:
        port = int(server.url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(
                "POST",
                "/import",
                body=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **basic(EDITOR)},
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
    assert response.status == 413


def test_editor_uploads_a_file_in_chromium(write_app, fresh_engine: Engine, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, only_loopback

    path = tmp_path / "upload.csv"
    path.write_bytes(survey_bytes(tmp_path))
    with LiveServer(write_app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-US")
        blocked = only_loopback(page, server.url)
        page.goto(server.url + "/login?lang=en")
        page.fill("input[name=username]", EDITOR[0])
        page.fill("input[name=password]", EDITOR[1])
        page.click("button[type=submit]")
        # Let the map page that the login leads to finish loading: leaving it mid-download would abort
        # static-file responses of the development server (an unclosed file, a flaky warning).
        page.wait_for_load_state("networkidle")
        page.goto(server.url + "/import?lang=en")

        def offered() -> list[str]:
            return page.eval_on_selector_all(
                "select[name=mapping] option", "options => options.filter(o => !o.hidden).map(o => o.value)"
            )

        assert set(offered()) == {"", "cn-survey", "en-deposits", "geoplatform", "usgs-porphyry-copper"}
        page.select_option("#import-target", "resources")
        assert offered() == ["", "resources"]
        page.select_option("#import-target", "deposits")
        page.set_input_files("input[name=file]", str(path))
        page.click("button[value=import]")
        page.wait_for_selector("#import-result")
        assert "2 inserted" in page.locator("#import-batch").inner_text()
        assert page.locator("#rejects tbody tr").count() == 1
        assert "unknown commodity" in page.locator("#rejects").inner_text()
        assert blocked == []
        browser.close()
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deposit WHERE code LIKE 'WB-%'")).scalar_one() == 2
    assert SURVEY_HEADER[0] == "矿产地编号"


def test_an_editor_imports_resource_estimates_and_sees_reasons_in_chinese(
    write_app, fresh_engine: Engine, tmp_path: Path
) -> None:
    from tests.etl.test_import_targets import RESOURCE_HEADER, write

    rows = [
        ["DEP-BAIYINCHANG", "铜", "控制资源量", "", "3.3万吨", "", "2021-12-31", "网页导入"],
        ["DEP-NOPE", "铜", "推断", "", "1万吨", "", "2021-12-31", ""],
    ]
    content = write(tmp_path / "r.csv", RESOURCE_HEADER, rows).read_bytes()
    client = write_app.test_client()
    login(client, EDITOR)
    token = csrf_token(client, "/import")
    done = client.post(
        "/import?lang=zh",
        data={"csrf_token": token, "action": "import", "target": "resources", "file": (io.BytesIO(content), "r.csv")},
        content_type="multipart/form-data",
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "未知矿产地编号" in page and "resources" in page
    with fresh_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT contained, contained_unit FROM resource_estimate WHERE source = '网页导入'")
        ).one()
    assert (float(stored[0]), stored[1]) == (3.3, "10kt")
    refused = client.post(
        "/import",
        data={"csrf_token": token, "action": "import", "target": "bridges", "file": (io.BytesIO(content), "r.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "target" in refused.get_data(as_text=True)
