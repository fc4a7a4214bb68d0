"""Numbers on screen as readers expect them (#13 item 2, in part): Swedish decimal commas, three
significant digits, p < 0,001 below a thousandth; the data behind downloads is untouched."""

from __future__ import annotations

from datetime import date

import pandas as pd
from babel.numbers import format_decimal

from forms.numbers import date_text, for_display, number, p_value


def test_swedish_and_english_numbers():
    assert number(28.7604, language="sv") == "28,8" and number(28.7604, language="en") == "28.8"
    assert number(-0.01234, language="sv") == "−0,0123" and number(12345, language="sv") == "12\xa0345"
    assert p_value(8e-12, language="sv") == "< 0,001" and p_value(0.04562, language="sv") == "0,0456"
    assert p_value(0.5, language="en") == "0.5" and number(float("nan")) == "–"


def test_tables_show_text_and_leave_the_data_alone():
    table = pd.DataFrame({"Mått": ["Risksumma"], "n": [12], "p (t)": [8e-12], "Wilcoxon p": [0.0312],
                          "Före": [28.7604]})
    shown = for_display(table, "sv")
    assert shown.iloc[0].tolist() == ["Risksumma", "12", "< 0,001", "0,0312", "28,8"]
    assert table["p (t)"].iloc[0] == 8e-12  # the download still has every digit


def test_numbers_and_dates_follow_cldr_through_babel():
    """Checked against Babel's own formatting of the same values, and dates per language."""
    for value in (0.5, 3.14159, 99.94, 0.04562):
        assert number(value, language="en") == format_decimal(value, format="@##", locale="en_GB")
        assert number(value, language="sv") == format_decimal(value, format="@##", locale="sv_SE")
    assert number(1234.5, language="en") == "1,234" and number(1234.5, language="sv") == "1\xa0234"
    assert date_text(date(2026, 11, 23), "sv") == "2026-11-23" and date_text(date(2026, 11, 23), "en") == "23/11/2026"
    shown = for_display(pd.DataFrame({"Datum": [date(2026, 3, 4)], "Värde": [0.125]}), "en")
    assert shown.iloc[0].tolist() == ["04/03/2026", "0.125"]


def test_the_trajectory_axis_shows_days_as_iso_dates():
    """#19 item 11: the "Över tid" axis read "Mon 30, 06 AM" (Vega's English, hourly ticks)."""
    import pandas as pd

    from forms.charts import trajectory_chart

    spec = trajectory_chart(pd.DataFrame({"assessed_on": ["2026-01-10", "2026-06-02"], "score": ["r", "r"],
                                          "value": [20.0, 14.0]}), "Summa")
    x = spec["encoding"]["x"]
    assert x["timeUnit"] == "yearmonthdate" and x["axis"]["format"] == "%Y-%m-%d"
    assert spec["encoding"]["tooltip"][0]["format"] == "%Y-%m-%d"


def test_a_column_of_times_reads_as_babel_writes_each_one():
    """Logg formats thousands of times at once (``local_times``): the same text as ``local_time`` per value,
    summer and winter time, in both languages."""
    from datetime import datetime

    import pandas as pd

    from forms.numbers import local_time, local_times

    values = pd.Series([datetime(2026, 7, 1, 10, 0, 5), datetime(2026, 1, 1, 23, 30), datetime(2026, 3, 29, 1, 30)])
    for language in ("sv", "en"):
        assert local_times(values, language) == [local_time(v, language) for v in values]
