"""Messages chosen by a code at run time (a timetable state, an event, a record type …): gettext
cannot find ``_("tt_" + state)`` in the source, so each group lists its messages here, where
``pybabel extract`` sees them. Templates call ``message(group, code)``."""

from __future__ import annotations

from flask_babel import lazy_gettext, lazy_pgettext

GROUPS = {
    "timetable": {
        "overdue": lazy_gettext("Overdue"),
        "due_soon": lazy_gettext("Due soon"),
        "paused": lazy_gettext("Paused"),
        "on_schedule": lazy_gettext("On schedule"),
        "completed_late": lazy_gettext("Completed late"),
        "completed_on_time": lazy_gettext("Completed on time"),
        "completed": lazy_gettext("Completed (no time limit)"),
        "no_limit": lazy_gettext("In progress (no time limit)"),
        "no_clock": lazy_gettext("Not yet accepted"),
        "not_applicable": lazy_gettext("Not applicable"),
    },
    "schedule": {
        "behind": lazy_gettext("Behind schedule"),
        "due_soon": lazy_pgettext("milestone", "Due soon"),
        "on_schedule": lazy_pgettext("milestone", "On schedule"),
        "reached_late": lazy_gettext("Reached late"),
        "reached_on_time": lazy_gettext("Reached on time"),
        "unplanned": lazy_gettext("Not planned"),
    },
    "schedule_action": {
        "plan": lazy_gettext("Planned (baseline)"),
        "replan": lazy_gettext("Replanned"),
        "actual": lazy_gettext("Reached"),
        "report": lazy_gettext("Progress reported"),
        "revise_report": lazy_gettext("Progress report revised"),
        "problem": lazy_gettext("Problem raised"),
        "resolve": lazy_gettext("Problem solved"),
    },
    "approval_action": {
        "create": lazy_pgettext("approval event", "Created"),
        "transition": lazy_pgettext("approval event", "Status"),
        "target": lazy_pgettext("approval event", "Target date"),
        "edit": lazy_pgettext("approval event", "Edited"),
        "pause": lazy_pgettext("approval event", "Project paused"),
        "resume": lazy_pgettext("approval event", "Project resumed"),
    },
    "history_action": {
        "insert": lazy_gettext("Imported (new)"),
        "update": lazy_gettext("Imported (update)"),
    },
    "import_target": {
        "deposits": lazy_gettext("Deposits"),
        "projects": lazy_gettext("Development projects"),
        "resources": lazy_gettext("Resource and reserve estimates"),
        "approvals": lazy_gettext("Approval steps"),
        "indicators": lazy_gettext("Supply indicator values"),
    },
    "warning_level": {
        "red": lazy_gettext("Red warning"),
        "yellow": lazy_gettext("Yellow warning"),
        "blue": lazy_gettext("Blue warning"),
        "normal": lazy_pgettext("warning level", "Normal"),
        "": lazy_gettext("No rule"),
    },
    "direction": {
        "rising": lazy_gettext("higher is worse"),
        "falling": lazy_gettext("lower is worse"),
    },
    "scope_kind": {
        "world": lazy_pgettext("scope", "World"),
        "country": lazy_pgettext("scope", "Country"),
        "province": lazy_pgettext("scope", "Province"),
        "company": lazy_pgettext("scope", "Company"),
        "project": lazy_pgettext("scope", "Project"),
    },
    "record_type": {
        "deposit": lazy_pgettext("record type", "Deposit"),
        "project": lazy_pgettext("record type", "Project"),
        "company": lazy_pgettext("record type", "Company"),
    },
    "facet": {
        "type": lazy_gettext("Type"),
        "commodity": lazy_gettext("Commodity"),
        "status": lazy_gettext("Status / stage"),
        "country": lazy_gettext("Country"),
        "province": lazy_gettext("Province"),
    },
    "holding_role": {
        "stake": lazy_pgettext("holding", "Stake"),
        "operator": lazy_pgettext("holding", "Operator"),
    },
    "commodity_role": {
        "primary": lazy_pgettext("commodity role", "primary"),
        "associated": lazy_pgettext("commodity role", "associated"),
    },
}
