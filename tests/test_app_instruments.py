"""AppTest: the Instrument page generates a form from a definition and shows the right scores."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from .app_helpers import make_database, open_page


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("INSATS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INSATS_DATABASE_URL", raising=False)
    make_database(tmp_path)
    at = open_page("instruments")
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_filling_irk_8_shows_total_band_and_next_step(app):
    app.selectbox(key="instrument_choice").select("irk-8").run()
    for item_id in ["K1", "K2", "K3", "K5"]:
        app.radio(key=f"try:irk-8:item:{item_id}").set_value("Ja").run()
    app.radio(key="try:irk-8:item:K4").set_value("__omitted__").run()
    for item_id in ["K6", "K7", "K8"]:
        app.radio(key=f"try:irk-8:item:{item_id}").set_value("Nej").run()
    assert not app.exception
    assert metric(app, "Risksumma") == "4.6"  # 4 of 7 answered -> 4 * 8 / 7
    info = " ".join(i.value for i in app.info)
    assert "Hög oro" in info and "social insatsgrupp" in info and "forskningsmått" in info


def test_savry_like_paginates_by_domain_and_keeps_answers(app):
    app.radio(key="try:savry-like:item:H1").set_value("H").run()
    app.radio(key="try:savry-like:step").set_value("protective").run()
    assert not [r for r in app.radio if r.key == "try:savry-like:item:H1"]  # one domain per step
    app.radio(key="try:savry-like:item:P2").set_value("P").run()
    assert metric(app, "Skyddssumma") == "–"  # 28 of 30 unrated: invalid, totals not computed
    assert any("Summorna visas när minst 26 av 30" in c.value for c in app.caption)
    assert "Starkt socialt stöd" in " ".join(m.value for m in app.markdown)  # strengths always shown
    app.radio(key="try:savry-like:step").set_value("historical").run()
    assert app.radio(key="try:savry-like:item:H1").value == "H"  # the answer survived the step change


def all_rated(low: bool) -> dict[str, str]:
    import instruments

    inst = instruments.load("savry-like")
    risk, protect = ("L", "P") if low else ("H", "A")
    return {i.id: (protect if inst.item_domain[i.id].direction == "protective" else risk) for i in inst.items}


def test_complete_rating_shows_totals_side_by_side(app):
    app.session_state["try:savry-like"] = all_rated(low=False)
    app.run()
    assert metric(app, "Risksumma") == "48" and metric(app, "Skyddssumma") == "0"
    assert metric(app, "Historiska faktorer") == "20"


def test_judgment_is_the_decision_and_discordance_is_shown(app):
    app.session_state["try:savry-like"] = all_rated(low=True)  # risk total 0 -> level low
    app.run()
    app.radio(key="try:savry-like:step").set_value("__judgment__").run()
    app.radio(key="try:savry-like:judgment").set_value("high").run()
    assert any("Skriv en motivering" in w.value for w in app.warning)
    app.text_area(key="try:savry-like:rationale").input("Upprepat grovt våld senaste månaden.").run()
    assert not any("Skriv en motivering" in w.value for w in app.warning)
    assert any("Hög risk" in s.value for s in app.success)
    assert any("skiljer sig två nivåer" in w.value for w in app.warning)


def test_english_on_request(app):
    app.session_state["lang"] = "en"
    app.run()
    assert app.title[0].value == "Instruments"
    assert any(m.label == "Risk total" for m in app.metric)
