"""The approval state machine: which status may follow which, and what a transition records.

The statuses and their labels are data (``approval_status.csv``); the transitions are rules and live
here. A test checks that the two agree.
"""

from __future__ import annotations

from geoplatform.errors import InvalidParameter

NOT_STARTED = "not_started"
PREPARING = "preparing"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
UNDER_REVIEW = "under_review"
APPROVED = "approved"
APPROVED_WITH_CONDITIONS = "approved_with_conditions"
RETURNED = "returned"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
NOT_APPLICABLE = "not_applicable"

TRANSITIONS: dict[str, frozenset[str]] = {
    NOT_STARTED: frozenset({PREPARING, SUBMITTED, NOT_APPLICABLE}),
    PREPARING: frozenset({SUBMITTED, WITHDRAWN, NOT_APPLICABLE}),
    SUBMITTED: frozenset({ACCEPTED, RETURNED, REJECTED, WITHDRAWN}),
    ACCEPTED: frozenset({UNDER_REVIEW, APPROVED, APPROVED_WITH_CONDITIONS, RETURNED, REJECTED, WITHDRAWN}),
    UNDER_REVIEW: frozenset({APPROVED, APPROVED_WITH_CONDITIONS, RETURNED, REJECTED, WITHDRAWN}),
    RETURNED: frozenset({PREPARING, SUBMITTED, WITHDRAWN}),
    WITHDRAWN: frozenset({PREPARING, SUBMITTED}),
    REJECTED: frozenset({PREPARING}),
    NOT_APPLICABLE: frozenset({NOT_STARTED}),
    APPROVED: frozenset(),
    APPROVED_WITH_CONDITIONS: frozenset(),
}
STATUSES = frozenset(TRANSITIONS)

DECIDED = frozenset({APPROVED, APPROVED_WITH_CONDITIONS, REJECTED})
"""A decision ends the review clock; an approval also needs a document number."""
GRANTED = frozenset({APPROVED, APPROVED_WITH_CONDITIONS})
CLOCK_RUNNING = frozenset({ACCEPTED, UNDER_REVIEW})
"""The statutory clock runs from acceptance until a decision (or a return, withdrawal)."""
INACTIVE = frozenset({NOT_APPLICABLE, WITHDRAWN})


def check_transition(current: str, new: str) -> None:
    """Raise :class:`InvalidParameter` naming the allowed next statuses when ``new`` may not follow."""
    if new not in STATUSES:
        raise InvalidParameter("Unknown approval status; see /api/v1/codelists/approval_status.")
    allowed = TRANSITIONS[current]
    if new not in allowed:
        if not allowed:
            raise InvalidParameter(f"An item that is '{current}' is final and cannot change any more.")
        raise InvalidParameter(f"An item that is '{current}' can only become: " + ", ".join(sorted(allowed)) + ".")
