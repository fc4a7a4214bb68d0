"""Case operations, one module per step of the path; every function is guarded and audited.

Functions take an open session (see ``store.db.transaction``) and the acting ``Actor`` first. They
refuse what the policy forbids (``AccessDenied``, audited) and what the domain forbids - an update
of a finalised assessment, a network meeting planned more than four weeks ahead - with
``CaseError`` (a code, parameters and an English sentence); nothing is half-written.
"""

from rules.path import OPEN_STATUSES, STATUSES, referral_status

from ._errors import CaseError, ConsentMissing
from .assessments import correct, finalise, history, outside_age_range, save_draft
from .closing import CLOSING_REASONS, close_case, reopen_case
from .concern import (
    mark_report_of_concern,
    record_investigation_decision,
    record_investigation_end,
    record_safety_assessment,
)
from .consent import (
    CONSENT_STATES,
    FAMILY,
    add_consent,
    consent_state,
    consents_of,
    is_active,
    may_share,
    release,
    withdraw_consent,
)
from .network import (
    SERIOUS_MEETING_WITHIN,
    add_member,
    covers,
    end_membership,
    events_of,
    link_member,
    log_event,
    members_of,
    missing_organisations,
    network_of,
)
from .outcomes import record_outcome
from .plans import (
    MAX_MEETING_INTERVAL,
    MeetingInput,
    PlanItem,
    add_commitment,
    add_to_plan,
    current_plan,
    meeting_overdue,
    record_intervention,
    record_meeting,
    review_commitment,
    set_commitment_status,
)
from .protection import protect, protections_of, shown_members, unprotect
from .referrals import (
    add_referral,
    assessed_for_start,
    below_high_for_start,
    legal_bases,
    mark_asked,
    mark_started,
    record_answer,
    register_referral,
    screen,
)
from .subjects import create_subject, normalise_code, open_in_emergency, subject_by_code, subject_by_pnr
from .timeline import Event, timeline

__all__ = [
    "CLOSING_REASONS",
    "CONSENT_STATES",
    "FAMILY",
    "MAX_MEETING_INTERVAL",
    "OPEN_STATUSES",
    "SERIOUS_MEETING_WITHIN",
    "STATUSES",
    "CaseError",
    "ConsentMissing",
    "Event",
    "MeetingInput",
    "PlanItem",
    "add_commitment",
    "add_consent",
    "add_member",
    "add_referral",
    "add_to_plan",
    "assessed_for_start",
    "below_high_for_start",
    "close_case",
    "consent_state",
    "consents_of",
    "correct",
    "covers",
    "create_subject",
    "current_plan",
    "end_membership",
    "events_of",
    "finalise",
    "history",
    "is_active",
    "legal_bases",
    "link_member",
    "log_event",
    "mark_asked",
    "mark_started",
    "may_share",
    "meeting_overdue",
    "members_of",
    "missing_organisations",
    "network_of",
    "normalise_code",
    "open_in_emergency",
    "outside_age_range",
    "protect",
    "protections_of",
    "record_answer",
    "record_intervention",
    "record_meeting",
    "record_outcome",
    "referral_status",
    "register_referral",
    "release",
    "reopen_case",
    "review_commitment",
    "save_draft",
    "screen",
    "set_commitment_status",
    "shown_members",
    "subject_by_code",
    "subject_by_pnr",
    "timeline",
    "unprotect",
    "withdraw_consent",
]
# a report of concern's clocks (store.cases.concern)
__all__ += ["mark_report_of_concern", "record_investigation_decision", "record_investigation_end",
            "record_safety_assessment"]
