"""The audit log's "Detaljer" in the reader's language.

The store writes each row's detail as a short technical note (``case overview``, ``assessment 12``,
``closed 2026-03-01: moved``) and the audit chain seals it: rows are never rewritten, so a database from
before any translation keeps its English notes for good. The Logg page therefore translates at display:
each known shape of note is a pattern here with a catalogue entry (``log_detail_<name>``), its values said
through the vocabularies (organisations, closing reasons, reviews …) and dates as the language writes
them. A note no pattern knows is shown as stored (the download always keeps the stored text).
"""

from __future__ import annotations

import re
from datetime import date

from . import STRINGS, plural, text, words

_DAY = r"\d{4}-\d{2}-\d{2}"
# (name, pattern, {group: vocabulary prefix or "date"}); the catalogue entry is ``log_detail_<name>``
PATTERNS: tuple[tuple[str, re.Pattern[str], dict[str, str]], ...] = tuple(
    (name, re.compile(pattern), vocabularies) for name, pattern, vocabularies in (
        ("case_overview", r"case overview", {}),
        ("who", r"who can open the case", {}),
        ("failed_notices", r"failed notices", {}),
        ("access_log", rf"access log: case=(?P<case>\S+) user=(?P<user>\S+) (?P<since>{_DAY})?\.\.(?P<until>{_DAY})?: "
         r"(?P<n>\d+) rows", {"since": "date", "until": "date"}),
        ("add_user", r"add (?P<login>.+)", {}),
        ("referrer_pnr_known", r"referral (?P<id>\d+) from a referrer: personnummer already known", {}),
        ("referrer_pnr_new", r"referral (?P<id>\d+) from a referrer: personnummer not known before", {}),
        ("referrals", r"(?P<n>\d+) referrals", {}),
        ("own_referrals", r"status of the referrer's own referrals \((?P<n>\d+)\)", {}),
        ("agenda_item", r"agenda item", {}),
        ("agenda_items", r"agenda items", {}),
        ("assessment_summary", r"assessment summary", {}),
        ("group", r"group", {}),
        ("group_plan", r"plan, commitments and events", {}),
        ("my_groups", r"mina grupper: (?P<n>\d+) groups", {}),
        ("network_recipients", rf"network recipients of (?P<kind>plan|invitation) on (?P<on>{_DAY})",
         {"kind": "log_notice_", "on": "date"}),
        ("notices_queued", rf"(?P<kind>plan|invitation) notice (?P<on>{_DAY}): (?P<n>\d+) queued; "
         r"not sent to (?P<left_out>.*)", {"kind": "log_notice_", "on": "date", "left_out": "left_out"}),
        ("notice_released", rf"(?P<kind>plan|invitation) notice (?P<on>{_DAY}) to member (?P<member>\d+) to "
         r"(?P<recipient>\w+) \((?P<category>\w+)\)",
         {"kind": "log_notice_", "on": "date", "recipient": "actor_", "category": "category_"}),
        ("notice_sent", rf"message (?P<id>\d+) \((?P<kind>plan|invitation) (?P<on>{_DAY})\) to member "
         r"(?P<member>\d+): sent, attempt (?P<attempt>\d+)", {"kind": "log_notice_", "on": "date"}),
        ("notice_failed", rf"message (?P<id>\d+) \((?P<kind>plan|invitation) (?P<on>{_DAY})\) to member "
         r"(?P<member>\d+): attempt (?P<attempt>\d+) (?P<code>\S+); failed for good",
         {"kind": "log_notice_", "on": "date"}),
        ("notice_retry", rf"message (?P<id>\d+) \((?P<kind>plan|invitation) (?P<on>{_DAY})\) to member "
         rf"(?P<member>\d+): attempt (?P<attempt>\d+) (?P<code>\S+); next attempt (?P<next>{_DAY}) "
         r"(?P<time>\d{2}:\d{2}) UTC", {"kind": "log_notice_", "on": "date", "next": "date"}),
        ("cases_open_to", r"cases open to (?P<login>\S+)", {}),
        ("timeline", r"timeline", {}),
        ("protections", r"protections", {}),
        ("outcomes", r"outcomes", {}),
        ("network_meeting", r"network meeting", {}),
        ("network_and_events", r"network and events", {}),
        ("funnel", r"funnel", {}),
        ("followups_due", r"follow-ups due", {}),
        ("commitment", r"commitment", {}),
        ("register_extract", r"register extract", {}),
        ("received", r"received", {}),
        ("screened", r"screened", {}),
        ("started", r"started", {}),
        ("asked", r"asked", {}),
        ("answered", r"answered", {}),
        ("demo", r"synthetic demo cohort", {}),
        ("list", r"list", {}),
        ("pnr_checked", r"with personnummer \(checked: not known before\)", {}),
        ("pnr_none", r"lookup by personal identity number: none", {}),
        ("pnr_found", r"by personal identity number", {}),
        ("login_local", r"local", {}),
        ("login_oidc", r"oidc", {}),
        ("unknown_user", r"unknown user", {}),
        ("deactivated", r"deactivated", {}),
        ("locked", r"locked", {}),
        ("wrong_password", r"wrong password", {}),
        ("wrong_password_locked", rf"wrong password; locked until (?P<on>{_DAY}) (?P<time>\d{{2}}:\d{{2}}) UTC",
         {"on": "date"}),
        ("own_password", r"own password", {}),
        ("logout", r"log-out", {}),
        ("idle_timeout", r"idle timeout", {}),
        ("assessment", r"assessment (?P<id>\d+)", {}),
        ("draft", r"draft (?P<id>\d+)", {}),
        ("emergency_access", r"emergency_access (?P<id>\d+)", {}),
        ("protection", r"protection (?P<id>\d+)", {}),
        ("reopening", r"reopening (?P<id>\d+)", {}),
        ("referral", r"referral (?P<id>\d+)", {}),
        ("intervention", r"intervention (?P<id>[\w-]+)", {}),
        ("history", r"history of (?P<id>\d+)", {}),
        ("checklist", r"checklist of referral (?P<id>\d+)", {}),
        ("commitment_status", r"commitment (?P<id>\d+): (?P<status>\w+)", {"status": "commitment_"}),
        ("commitment_review", r"commitment (?P<id>\d+) reviewed: (?P<review>\w+)", {"review": "review_"}),
        ("member", r"member (?P<organisation>[a-z_]+)", {"organisation": "org_"}),
        ("member_leaves", rf"member (?P<id>\d+) leaves (?P<on>{_DAY})", {"on": "date"}),
        ("member_link", r"member link (?P<login>\S+)", {}),
        ("closed", rf"closed (?P<on>{_DAY}): (?P<reason>\w+)", {"on": "date", "reason": "closing_"}),
        ("withdrawn", rf"withdrawn (?P<id>\d+) from (?P<on>{_DAY})", {"on": "date"}),
        ("event", r"(?P<kind>police_report|school_absence|incident|broken_commitment|contact)", {"kind": "event_"}),
        ("event_serious", r"(?P<kind>police_report|school_absence|incident|broken_commitment|contact) \(serious\)",
         {"kind": "event_"}),
        ("meetings", r"(?P<n>\d+) meetings", {}),
        ("assessments", r"(?P<n>\d+) assessments", {}),
        ("safety_assessment", rf"referral (?P<id>\d+): safety assessment (?P<on>{_DAY})", {"on": "date"}),
        ("concern_yes", r"referral (?P<id>\d+): report of concern yes", {}),
        ("concern_no", r"referral (?P<id>\d+): report of concern no", {}),
        ("investigation_opened", rf"referral (?P<id>\d+): investigation opened (?P<on>{_DAY})", {"on": "date"}),
        ("investigation_not_opened", rf"referral (?P<id>\d+): investigation not opened (?P<on>{_DAY})",
         {"on": "date"}),
        ("investigation_ended", rf"referral (?P<id>\d+): investigation ended (?P<on>{_DAY})", {"on": "date"}),
        ("caseload", rf"caseload on (?P<on>{_DAY}): (?P<n>\d+) active cases", {"on": "date"}),
        ("intake_queue", r"intake queue: (?P<n>\d+) rows", {}),
        ("awaiting_assessment", r"awaiting assessment: (?P<n>\d+) youths", {}),
        ("motivation_list", r"motivation list: (?P<n>\d+) youths", {}),
        ("concern_clocks", r"concern clocks: (?P<n>\d+) alerts", {}),
        ("case_search", r"case search: (?P<n>\d+) codes", {}),
        ("followup_period", rf"follow-up (?P<start>{_DAY})\.\.(?P<end>{_DAY})", {"start": "date", "end": "date"}),
        ("released", r"(?P<what>\S+) to (?P<recipient>\w+) \((?P<category>\w+)\)",
         {"recipient": "actor_", "category": "category_"}),
        ("share_check", r"(?P<recipient>\w+)/(?P<category>\w+): (?P<allowed>True|False)",
         {"recipient": "actor_", "category": "category_"}),
    ))


_LEFT_OUT = re.compile(r"member (\d+) \((\w+)\)")


def _left_out(value: str, language: str) -> str:
    """The members a notice did not go to, each with why (``store.outbox.REASONS``, ``outbox_why_``)."""
    if value == "nobody":
        return text("log_detail_nobody", language)
    return ", ".join(text("log_detail_member_why", language, member=m, why=words(why, language, "outbox_why_"))
                     for m, why in _LEFT_OUT.findall(value))


def log_detail(detail: str, language: str) -> str:
    """``detail`` as the reader's language says it, when a pattern knows its shape; else as stored."""
    for name, pattern, vocabularies in PATTERNS:
        found = pattern.fullmatch(detail)
        if found is None or f"log_detail_{name}" not in STRINGS:
            continue
        values: dict[str, object] = {}
        for key, value in found.groupdict().items():
            vocabulary = vocabularies.get(key)
            if vocabulary == "date":  # said as the language writes dates (catalogue.dates)
                values[key] = date.fromisoformat(value) if value else "…"
            elif vocabulary == "left_out":  # "member 3 (no_consent), member 4 (family)" or "nobody"
                values[key] = _left_out(value, language)
            elif vocabulary:
                values[key] = words(value, language, vocabulary)
            else:
                values[key] = text("log_detail_all", language) if value == "*" else value
        if "allowed" in values:
            values["allowed"] = text("log_detail_yes" if values["allowed"] == "True" else "log_detail_no", language)
        if "n" in values:  # a count: ngettext's form for it ("1 möte", "2 möten")
            return plural(f"log_detail_{name}", int(values.pop("n")), language, **values)
        return text(f"log_detail_{name}", language, **values)
    return detail
