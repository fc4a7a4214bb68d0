"""User-interface strings in Swedish (default) and English.

Instrument texts come from the definitions; these are only the words of the app itself. Keep them
short and in the social worker's language.
"""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"sv": "Svenska", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"sv": "Insats", "en": "Insats"},
    "language": {"sv": "Språk", "en": "Language"},
    "page_instruments": {"sv": "Instrument", "en": "Instruments"},
    "choose_instrument": {"sv": "Välj instrument", "en": "Choose instrument"},
    "step": {"sv": "Steg", "en": "Step"},
    "previous": {"sv": "← Föregående", "en": "← Previous"},
    "next": {"sv": "Nästa →", "en": "Next →"},
    "summary_step": {"sv": "Sammanfattning", "en": "Summary"},
    "judgment_step": {"sv": "Samlad bedömning", "en": "Summary judgment"},
    "answered": {"sv": "{n} av {k} faktorer skattade", "en": "{n} of {k} factors rated"},
    "risk": {"sv": "Risk", "en": "Risk"},
    "protection": {"sv": "Skydd", "en": "Protection"},
    "risk_total": {"sv": "Risksumma", "en": "Risk total"},
    "protective_total": {"sv": "Skyddssumma", "en": "Protective total"},
    "net": {"sv": "Netto (risk − skydd)", "en": "Net (risk − protection)"},
    "protective_present": {"sv": "Skyddsfaktorer som finns", "en": "Protective factors present"},
    "no_protective": {"sv": "Inga skyddsfaktorer markerade ännu.", "en": "No protective factors marked yet."},
    "strengths": {"sv": "Styrkor att bygga vidare på", "en": "Strengths to build on"},
    "omitted": {"sv": "Ej bedömda", "en": "Not rated"},
    "invalid": {
        "sv": "För många faktorer saknar skattning ({n}, högst {max}). Summorna räknas inte.",
        "en": "Too many factors are not rated ({n}, at most {max}). Totals are not computed.",
    },
    "totals_when": {
        "sv": "Summorna visas när minst {n} av {k} faktorer är skattade.",
        "en": "Totals appear when at least {n} of {k} factors are rated.",
    },
    "band": {"sv": "Nivå enligt summan", "en": "Level from the total"},
    "band_research": {
        "sv": "Summornas nivå är ett forskningsmått och ett stöd – inte beslutet.",
        "en": "The level from the totals is a research transform and a support – not the decision.",
    },
    "next_step": {"sv": "Nästa steg", "en": "Next step"},
    "judgment": {"sv": "Din samlade bedömning", "en": "Your summary judgment"},
    "judgment_help": {
        "sv": "Professionell bedömning är avgörande. Väg samman alla faktorer, även skyddsfaktorerna.",
        "en": "Professional judgment is final. Weigh all factors, including the protective ones.",
    },
    "rationale": {"sv": "Motivering", "en": "Rationale"},
    "rationale_required": {
        "sv": "Skriv en motivering till bedömningen.",
        "en": "Write a rationale for the judgment.",
    },
    "no_judgment": {"sv": "Ingen samlad bedömning gjord ännu.", "en": "No summary judgment made yet."},
    "decision": {"sv": "Bedömning (beslut)", "en": "Judgment (decision)"},
    "discordant": {
        "sv": "Din bedömning ({judgment}) skiljer sig två nivåer från summans nivå ({band}). "
        "Det kan vara helt rätt – se till att motiveringen förklarar varför.",
        "en": "Your judgment ({judgment}) is two levels from the level of the total ({band}). "
        "That can be right – make sure the rationale explains why.",
    },
    "not_rated": {"sv": "Ej bedömd", "en": "Not rated"},
    "definition": {"sv": "Definition", "en": "Definition"},
    "try_form": {"sv": "Prova formuläret", "en": "Try the form"},
    "upload": {"sv": "Ladda upp en definition (YAML)", "en": "Upload a definition (YAML)"},
    "upload_ok": {
        "sv": "Filen är giltig: {id} {version}, {n} faktorer.",
        "en": "The file is valid: {id} {version}, {n} factors.",
    },
    "upload_errors": {
        "sv": "Filen har fel – inget har sparats:",
        "en": "The file has errors – nothing was saved:",
    },
    "source": {"sv": "Källa", "en": "Source"},
    "licence": {"sv": "Licens", "en": "Licence"},
    "static": {"sv": "statisk", "en": "static"},
    "dynamic": {"sv": "dynamisk", "en": "dynamic"},
    "items": {"sv": "faktorer", "en": "factors"},
    "clear_form": {"sv": "Töm formuläret", "en": "Clear the form"},
    "error_generic": {
        "sv": "Något gick fel: {message}. Försök igen eller kontakta systemansvarig.",
        "en": "Something went wrong: {message}. Try again or contact your administrator.",
    },
}


def lang() -> str:
    """The language of this session: Swedish unless the user chose English."""
    value = st.session_state.get("lang", "sv")
    return value if value in LANGUAGES else "sv"


def tr(key: str, **values: object) -> str:
    """Translate a UI string into the session's language, formatting ``values`` into it."""
    text = STRINGS[key].get(lang()) or STRINGS[key]["sv"]
    return text.format(**values) if values else text
