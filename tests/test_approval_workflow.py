"""The approval state machine, exercised through the real services on a real database."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from geoplatform.approvals import service, workflow
from geoplatform.codelists import read_codelist_file
from geoplatform.errors import Conflict, GeoplatformError, InvalidParameter

_codes = itertools.count(1)
TODAY = dt.date.today()


def new_project(engine: Engine, green: bool = False, project_type: str = "mine") -> str:
    code = f"PRJ-TEST-{next(_codes):05d}"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO project (code, name_zh, project_type, stage, green_channel, geom) "
                "VALUES (:c, '测试项目', :t, 'permitting', :g, ST_SetSRID(ST_MakePoint(101, 30), 4326))"
            ),
            {"c": code, "t": project_type, "g": green},
        )
    service.create_items_from_template(engine, code, "tester")
    return code


def item(engine: Engine, code: str, kind: str) -> dict:
    return next(i for i in service.project_approvals(engine, code)["items"] if i["kind"] == kind)


def events(engine: Engine, code: str, kind: str | None = None) -> list[dict]:
    found = service.project_approvals(engine, code)["events"]
    return [e for e in found if kind is None or e["kind"] == kind]


def test_statuses_in_the_codelist_are_exactly_the_state_machine() -> None:
    assert {row["code"] for row in read_codelist_file("approval_status")} == workflow.STATUSES


def test_templates_create_the_usual_items_per_project_type(fresh_engine: Engine) -> None:
    mine = {i["kind"] for i in service.project_approvals(fresh_engine, new_project(fresh_engine))["items"]}
    assert {"project_approval", "eia_report", "safety_design", "mining_licence"} <= mine
    smelter = new_project(fresh_engine, project_type="smelter")
    kinds = {i["kind"] for i in service.project_approvals(fresh_engine, smelter)["items"]}
    assert "mining_licence" not in kinds and "project_approval" in kinds
    assert service.create_items_from_template(fresh_engine, smelter, "tester") == 0, "no duplicates"


def test_a_full_approval_sets_dates_and_leaves_one_event_per_change(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    before = len(events(fresh_engine, code, "project_approval"))
    steps = [
        service.Change("submitted", dt.date(2025, 9, 1), 1),
        service.Change("accepted", dt.date(2025, 9, 3), 2),
        service.Change("under_review", dt.date(2025, 9, 10), 3),
        service.Change("approved", dt.date(2025, 9, 25), 4, document_number="川发改〔2025〕88号"),
    ]
    for step in steps:
        service.record_change(fresh_engine, code, "project_approval", step, "ed.itor")
    row = item(fresh_engine, code, "project_approval")
    assert row["status"] == "approved" and row["version"] == 5
    assert row["statutory_due_on"] == dt.date(2025, 9, 30)  # 20 working days incl. the 28 Sept make-up day
    assert row["timetable"] == "completed_on_time"
    history = events(fresh_engine, code, "project_approval")
    assert len(history) == before + 4
    assert [(e["from_status"], e["to_status"]) for e in history[-4:]] == [
        ("not_started", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "under_review"),
        ("under_review", "approved"),
    ]
    assert all(e["actor"] == "ed.itor" for e in history[-4:])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (service.Change("approved", dt.date(2025, 9, 2), 1, document_number="x"), "can only become"),
        (service.Change("bogus", dt.date(2025, 9, 2), 1), "Unknown approval status"),
        (service.Change("submitted", TODAY + dt.timedelta(days=3), 1), "in the future"),
        (service.Change("submitted", dt.date(2025, 9, 2), 7), "version"),
    ],
)
def test_bad_changes_are_refused_and_write_nothing(fresh_engine: Engine, change, message: str) -> None:  # type: ignore[no-untyped-def]
    code = new_project(fresh_engine)
    before = (item(fresh_engine, code, "eia_report"), len(events(fresh_engine, code)))
    with pytest.raises(GeoplatformError, match=message):
        service.record_change(fresh_engine, code, "eia_report", change, "ed.itor")
    assert (item(fresh_engine, code, "eia_report"), len(events(fresh_engine, code))) == before


def test_a_decision_before_submission_and_an_approval_without_document_are_refused(
    fresh_engine: Engine,
) -> None:
    code = new_project(fresh_engine)
    service.record_change(
        fresh_engine, code, "soil_water", service.Change("submitted", dt.date(2025, 5, 10), 1), "ed.itor"
    )
    with pytest.raises(InvalidParameter, match="before submission"):
        service.record_change(
            fresh_engine, code, "soil_water", service.Change("accepted", dt.date(2025, 5, 1), 2), "ed.itor"
        )
    service.record_change(
        fresh_engine, code, "soil_water", service.Change("accepted", dt.date(2025, 5, 12), 2), "ed.itor"
    )
    with pytest.raises(InvalidParameter, match="document number"):
        service.record_change(
            fresh_engine, code, "soil_water", service.Change("approved", dt.date(2025, 5, 20), 3), "ed.itor"
        )
    with pytest.raises(InvalidParameter, match="before acceptance"):
        service.record_change(
            fresh_engine, code, "soil_water", service.Change("rejected", dt.date(2025, 5, 11), 3), "ed.itor"
        )


def test_target_changes_need_a_typed_reason_and_green_targets_need_the_green_channel(
    fresh_engine: Engine,
) -> None:
    code = new_project(fresh_engine)
    service.record_change(fresh_engine, code, "eia_report", service.Change("submitted", dt.date(2025, 5, 6), 1), "e")
    service.record_change(fresh_engine, code, "eia_report", service.Change("accepted", dt.date(2025, 5, 8), 2), "e")
    with pytest.raises(InvalidParameter, match="green-channel"):
        service.change_target(
            fresh_engine,
            code,
            "eia_report",
            target_on=dt.date(2025, 6, 1),
            reason="green_channel",
            expected_version=3,
            actor="e",
        )
    with pytest.raises(InvalidParameter, match="comment"):
        service.change_target(
            fresh_engine,
            code,
            "eia_report",
            target_on=dt.date(2025, 6, 1),
            reason="other",
            expected_version=3,
            actor="e",
        )
    version = service.change_target(
        fresh_engine,
        code,
        "eia_report",
        target_on=dt.date(2025, 8, 1),
        reason="expert_review",
        expected_version=3,
        actor="e",
        comment="专家评审",
    )
    assert version == 4
    row = item(fresh_engine, code, "eia_report")
    assert (row["target_on"], row["target_reason"]) == (dt.date(2025, 8, 1), "expert_review")
    assert events(fresh_engine, code, "eia_report")[-1]["action"] == "target"
    green = new_project(fresh_engine, green=True)
    service.record_change(fresh_engine, green, "eia_report", service.Change("submitted", dt.date(2025, 5, 6), 1), "e")
    service.record_change(
        fresh_engine,
        green,
        "eia_report",
        service.Change(
            "accepted", dt.date(2025, 5, 8), 2, target_on=dt.date(2025, 6, 7), target_reason="green_channel"
        ),
        "e",
    )
    assert item(fresh_engine, green, "eia_report")["effective_target_on"] == dt.date(2025, 6, 7)


def test_pause_and_resume_are_recorded_and_stop_the_clock(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    service.record_change(
        fresh_engine, code, "mining_licence", service.Change("submitted", TODAY - dt.timedelta(60), 1), "e"
    )
    service.record_change(
        fresh_engine, code, "mining_licence", service.Change("accepted", TODAY - dt.timedelta(50), 2), "e"
    )
    assert item(fresh_engine, code, "mining_licence")["timetable"] == "overdue"  # 40 days, 50 gone
    service.pause_project(fresh_engine, code, started_on=TODAY - dt.timedelta(45), reason="补充勘查", actor="e")
    with pytest.raises(Conflict):
        service.pause_project(fresh_engine, code, started_on=TODAY - dt.timedelta(40), reason="again", actor="e")
    assert item(fresh_engine, code, "mining_licence")["timetable"] == "paused"
    service.resume_project(fresh_engine, code, ended_on=TODAY - dt.timedelta(20), actor="e")
    row = item(fresh_engine, code, "mining_licence")
    assert row["paused_days"] == 26
    assert row["timetable"] in ("on_schedule", "due_soon")  # 50 days gone, 26 of them paused
    actions = [e["action"] for e in events(fresh_engine, code) if e["kind"] is None]
    assert actions == ["pause", "resume"]


def test_history_is_append_only_in_the_database(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    with pytest.raises(DBAPIError, match="append-only"), fresh_engine.begin() as conn:
        conn.execute(text("UPDATE approval_event SET actor = 'someone else'"))
    with pytest.raises(DBAPIError, match="append-only"), fresh_engine.begin() as conn:
        conn.execute(text("DELETE FROM approval_event"))
    with pytest.raises(DBAPIError), fresh_engine.begin() as conn:
        conn.execute(text("DELETE FROM project WHERE code = :c"), {"c": code})
    assert events(fresh_engine, code)


def test_two_concurrent_editors_get_exactly_one_conflict(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def edit(status: str) -> None:
        barrier.wait()
        try:
            service.record_change(
                fresh_engine,
                code,
                "energy_review",
                service.Change(status, dt.date(2025, 4, 1), 1),
                "editor-" + status,
            )
            results.append("ok")
        except Conflict:
            results.append("409")

    threads = [threading.Thread(target=edit, args=(s,)) for s in ("preparing", "submitted")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "ok"]
    row = item(fresh_engine, code, "energy_review")
    assert row["version"] == 2
    assert len([e for e in events(fresh_engine, code, "energy_review") if e["action"] == "transition"]) == 1


STATUS = st.sampled_from(sorted(workflow.STATUSES))


class ApprovalMachine(RuleBasedStateMachine):
    """Random sequences of changes: the item never reaches an illegal state and no event is lost."""

    engine: Engine

    @initialize()
    def setup(self) -> None:
        self.code = new_project(self.engine)
        self.model_status = workflow.NOT_STARTED
        self.version = 1
        self.accepted = 0
        self.day = dt.date(2024, 1, 2)

    @rule(status=STATUS, advance=st.integers(0, 20), stale=st.booleans())
    def change(self, status: str, advance: int, stale: bool) -> None:
        self.day = min(self.day + dt.timedelta(days=advance), TODAY)
        version = self.version - 1 if stale else self.version
        try:
            self.version = service.record_change(
                self.engine,
                self.code,
                "safety_design",
                service.Change(status, self.day, version, document_number="应急〔2024〕1号"),
                "hypothesis",
            )
        except (InvalidParameter, Conflict):
            assert stale or status not in workflow.TRANSITIONS[self.model_status] or self._date_problem(status)
            return
        assert not stale
        assert status in workflow.TRANSITIONS[self.model_status]
        self.model_status = status
        self.accepted += 1

    def _date_problem(self, status: str) -> bool:
        row = item(self.engine, self.code, "safety_design")
        first = min(d for d in (row["submitted_on"], row["accepted_on"]) if d) if row["submitted_on"] else None
        return first is None or self.day < first or (status == workflow.ACCEPTED and row["submitted_on"] is None)

    @invariant()
    def database_agrees_with_the_model(self) -> None:
        if not hasattr(self, "code"):
            return
        row = item(self.engine, self.code, "safety_design")
        assert row["status"] == self.model_status and row["status"] in workflow.STATUSES
        assert row["version"] == self.version
        history = [e for e in events(self.engine, self.code, "safety_design") if e["action"] == "transition"]
        assert len(history) == self.accepted
        if history:
            assert history[-1]["to_status"] == self.model_status


@pytest.mark.slow
def test_random_sequences_of_changes_keep_the_item_legal_and_every_event(fresh_engine: Engine) -> None:
    ApprovalMachine.engine = fresh_engine
    run = settings(
        max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )(ApprovalMachine).TestCase
    run().runTest()
