"""Inkorg: the intake team's referral queue, registration, screening steps, bulk import and funnel."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import NamedTuple

import pandas as pd
import streamlit as st

import config
import instruments
from forms import context as ctx
from forms.assessment_form import OMITTED, answers_table, domain_items, ratings_state
from forms.choice import kept_many, pinned
from forms.funnel import show_funnel
from forms.i18n import cell, expected, lang, ntr, person, plain, tr
from forms.network import organisation_label
from forms.numbers import date_text, for_display
from forms.uploads import too_many_rows, upload_bytes
from services.settings import case_system
from store import cases, imports, referrers, users, views
from store.access import may
from store.models import REFERRAL_SOURCES

CHECKLIST = "irk-8"
PICK_LIMIT = 200
ALERTS_SHOWN = 12  # the reports of concern's clocks named in the warning; the rest are counted


def status_label(status: str) -> str:
    return tr(f"status_{status}")


def queue_view() -> None:
    """The queue and what needs doing now. Its four reads are one transaction, drawn in the page's order
    (the warnings above the filters they do not depend on)."""
    warnings = st.container()
    left, mid, right, far = st.columns(4)
    with left:  # kept as codes: a change of language redraws the chips in the new words (forms.choice)
        sources = kept_many(tr("source_filter"), list(REFERRAL_SOURCES), lambda s: tr(f"source_{s}"),
                            key="intake_sources", placeholder=tr("all"))
    with mid:
        statuses = kept_many(tr("status_filter"), list(cases.STATUSES), status_label, key="intake_statuses",
                             default=list(cases.OPEN_STATUSES), placeholder=tr("choose_options"))
    ages = right.slider(tr("age"), 10, 26, (12, 24), key="intake_ages")
    waiting = far.number_input(tr("waiting_at_least"), 0, 365, 0, key="intake_waiting")
    with ctx.session() as s:
        actor, today = ctx.actor(), ctx.today()
        awaiting = views.awaiting_assessment(s, actor, today)
        alerts = views.concern_alerts(s, actor, today)
        queue = views.intake_queue(s, actor, today, sources=sources, statuses=statuses, ages=ages,
                                   min_waiting_days=int(waiting))
        due = views.follow_ups_due(s, actor, today)
    with warnings:
        assessment_due_warning(awaiting)
        concern_alerts(alerts)
    status_names = {x: status_label(x) for x in cases.STATUSES}  # translate once, not once per row
    source_names = {x: tr(f"source_{x}") for x in REFERRAL_SOURCES}
    consent_names = {x: tr(f"consent_state_{x}") for x in cases.CONSENT_STATES}
    shown = queue.assign(status=queue["status"].map(status_names), source=queue["source"].map(source_names),
                         consent=queue["consent"].map(consent_names),
                         # no clock: None, or NaN once pandas 3 has made the column text ("soon", NaN)
                         clock_alert=queue["clock_alert"].map(lambda a: tr(f"concern_alert_{a}")
                                                              if isinstance(a, str) else None))
    if not queue["report_of_concern"].any():  # no report of concern among them: no empty clock columns
        shown = shown.drop(columns=views.CLOCK_QUEUE_COLUMNS)
    if not due.empty:
        st.warning(ntr("follow_ups_due", len(due)))  # "1 uppföljning ... är aktuell", not "uppföljning(ar)"
        st.dataframe(due.rename(columns={"case_code": tr("case_code"), "closed_on": tr("closed_on"),
                                         "months": tr("follow_up_months"), "due_on": tr("due_on")}),
                     hide_index=True, width="stretch")
    st.caption(ntr("queue_count", len(queue)))
    for column in [c for c in views.CLOCK_QUEUE_COLUMNS if c in shown]:  # no clock: "–", never "None"
        # text throughout (a date beside "–" made Arrow give up on the column and log a trace)
        shown[column] = [("–" if v is None or v is pd.NaT or v != v else date_text(v) if isinstance(v, date) else v)
                         for v in shown[column]]
    st.dataframe(shown.drop(columns=["referral_id"]).rename(columns={
        "case_code": tr("case_code"), "age": tr("age"), "source": tr("source"), "received_on": tr("received_on"),
        "status": tr("status"), "waiting_days": tr("waiting_days"), "consent": tr("consent"),
        "synthetic": tr("synthetic")} | {c: tr(f"queue_{c}") for c in views.CLOCK_QUEUE_COLUMNS}),
        hide_index=True, width="stretch")
    if queue.empty:
        return
    st.header(tr("handle_referral"))
    # the table is a priority queue (the longest waiting first, ``views.intake_queue``), not newest-first:
    # the picker lists the same rows in the same order, and says so
    st.caption(tr("intake_pick_order"))
    first = queue.head(PICK_LIMIT)  # the longest waiting; filters narrow the rest
    if len(queue) > PICK_LIMIT:
        st.caption(tr("pick_limited", n=PICK_LIMIT))
    # the text of a choice never changes under the user (a status would, after each step): see forms.choice
    labels = {int(r.referral_id): choice_label(r.case_code, r.received_on) for r in first.itertuples()}
    kept = st.session_state.get("intake_referral:chosen")
    if kept is not None and kept not in labels:  # the referral just handled left the filtered list: keep it
        with ctx.session() as s:
            referral = views.referral_by_id(s, ctx.actor(), kept)
            labels = {kept: choice_label(referral.subject.case_code, referral.received_on)} | labels
    chosen = pinned(tr("choose_referral"), list(labels), labels.__getitem__, key="intake_referral")
    if chosen is not None:
        next_step(chosen)


def show_checklist(form) -> None:
    """What the referrer answered, beside the decision it informs."""
    if form is None:
        st.caption(tr("no_checklist"))
        return
    inst = ctx.instrument(form.instrument_id)
    with st.expander(tr("checklist_answers", title=inst.text(inst.title, lang()))):
        st.table(answers_table(inst, form.ratings).set_index(tr("factor")))


def show_origin(origin) -> None:
    """Who sent a referral from their own page (a referrer), and whether a case already holds the number
    they typed: said here, on intake's side only (the referrer is never told)."""
    if origin is None:
        return
    st.markdown(tr("intake_sent_by", name=plain(origin.name), organisation=organisation_label(origin.organisation)))
    if origin.same_case:
        st.warning(tr("intake_same_pnr_as", code=origin.same_case))
    elif origin.same_elsewhere:
        st.warning(tr("intake_same_pnr_elsewhere"))


def choice_label(case_code: str, received_on) -> str:
    return f"{case_code} · {tr('received_on').lower()} {received_on}"


def next_step(referral_id: int) -> None:
    """The one next step of this referral, dated, one click. What is shown of it is read in one
    transaction (the referral once, its origin, its checklist, and who may have taken part in a decision)."""
    with ctx.session() as s:
        actor = ctx.actor()
        referral = views.referral_by_id(s, actor, referral_id)
        status, code = cases.referral_status(referral), referral.subject.case_code
        origin = referrers.origin_of(s, actor, referral)
        checklist = views.referral_checklist(s, actor, referral_id)
        writes = may(actor, "referral.write")  # the steps are the intake team's: no form the role cannot use
        people = users.colleagues(s, actor) if writes and status == "received" else []
        concern = Concern(referral.report_of_concern, referral.safety_assessed_on, referral.investigation_decided_on,
                          referral.investigation_opened_on, referral.investigation_ended_on, referral.received_on)
    key = f"intake:{referral_id}"
    show_origin(origin)
    show_checklist(checklist)
    on = st.date_input(tr("step_date"), ctx.today(), key=f"{key}:{status}:date", format="YYYY-MM-DD")

    def apply(step, **kwargs) -> None:
        with ctx.session() as s:
            step(s, ctx.actor(), views.referral_by_id(s, ctx.actor(), referral_id), on=on, **kwargs)
        ctx.set_case(code)  # the case page opens on it: the natural next stop after a step
        ctx.done(tr("step_saved", code=code))

    if not writes:
        st.caption(tr("intake_steps_by_intake", status=status_label(status)))
    elif status == "received":
        decision_form(key, apply, people)
    elif status == "suitable":
        if st.button(tr("mark_asked"), key=f"{key}:ask", type="primary"):
            ctx.attempt(lambda: apply(cases.mark_asked))
    elif status == "asked":
        accepted = st.radio(tr("answer_q"), [True, False], key=f"{key}:accepted", horizontal=True, index=None,
                            format_func=lambda v: tr("yes") if v else tr("no"))  # their answer: nothing preselected
        other = st.text_input(tr("other_support"), key=f"{key}:other")
        if st.button(tr("save_answer"), key=f"{key}:answer", type="primary"):
            if accepted is None:  # one click on a preselected yes recorded an answer nobody gave
                st.error(tr("intake_answer_choose"))
            else:
                ctx.attempt(lambda: apply(cases.record_answer, accepted=accepted, other_support=other or None))
    elif status == "accepted":
        start_form(key, referral_id, on, apply)
    else:
        st.caption(tr("no_next_step"))
    if writes:
        concern_form(key, referral_id, code, concern)
    if st.button(tr("open_case"), key=f"{key}:open"):
        ctx.set_case(code)
        st.switch_page("forms/pages/case.py")


def assessment_due_warning(waiting: pd.DataFrame) -> None:
    """The reports' order: the structured assessment within a week of the youth's yes; warn from day 5."""
    late = waiting[waiting["days_since_yes"] >= views.ASSESSMENT_DUE_FROM_DAY]
    if not late.empty:
        st.warning(tr("assessment_due", cases=", ".join(f"{r.case_code} ({r.days_since_yes} d)"
                                                        for r in late.head(12).itertuples())))


def concern_rules() -> str:
    """The clocks of a report of concern in words, with the periods and paragraphs this instance uses."""
    clocks = config.concern_clocks()
    refs = clocks.references
    return tr("concern_rules", report=refs["report"], safety=ntr("concern_days", clocks.safety.days),
              safety_ref=refs["safety"], decision=ntr("concern_days", clocks.decision.days),
              decision_ref=refs["decision"], months=ntr("concern_months", clocks.investigation_months),
              investigation_ref=refs["investigation"], warning=ntr("concern_days", clocks.warning.days))


def concern_alerts(alerts: pd.DataFrame) -> None:
    """The law's clocks of the reports of concern that have passed or run out soon, whatever the
    referral's place on the SIG path (a youth who declined SIG is still a child reported about)."""
    if alerts.empty:
        return
    lines = [f"- {r.case_code}: {tr(f'concern_due_{r.clock}', day=r.due_on)} ({tr(f'concern_alert_{r.alert}')})"
             for r in alerts.head(ALERTS_SHOWN).itertuples()]
    if len(alerts) > ALERTS_SHOWN:  # the earliest first; the rest counted, never silently left out
        lines.append(f"- {ntr('concern_alerts_more', len(alerts) - ALERTS_SHOWN)}")
    show = st.error if (alerts["alert"] == "passed").any() else st.warning
    show("\n".join([tr("concern_alerts_title"), *lines]))
    st.caption(concern_rules())


class Concern(NamedTuple):
    """A referral's report of concern as the form shows it: marked, and the dates of its steps."""

    marked: bool
    safety: date | None
    decided: date | None
    opened: date | None
    ended: date | None
    received: date


def concern_form(key: str, referral_id: int, code: str, concern: Concern) -> None:
    """A report of concern: marked or not, and the steps that stop its clocks, each dated."""
    marked, safety, decided, opened, ended, received = concern
    key = f"{key}:concern"

    def step(work, **kwargs) -> None:
        with ctx.session() as s:
            work(s, ctx.actor(), views.referral_by_id(s, ctx.actor(), referral_id), **kwargs)
        ctx.done(tr("concern_saved", code=code))

    with st.expander(tr("concern_section"), expanded=bool(marked)):
        if not marked:
            st.caption(tr("concern_not_marked"))
            if st.button(tr("concern_mark"), key=f"{key}:mark"):
                ctx.attempt(lambda: step(cases.mark_report_of_concern, concern=True))
            return
        st.caption(concern_rules())
        on = st.date_input(tr("concern_step_date"), ctx.today(), key=f"{key}:date", format="YYYY-MM-DD",
                           min_value=received)
        if safety is not None:
            st.markdown(tr("concern_safety_done", day=safety))
        elif st.button(tr("concern_save_safety"), key=f"{key}:safety"):
            ctx.attempt(lambda: step(cases.record_safety_assessment, on=on))
        if decided is not None:
            st.markdown(tr("concern_decided_opened", day=decided) if opened
                        else tr("concern_decided_not_opened", day=decided))
        else:
            investigate = st.radio(tr("concern_decision_q"), [True, False], key=f"{key}:opened", horizontal=True,
                                   index=None, format_func=lambda v: tr("yes") if v else tr("no"))
            if st.button(tr("concern_save_decision"), key=f"{key}:decide"):
                if investigate is None:  # nothing chosen for the team: a decision is theirs to state
                    st.error(tr("concern_choose_decision"))
                else:
                    ctx.attempt(lambda: step(cases.record_investigation_decision, opened=investigate, on=on))
        if ended is not None:
            st.markdown(tr("concern_ended", day=ended))
        elif opened is not None and st.button(tr("concern_save_end"), key=f"{key}:end"):
            ctx.attempt(lambda: step(cases.record_investigation_end, on=on))
        if safety is None and decided is None and st.button(tr("concern_unmark"), key=f"{key}:unmark"):
            ctx.attempt(lambda: step(cases.mark_report_of_concern, concern=False))


def decision_form(key: str, apply, people: list[str]) -> None:
    """The intake decision as a record: suitable or not, against the named criteria, who took part (of
    ``people``, the colleagues; others may be typed), and when the preparation group was informed (the
    reports: a joint decision, the group informed)."""
    suitable = st.radio(tr("suitable_q"), [True, False], key=f"{key}:suitable", horizontal=True, index=None,
                        format_func=lambda v: tr("yes") if v else tr("no"))  # nothing chosen for the team
    criteria = instruments.load_intake_criteria()
    met = st.multiselect(tr("criteria_met"), criteria.ids, key=f"{key}:criteria",
                         format_func=lambda c: criteria.label(c, lang()), placeholder=tr("choose_options"))
    mine = next((p for p in people if p.startswith(f"{ctx.actor().name} (")), None)
    left, right = st.columns([3, 1])
    took_part = left.multiselect(tr("decided_by"), people, default=[mine] if mine else [], key=f"{key}:who",
                                 accept_new_options=True, help=tr("decided_by_help"), format_func=person,
                                     placeholder=tr("choose_options"))
    informed = right.date_input(tr("preparation_informed_on"), None, key=f"{key}:informed", format="YYYY-MM-DD")
    reason = st.text_input(tr("reason"), key=f"{key}:reason")
    if suitable and not met:
        st.caption(tr("criteria_hint"))
    if st.button(tr("save_decision"), key=f"{key}:decide", type="primary"):
        if suitable is None:
            st.error(tr("choose_suitable"))
            return
        ctx.attempt(lambda: apply(cases.screen, suitable=suitable, reason=reason, criteria=met,
                                  decided_by=took_part, preparation_informed_on=informed))


def motivation_view() -> None:
    """Youths who said no stay for motivation: every ask kept, asking again one click."""
    with ctx.session() as s:
        waiting = views.motivation_list(s, ctx.actor(), ctx.today())
    if waiting.empty:
        st.info(tr("motivation_empty"))
        return
    st.caption(tr("motivation_help"))
    headers = {c: tr(f"motivation_{c}") for c in waiting.columns} | {"asks": tr("motivation_ask_count")}
    shown = waiting.drop(columns=["referral_id"]).rename(columns=headers)
    st.dataframe(for_display(shown), hide_index=True, width="stretch")
    for row in waiting.itertuples():
        left, right = st.columns([3, 1])
        left.markdown(f"**{row.case_code}** · {ntr('motivation_asks', int(row.asks), on=row.last_asked_on)}")

        def ask(referral_id: int = int(row.referral_id), code: str = row.case_code) -> None:
            with ctx.session() as s:
                cases.mark_asked(s, ctx.actor(), views.referral_by_id(s, ctx.actor(), referral_id), ctx.today())
            ctx.done(tr("asked_again", code=code))

        if right.button(tr("ask_again"), key=f"ask_again:{row.referral_id}"):
            ctx.attempt(ask)


def start_form(key: str, referral_id: int, on, apply) -> None:
    """The start decision: the legal route in words (and whether it needs consent), the formal decision
    with it, and a reason when no assessment came first or it judged the risk below high."""
    with ctx.session() as s:
        referral = views.referral_by_id(s, ctx.actor(), referral_id)
        assessed = cases.assessed_for_start(s, ctx.actor(), referral, on)
        below_high = assessed and cases.below_high_for_start(s, ctx.actor(), referral, on)
    routes = cases.legal_bases()
    left, right = st.columns(2)
    basis = left.selectbox(tr("legal_basis"), (None, *routes.ids), key=f"{key}:basis",
                           format_func=lambda b: tr("legal_basis_none") if b is None else routes.get(b).words(lang()))
    system = case_system() or tr("case_system_default")
    reference = right.text_input(tr("decision_reference", system=system), key=f"{key}:reference")
    if routes.consent_required(basis):
        st.caption(tr("start_consent_needed"))
    else:
        st.info(tr("start_consent_not_required"))
    reason = None
    if not assessed:
        st.warning(tr("start_without_assessment"))
        reason = st.text_input(tr("start_reason"), key=f"{key}:start_reason")
    elif below_high:
        st.warning(tr("start_below_high"))
        reason = st.text_input(tr("start_below_high_reason"), key=f"{key}:start_reason")
    if st.button(tr("mark_started"), key=f"{key}:start", type="primary"):
        ctx.attempt(lambda: apply(cases.mark_started, reason=reason, legal_basis=basis,
                                  decision_reference=reference))


def register_view() -> None:
    """A new referral: the youth (new case or existing code), the source, and the checklist."""
    inst = ctx.instrument(CHECKLIST)
    existing = st.text_input(tr("existing_case"), key="reg_case", help=tr("existing_case_help"))
    cols = st.columns(4)
    year = cols[0].number_input(tr("birth_year"), 1990, ctx.today().year, ctx.today().year - 15, key="reg_year",
                                disabled=bool(existing))
    month = cols[1].number_input(tr("birth_month"), 1, 12, 1, key="reg_month", disabled=bool(existing))
    gender = cols[2].selectbox(tr("gender"), ["pojke", "flicka", "annat"], key="reg_gender", disabled=bool(existing),
                               format_func=lambda g: tr(f"gender_{g}"))
    district = cols[3].text_input(tr("district"), key="reg_district", disabled=bool(existing))
    pnr = st.text_input(tr("pnr_optional"), key="reg_pnr", type="password", help=tr("pnr_help"),
                        disabled=bool(existing))
    left, mid, right = st.columns(3)
    source = left.selectbox(tr("source"), REFERRAL_SOURCES, key="reg_source", format_func=lambda s: tr(f"source_{s}"))
    received = mid.date_input(tr("received_on"), ctx.today(), key="reg_received", format="YYYY-MM-DD")
    team_id = team_choice(right, disabled=bool(existing))
    concern = st.checkbox(tr("concern_register"), key="reg_concern", help=tr("concern_register_help"))
    st.markdown(f"### {inst.text(inst.title, lang())}")
    for domain in inst.domains:
        domain_items(inst, domain.id, "reg_checklist")
    if st.button(tr("register"), key="reg_submit", type="primary"):
        answers = {k: (None if v == OMITTED else v) for k, v in ratings_state("reg_checklist", inst).items()}

        def save() -> str:
            fields = {} if existing else {"birth_year": int(year), "birth_month": int(month), "gender": gender,
                                          "district": district or None, "pnr": pnr or None, "team_id": team_id}
            with ctx.session() as s:
                referral = cases.register_referral(s, ctx.actor(), source=source, received_on=received,
                                                   case_code=existing or None, checklist=answers,
                                                   checklist_instrument=CHECKLIST, report_of_concern=concern,
                                                   **fields)
                return referral.subject.case_code

        code = ctx.attempt(save)
        if code:
            for key in [k for k in st.session_state if str(k).startswith("reg_")]:
                del st.session_state[key]
            ctx.done(tr("registered", code=code))


def team_choice(column, key: str = "reg_team", disabled: bool = False) -> int | None:
    """The team a new case goes to, when the actor works in more than one."""
    teams = sorted(ctx.actor().teams)
    if len(teams) < 2:
        return teams[0] if teams else None
    with ctx.session() as s:
        names = users.team_names(s)
    return column.selectbox(tr("team"), teams, key=key, format_func=lambda t: names.get(t, str(t)),
                            disabled=disabled)


def import_view() -> None:
    """Upload -> preview and every row error -> import all or nothing."""
    uploaded = st.file_uploader(tr("import_file"), type=["csv"], key="import_upload", help=tr("import_help"))
    if uploaded is None:
        return
    data = upload_bytes(uploaded)
    if data is None or too_many_rows(data):
        return
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        st.error(tr("import_unreadable", message=str(exc)))
        return
    try:
        _, _, errors = imports.validate_referrals(frame)
    except imports.ImportRefused as exc:  # the header itself is wrong
        errors = exc.errors
    st.caption(ntr("import_preview", len(frame)))
    st.dataframe(frame.head(20), hide_index=True, width="stretch")
    if errors:
        st.error(tr("import_errors", n=len(errors)))
        # a table to read (and for a screen reader), not a grid: every error named by row and column
        st.table(pd.DataFrame([{tr("row"): e.row, tr("column"): e.column, tr("value"): cell(e.value),
                                tr("expected"): expected(e.expected)} for e in errors]).set_index(tr("row")))
        return
    team_id = team_choice(st, key="import_team")
    if st.button(ntr("import_go", len(frame)), key="import_go", type="primary"):
        def run() -> imports.ImportReport:
            with ctx.session() as s:
                return imports.import_referrals(s, ctx.actor(), frame, team_id=team_id)

        report = ctx.attempt(run)
        if report is not None:
            ctx.done(ntr("imported", report.imported, new=report.new_subjects, skipped=len(report.skipped)))


def funnel_view() -> None:
    show_funnel(since=(ctx.today() - timedelta(days=365)).replace(day=1).isoformat())


def main() -> None:
    st.title(tr("page_intake"))
    # one section at a time: only the chosen one runs, so a city-sized queue costs nothing elsewhere
    # only the sections the role may use (an assessor reads the queue; registering is the intake team's)
    actor = ctx.actor()
    sections = {"queue": (queue_view, "referral.read"), "register_referral": (register_view, "referral.write"),
                "motivation": (motivation_view, "referral.write"), "bulk_import": (import_view, "referral.import"),
                "funnel": (funnel_view, "report.funnel")}
    views_by_name = {name: view for name, (view, action) in sections.items() if may(actor, action)}
    if st.session_state.get("intake_view") not in views_by_name:
        st.session_state["intake_view"] = "queue"
    chosen = st.segmented_control(tr("intake_section"), list(views_by_name), key="intake_view", format_func=tr,
                                  label_visibility="collapsed", required=True)  # a click never empties it
    views_by_name[chosen or "queue"]()


main()
