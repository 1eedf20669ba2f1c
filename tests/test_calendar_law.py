"""Approval deadlines that follow the law: the 40-working-day extension of 项目核准, filings without a
review period, and the holiday calendar as data an admin extends, with its coverage warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import URL

from geoplatform.approvals import service
from geoplatform.approvals.calendar import WorkCalendar, load_calendar
from geoplatform.approvals.calendar_file import calendar_coverage, coverage, import_calendar
from geoplatform.cli import main
from geoplatform.codelists import read_codelist_file, sync_codelists
from geoplatform.errors import InvalidParameter
from geoplatform.models import calendar_import, holiday_calendar
from tests.test_approval_workflow import item, new_project

D = dt.date

# A year made up for the tests (the weekday names are right; the holidays are NOT the State Council's).
TEST_YEAR = """day,kind,name_zh,name_en
2031-01-01,holiday,元旦,New Year's Day
2031-01-22,holiday,春节,Spring Festival
2031-01-23,holiday,春节,Spring Festival
2031-01-24,holiday,春节,Spring Festival
2031-01-25,holiday,春节,Spring Festival
2031-01-26,holiday,春节,Spring Festival
2031-01-27,holiday,春节,Spring Festival
2031-01-28,holiday,春节,Spring Festival
2031-01-19,workday,春节调休上班,Spring Festival make-up working day
"""


def accepted_project_approval(engine: Engine, accepted: dt.date) -> str:
    code = new_project(engine)
    service.record_change(engine, code, "project_approval", service.Change("submitted", accepted, 1), "e")
    service.record_change(engine, code, "project_approval", service.Change("accepted", accepted, 2), "e")
    return code


def test_project_approval_allows_forty_working_days_of_extension_with_its_legal_basis() -> None:
    kinds = {row["code"]: row for row in read_codelist_file("approval_kind")}
    approval = kinds["project_approval"]
    assert (approval["statutory_days"], approval["day_kind"], approval["extension_days"]) == ("20", "working", "40")
    assert "第十条" in approval["legal_basis_zh"] and "40个工作日" in approval["legal_basis_zh"]
    assert "art. 10" in approval["legal_basis_en"]
    filing = kinds["project_filing"]
    assert filing["statutory_days"] == "" and "第十三条" in filing["legal_basis_zh"]
    assert "art. 203" in kinds["eia_report"]["legal_basis_en"]


def test_an_extension_reaches_forty_working_days_beyond_the_twenty_and_no_further(fresh_engine: Engine) -> None:
    # Accepted Monday 2025-03-03: 20 working days end on 2025-03-31; 60 working days end on
    # 2025-05-29 (Apr 4 Qingming and May 1-5 off, Sunday Apr 27 a make-up day).
    code = accepted_project_approval(fresh_engine, D(2025, 3, 3))
    row = item(fresh_engine, code, "project_approval")
    assert row["statutory_due_on"] == D(2025, 3, 31)
    with fresh_engine.connect() as conn:
        assert load_calendar(conn).due_date(D(2025, 3, 3), 60, "working") == D(2025, 5, 29)
    with pytest.raises(InvalidParameter, match="at most 20 \\+ 40"):
        service.change_target(
            fresh_engine,
            code,
            "project_approval",
            target_on=D(2025, 5, 30),
            reason="extension",
            expected_version=row["version"],
            actor="e",
        )
    service.change_target(
        fresh_engine,
        code,
        "project_approval",
        target_on=D(2025, 5, 29),
        reason="extension",
        expected_version=row["version"],
        actor="e",
    )
    assert item(fresh_engine, code, "project_approval")["effective_target_on"] == D(2025, 5, 29)


def test_a_kind_the_law_does_not_extend_refuses_an_extension(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    service.record_change(fresh_engine, code, "eia_report", service.Change("submitted", D(2025, 5, 6), 1), "e")
    service.record_change(fresh_engine, code, "eia_report", service.Change("accepted", D(2025, 5, 8), 2), "e")
    with pytest.raises(InvalidParameter, match="no extension"):
        service.change_target(
            fresh_engine,
            code,
            "eia_report",
            target_on=D(2025, 7, 20),
            reason="extension",
            expected_version=3,
            actor="e",
        )


def test_a_filing_has_no_review_period_and_is_never_overdue(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    with fresh_engine.begin() as conn:
        project_id = conn.execute(text("SELECT id FROM project WHERE code = :c"), {"c": code}).scalar_one()
        conn.execute(
            text("INSERT INTO approval_item (project_id, kind, status) VALUES (:p, 'project_filing', 'not_started')"),
            {"p": project_id},
        )
    filing = item(fresh_engine, code, "project_filing")
    service.record_change(
        fresh_engine, code, "project_filing", service.Change("submitted", D(2024, 3, 1), filing["version"]), "e"
    )
    service.record_change(
        fresh_engine, code, "project_filing", service.Change("accepted", D(2024, 3, 1), filing["version"] + 1), "e"
    )
    filing = item(fresh_engine, code, "project_filing")
    assert filing["statutory_due_on"] is None and filing["effective_target_on"] is None
    assert filing["timetable"] == "no_limit"


def test_items_accepted_before_the_calendar_begins_are_flagged(fresh_engine: Engine) -> None:
    code = accepted_project_approval(fresh_engine, D(2023, 6, 1))
    old = item(fresh_engine, code, "project_approval")
    assert old["calendar_covers_accepted_on"] is False
    recent = accepted_project_approval(fresh_engine, D(2025, 6, 3))
    assert item(fresh_engine, recent, "project_approval")["calendar_covers_accepted_on"] is True


def test_coverage_warns_when_the_next_twelve_months_are_not_covered() -> None:
    calendar = WorkCalendar(holidays=frozenset({D(2026, 1, 1), D(2027, 1, 1)}))
    assert coverage(calendar, D(2026, 12, 1)).sufficient
    assert coverage(calendar, D(2027, 6, 1)).missing_years == [2028]
    gap = coverage(calendar, D(2027, 6, 1))
    assert "2028" in gap.message() and "geoplatform calendar import" in gap.message()


def write(tmp_path: Path, body: str, name: str = "holidays.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_a_new_year_is_imported_replaced_idempotently_and_traced(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, TEST_YEAR)
    first = import_calendar(fresh_engine, path, "admin.li")
    assert (first.years, first.days, first.replaced) == ([2031], 9, 0)
    again = import_calendar(fresh_engine, path, "admin.li")
    assert (again.days, again.replaced) == (9, 9)
    with fresh_engine.connect() as conn:
        calendar = load_calendar(conn)
        traces = conn.execute(select(calendar_import.c.username, calendar_import.c.years)).all()
    assert traces == [("admin.li", [2031]), ("admin.li", [2031])]
    assert calendar.covers(D(2031, 5, 1)) and not calendar.is_working_day(D(2031, 1, 24))
    assert calendar.is_working_day(D(2031, 1, 19))  # the made-up Sunday make-up day
    # 20 working days from Friday 2031-01-17: Jan 19 (Sun, make-up), 20, 21 = 3; holiday Jan 22-28;
    # Jan 29-31 = 6; Feb 3-7 = 11, 10-14 = 16, 17-20 = 20.
    assert calendar.due_date(D(2031, 1, 17), 20, "working") == D(2031, 2, 20)
    # The shipped calendar does not overwrite a year an admin imported.
    sync_codelists(fresh_engine)
    with fresh_engine.connect() as conn:
        year = conn.execute(
            select(func.count()).where(func.extract("year", holiday_calendar.c.day) == 2031)
        ).scalar_one()
    assert year == 9


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2031-05-05,workday,劳动节调休上班,", "weekday"),
        ("2031-13-01,holiday,劳动节,Labour Day", "not a date"),
        ("2031-05-01,rest,劳动节,Labour Day", "neither holiday"),
        ("2031-01-01,holiday,元旦,New Year's Day", "listed twice"),
        ("2031-05-01,holiday,,Labour Day", "needs its name"),
        ("2031-05-01,holiday,某节,", "no English name"),
    ],
)
def test_a_wrong_row_names_itself_and_nothing_is_written(
    fresh_engine: Engine, tmp_path: Path, row: str, message: str
) -> None:
    path = write(tmp_path, TEST_YEAR + row + "\n")
    with pytest.raises(InvalidParameter, match=message) as raised:
        import_calendar(fresh_engine, path, "admin")
    assert "row 11" in raised.value.description
    with fresh_engine.connect() as conn:
        assert not load_calendar(conn).covers(D(2031, 1, 1))
        assert conn.execute(select(func.count()).select_from(calendar_import)).scalar_one() == 0


def test_chinese_headers_and_kinds_and_known_english_names_are_accepted(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "日期,类型,名称\n2031年10月1日,放假,国庆节\n2031/10/11,上班,国庆节调休上班\n", "假日.csv")
    done = import_calendar(fresh_engine, path, "admin")
    assert done.days == 2
    with fresh_engine.connect() as conn:
        names = dict(conn.execute(select(holiday_calendar.c.day, holiday_calendar.c.name_en)).all())
    assert names[D(2031, 10, 1)] == "National Day"
    assert names[D(2031, 10, 11)] == "National Day make-up working day"


def test_the_cli_imports_a_year_and_db_status_warns_until_the_calendar_reaches_a_year_ahead(
    fresh_url: URL, fresh_engine: Engine, tmp_path: Path
) -> None:
    from tests.conftest import url_of

    env = {"GEOPLATFORM_DATABASE_URL": url_of(fresh_url), "GEOPLATFORM_DATA_DIR": str(tmp_path)}
    with fresh_engine.connect() as conn:
        today_gap = calendar_coverage(conn)
    status = CliRunner().invoke(main, ["db", "status"], env=env)
    assert status.exit_code == 0, status.output
    if today_gap.sufficient:  # the shipped calendar already reaches a year ahead of today
        assert "warning" not in status.output
    else:
        assert "warning" in status.output and "geoplatform calendar import" in status.output
    bad = CliRunner().invoke(
        main, ["calendar", "import", str(write(tmp_path, "day,kind\n2031-01-05,workday\n"))], env=env
    )
    assert bad.exit_code != 0 and "name_zh" in bad.output and "Traceback" not in bad.output
    years = range(dt.date.today().year, dt.date.today().year + 3)
    body = "day,kind,name_zh,name_en\n" + "".join(f"{y}-10-01,holiday,国庆节,National Day\n" for y in years)
    done = CliRunner().invoke(main, ["calendar", "import", str(write(tmp_path, body)), "--user", "admin"], env=env)
    assert done.exit_code == 0, done.output
    assert "3 days loaded" in done.output
    covered = CliRunner().invoke(main, ["db", "status"], env=env)
    assert covered.exit_code == 0 and "warning" not in covered.output, covered.output


def test_the_board_and_the_api_show_the_calendar_gap(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        gap = calendar_coverage(conn)
    answer = client.get("/api/v1/calendar").get_json()
    assert answer["missing_years"] == gap.missing_years and answer["last_day"] == gap.last_day.isoformat()
    board = client.get("/approvals").get_data(as_text=True)
    assert ("gp-calendar-warning" in board) == (not gap.sufficient)
    zh = client.get("/approvals?lang=zh").get_data(as_text=True)
    if not gap.sufficient:
        assert "节假日" in zh and "geoplatform calendar import" in zh
