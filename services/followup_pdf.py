"""The follow-up report as the PDF a coordinator hands the social welfare committee (matplotlib, no
browser): three A4 pages - key figures and the funnel; outcomes before and after the start beside the
comparison group; the definitions behind every figure. In the reader's language: every word comes from
the catalogue (``fpdf_*`` and the vocabularies' own ids), Swedish unless English is asked for."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Mapping
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.ticker import FuncFormatter

import catalogue
from rules.timing import OCCUPATION_AFTER_START_MONTHS

A4 = (8.27, 11.69)


def percent(share: float | None) -> str:
    """A share 0..1 as whole per cent ("62 %", a fall "−20 %" with a minus sign, as Babel writes Swedish
    numbers); "–" when there was nothing to share."""
    if share is None or share != share:  # None or NaN
        return "–"
    return f"{round(share * 100)} %".replace("-", "\N{MINUS SIGN}")  # round: a whole number, never "-0"


class Words(Mapping[str, str]):
    """A stored vocabulary's codes in words: ``prefix + code`` in the catalogue, in the language asked for
    (by default the session's, so the page's tables and its PDF say the same). Read like the dictionaries
    it replaces (``STEP_NAMES[code]``, ``REASONS.get(code, code)``, iterated in the vocabulary's order)."""

    def __init__(self, prefix: str, codes: tuple[str, ...], language: str | None = None) -> None:
        self.prefix, self.codes, self.language = prefix, codes, language

    def __getitem__(self, code: str) -> str:
        if code not in self.codes:
            raise KeyError(code)
        return catalogue.text(self.prefix + code, self.language or "sv")

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def said_in(self, language: str) -> Words:
        return Words(self.prefix, self.codes, language)


STEP_NAMES = Words("funnel_", ("received", "suitable", "asked", "accepted", "started"))
MEASURE_NAMES = Words("outcome_", ("police_reports", "placements", "placement_days", "placement_cost"))
PLACEMENT_NAMES = Words("placement_", ("SiS", "HVB", "family_home"))
OCCUPATION_NAMES = Words("occupation_", ("school", "work", "training", "none"))
REASONS = Words("closing_", ("goals_reached", "dropped_out", "moved", "placed", "transferred", "other"))
DEFINITIONS = ("cohort", "funnel", "within_7", "meetings", "before_after", "risk", "comparison", "occupation",
               "small")  # fpdf_def_<term> and fpdf_def_<term>_text


def _number(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value:,.0f}".replace(",", " ")


def _day(value: object) -> object:
    """The report's ISO date as a date, for the language to write it its own way."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _change_rows(change: dict, say) -> list[list[str]]:
    """Risk and protective totals, first and latest assessment (paired), as the Forskning page has them."""
    rows = []
    for name in ("risk_total", "protective_total"):
        if name in change:
            c = change[name]
            rows.append([say("fpdf_change", total=say(name), n=_number(change["n"])),
                         f"{c['pre_mean']:.1f} → {c['post_mean']:.1f}"])
    return rows


def concern_rows(clocks: dict, say) -> list[list[str]]:
    """The reports of concern received and how often each of the law's clocks was met, as the page says
    them: a share beside the count it is of ("80 % av 5"); a suppressed share as "–". None received: no rows."""
    if not clocks or not clocks.get("reports"):
        return []
    rows = [[say("fpdf_concern_reports"), _number(clocks["reports"])]]
    for key in ("safety_assessment", "investigation_decision", "investigation"):
        figures = clocks[key]
        rows.append([say(f"fpdf_concern_{key}"),
                     say("followup_concern_share", share=percent(figures["met_share"]), counted=figures["counted"])])
    return rows


def _page(title: str, subtitle: str):
    fig = plt.figure(figsize=A4)
    fig.text(0.08, 0.95, title, fontsize=16, weight="bold")
    fig.text(0.08, 0.925, subtitle, fontsize=9, color="#444")
    return fig


def follow_up_pdf(report: dict, lang: str = "sv") -> bytes:
    """The report in ``lang``: the page gives the session's language, ``insats report follow-up`` its own."""
    language = catalogue.language_or_swedish(lang)

    def say(key: str, **values: object) -> str:
        return catalogue.text(key, language, **values)

    steps, measures, placements, occupations, reasons = (
        words.said_in(language) for words in (STEP_NAMES, MEASURE_NAMES, PLACEMENT_NAMES, OCCUPATION_NAMES, REASONS))
    period = report["period"]
    after = period.get("after_months", period["window_months"])
    subtitle = (say("fpdf_subtitle", start=_day(period["from"]), end=_day(period["to"]), months=period["window_months"])
                if after == period["window_months"] else
                say("ba_pdf_subtitle", start=_day(period["from"]), end=_day(period["to"]),
                    before=period["window_months"], after=after))
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        fig = _page(say("fpdf_title"), subtitle)
        rows = [[say("fpdf_started"), _number(report["cases_started"])],
                [say("fpdf_days_to_decision"), _number(report["days_referral_to_decision"]["median"] or 0)],
                [say("fpdf_within_7"), percent(report["first_assessment_within_7_days_share"])],
                [say("fpdf_meetings_28"), percent(report["meeting_intervals_within_28_days_share"])],
                [say("fpdf_with_consent"), percent(report["started_with_active_consent_share"])],
                [say("fpdf_with_plan"), percent(report["started_with_action_plan_share"])],
                [say("fpdf_with_closing_assessment"),
                 percent(report["closed_with_closing_assessment_share"])],
                [say("fpdf_occupied"), percent(report["occupation_at_closing_share"])]]
        rows += [[say("ba_occupied_after", months=months), percent(report[f"occupation_after_{months}_months_share"])]
                 for months in OCCUPATION_AFTER_START_MONTHS if f"occupation_after_{months}_months_share" in report]
        if report.get("net", {}).get("net_per_month") is not None:  # only with the programme's cost set
            rows.append([say("ba_pdf_net"), _number(report["net"]["net_per_month"])])
        rows += [[say("fpdf_closed", reason=reasons.get(k, k)), _number(v)] for k, v in report["closed"].items()]
        rows += _change_rows(report.get("risk_change", {}), say)
        rows += concern_rows(report.get("concern_clocks", {}), say)
        ax = fig.add_axes([0.08, 0.52, 0.84, 0.38])
        ax.axis("off")
        table = ax.table(cellText=rows, colLabels=[say("measure"), say("value")], loc="upper left", cellLoc="left",
                         colWidths=[0.75, 0.25])
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        table.scale(1, 1.4)
        ax = fig.add_axes([0.6, 0.1, 0.32, 0.3])
        occupation = report.get("occupation_at_closing", {})
        values = [0 if isinstance(v, str) else v for v in occupation.values()]
        bars = ax.barh([occupations[k] for k in occupation], values, color="#54a24b")
        ax.bar_label(bars, labels=[_number(v) for v in occupation.values()], fontsize=8)
        ax.set_title(say("fpdf_occupation_title"), fontsize=11, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax = fig.add_axes([0.1, 0.1, 0.42, 0.3])
        funnel = report["funnel"]
        values = [0 if isinstance(v, str) else v for v in funnel.values()]
        bars = ax.bar([steps[s] for s in funnel], values, color="#4c78a8")
        ax.bar_label(bars, labels=[_number(v) for v in funnel.values()], fontsize=9)
        ax.set_title(say("followup_funnel"), fontsize=11, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        pdf.savefig(fig)
        plt.close(fig)

        fig = _page(say("fpdf_outcomes_title"), subtitle)
        for i, measure in enumerate(measures):
            ax = fig.add_axes([0.1 + (i % 2) * 0.45, 0.62 - (i // 2) * 0.27, 0.35, 0.2])
            for j, data in enumerate((report["outcomes"], report["comparison_group"]["outcomes"])):
                pair = [data["before"][measure], data["after"][measure]]
                bars = ax.bar([j * 3, j * 3 + 1], pair, color=["#bab0ac", "#4c78a8"])
                ax.bar_label(bars, labels=[_number(v) for v in pair], fontsize=7)
            ax.set_xticks([0, 1, 3, 4], [say("fpdf_sig_before"), say("fpdf_sig_after"), say("fpdf_comparison_before"),
                                          say("fpdf_comparison_after")], fontsize=7)
            ax.set_title(measures[measure], fontsize=10, loc="left")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
            ax.tick_params(axis="y", labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
        by_type = [[placements.get(t, t), _number(report["outcomes"]["before"]["placement_cost_by_type"][t]),
                    _number(report["outcomes"]["after"]["placement_cost_by_type"][t])]
                   for t in report["outcomes"]["before"]["placement_cost_by_type"]]
        ax = fig.add_axes([0.08, 0.06, 0.84, 0.14])
        ax.axis("off")
        table = ax.table(cellText=by_type, colLabels=[say("fpdf_cost_by_type"), say("before"), say("after")],
                         loc="upper left", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        fig.text(0.08, 0.215, say("fpdf_youths", sig=_number(report["outcomes"]["youths"]),
                                  comparison=_number(report["comparison_group"]["youths"])), fontsize=8)
        pdf.savefig(fig)
        plt.close(fig)

        fig = _page(say("fpdf_definitions"), subtitle)
        y = 0.88
        for term in DEFINITIONS:
            fig.text(0.08, y, say(f"fpdf_def_{term}"), fontsize=10, weight="bold")
            wrapped = textwrap.fill(say(f"fpdf_def_{term}_text"), 95)
            fig.text(0.08, y - 0.018, wrapped, fontsize=9, va="top")
            y -= 0.04 + 0.016 * wrapped.count("\n")
        pdf.savefig(fig)
        plt.close(fig)
    return buffer.getvalue()
