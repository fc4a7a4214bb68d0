"""The follow-up report as the PDF a coordinator hands the social welfare committee (matplotlib, no
browser): three A4 pages in Swedish - key figures and the funnel; outcomes before and after the start
beside the comparison group; the definitions behind every figure."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.ticker import FuncFormatter

from .numbers import percent

A4 = (8.27, 11.69)
STEP_NAMES = {"received": "Inkomna", "suitable": "Lämpliga", "asked": "Tillfrågade", "accepted": "Tackat ja"}
MEASURE_NAMES = {"police_reports": "Polisanmälningar", "placements": "Placeringar",
                 "placement_days": "Placeringsdygn", "placement_cost": "Placeringskostnad (kr)"}
PLACEMENT_NAMES = {"SiS": "SiS", "HVB": "HVB", "family_home": "Familjehem"}
OCCUPATION_NAMES = {"school": "Skola", "work": "Arbete", "training": "Studier", "none": "Ingen"}
REASONS = {"goals_reached": "Målen nådda", "dropped_out": "Avhopp", "moved": "Flyttat", "placed": "Placerad",
           "transferred": "Överförd vid 18/21 år", "other": "Annat"}
DEFINITIONS = [
    ("Kohort", "Ungdomar vars deltagande startade under perioden (startdatum i remissregistret)."),
    ("Tratten", "Varje steg räknas den dag det hände under perioden: inkomna remisser, bedömda lämpliga, "
                "tillfrågade, tackat ja."),
    ("Bedömning inom 7 dagar", "Andel av kohorten vars första slutförda bedömning gjordes högst 7 dagar efter "
                               "att ungdomen tackade ja."),
    ("Nätverksmöten", "Andel av intervallen mellan två nätverksmöten för samma ungdom som var högst 28 dagar."),
    ("Före och efter", "Utfallsperioder i fönstret före start och lika långt fönster efter start. En period som "
                       "korsar starten delas efter antal dagar; en placering räknas i varje fönster den berör."),
    ("Risk och skydd", "Första och senaste slutförda bedömning (SAVRY-lik som standard) för ungdomar i kohorten "
                       "med minst två; medelvärden av risk- och skyddssummorna. Bedömarens slutliga bedömning är "
                       "beslutet, summorna informerar."),
    ("Jämförelsegrupp", "Ungdomar som bedömdes lämpliga under perioden men inte startade (tackade nej eller "
                        "erbjöds inte). Referensdatum är beslutet. Gruppen är inte slumpad: skillnader kan bero "
                        "på annat än insatsen."),
    ("Sysselsättning vid avslut", "Andel avslutade ärenden vars senaste utfallsperiod anger skola, arbete eller "
                                  "studier."),
    ("Små tal", "Antal under den valda gränsen visas som \"< N\" så att ingen enskild ungdom kan pekas ut."),
]


def _number(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value:,.0f}".replace(",", " ")


def _change_rows(change: dict) -> list[list[str]]:
    """Risk and protective totals, first and latest assessment (paired), as the Forskning page has them."""
    rows = []
    for name, label in (("risk_total", "Risksumma"), ("protective_total", "Skyddssumma")):
        if name in change:
            c = change[name]
            rows.append([f"{label}, första → senaste bedömning (n = {_number(change['n'])})",
                         f"{c['pre_mean']:.1f} → {c['post_mean']:.1f}"])
    return rows


def _page(title: str, subtitle: str):
    fig = plt.figure(figsize=A4)
    fig.text(0.08, 0.95, title, fontsize=16, weight="bold")
    fig.text(0.08, 0.925, subtitle, fontsize=9, color="#444")
    return fig


def follow_up_pdf(report: dict) -> bytes:
    period = report["period"]
    subtitle = (f"Ärenden som startade {period['from']} – {period['to']}; utfall {period['window_months']} månader "
                "före och efter start")
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        fig = _page("Uppföljning av sociala insatsgrupper", subtitle)
        rows = [["Startade ärenden", _number(report["cases_started"])],
                ["Dagar remiss → beslut (median)", _number(report["days_referral_to_decision"]["median"] or 0)],
                ["Första bedömning inom 7 dagar", percent(report["first_assessment_within_7_days_share"])],
                ["Nätverksmöten högst 28 dagar isär", percent(report["meeting_intervals_within_28_days_share"])],
                ["Startade med aktivt samtycke", percent(report["started_with_active_consent_share"])],
                ["Startade med åtgärdsplan", percent(report["started_with_action_plan_share"])],
                ["Avslutade med avslutande bedömning", percent(report["closed_with_closing_assessment_share"])],
                ["I skola, arbete eller studier vid avslut", percent(report["occupation_at_closing_share"])]]
        rows += [[f"Avslutade: {REASONS.get(k, k)}", _number(v)] for k, v in report["closed"].items()]
        rows += _change_rows(report.get("risk_change", {}))
        ax = fig.add_axes([0.08, 0.52, 0.84, 0.38])
        ax.axis("off")
        table = ax.table(cellText=rows, colLabels=["Mått", "Värde"], loc="upper left", cellLoc="left",
                         colWidths=[0.75, 0.25])
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        table.scale(1, 1.4)
        ax = fig.add_axes([0.6, 0.1, 0.32, 0.3])
        occupation = report.get("occupation_at_closing", {})
        values = [0 if isinstance(v, str) else v for v in occupation.values()]
        bars = ax.barh([OCCUPATION_NAMES[k] for k in occupation], values, color="#54a24b")
        ax.bar_label(bars, labels=[_number(v) for v in occupation.values()], fontsize=8)
        ax.set_title("Sysselsättning vid avslut", fontsize=11, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax = fig.add_axes([0.1, 0.1, 0.42, 0.3])
        funnel = report["funnel"]
        values = [0 if isinstance(v, str) else v for v in funnel.values()]
        bars = ax.bar([STEP_NAMES[s] for s in funnel], values, color="#4c78a8")
        ax.bar_label(bars, labels=[_number(v) for v in funnel.values()], fontsize=9)
        ax.set_title("Remisser under perioden", fontsize=11, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        pdf.savefig(fig)
        plt.close(fig)

        fig = _page("Utfall före och efter start", subtitle)
        for i, measure in enumerate(MEASURE_NAMES):
            ax = fig.add_axes([0.1 + (i % 2) * 0.45, 0.62 - (i // 2) * 0.27, 0.35, 0.2])
            for j, data in enumerate((report["outcomes"], report["comparison_group"]["outcomes"])):
                pair = [data["before"][measure], data["after"][measure]]
                bars = ax.bar([j * 3, j * 3 + 1], pair, color=["#bab0ac", "#4c78a8"])
                ax.bar_label(bars, labels=[_number(v) for v in pair], fontsize=7)
            ax.set_xticks([0, 1, 3, 4], ["SIG före", "SIG efter", "Jmf före", "Jmf efter"], fontsize=7)
            ax.set_title(MEASURE_NAMES[measure], fontsize=10, loc="left")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
            ax.tick_params(axis="y", labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
        by_type = [[PLACEMENT_NAMES.get(t, t), _number(report["outcomes"]["before"]["placement_cost_by_type"][t]),
                    _number(report["outcomes"]["after"]["placement_cost_by_type"][t])]
                   for t in report["outcomes"]["before"]["placement_cost_by_type"]]
        ax = fig.add_axes([0.08, 0.06, 0.84, 0.14])
        ax.axis("off")
        table = ax.table(cellText=by_type, colLabels=["Placeringskostnad per typ (kr)", "Före", "Efter"],
                         loc="upper left", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        fig.text(0.08, 0.215, f"SIG: {_number(report['outcomes']['youths'])} ungdomar; jämförelsegrupp: "
                              f"{_number(report['comparison_group']['youths'])} ungdomar (inte slumpad).", fontsize=8)
        pdf.savefig(fig)
        plt.close(fig)

        fig = _page("Definitioner", subtitle)
        y = 0.88
        for term, text in DEFINITIONS:
            fig.text(0.08, y, term, fontsize=10, weight="bold")
            wrapped = textwrap.fill(text, 95)
            fig.text(0.08, y - 0.018, wrapped, fontsize=9, va="top")
            y -= 0.04 + 0.016 * wrapped.count("\n")
        pdf.savefig(fig)
        plt.close(fig)
    return buffer.getvalue()
