"""The one definition of before and after the start, which Forskning, Uppföljning and
``insats research export`` all use (the maths, column-wise, is ``scoring.before_after``).

- **Windows.** Each youth's *before* window is the ``before`` months ending the day before their start;
  the *after* window is the ``after`` months from the start day (both in calendar months, so 12 months
  from 2025-03-15 end on 2026-03-14). The two may differ in length: the Skärholmen report compares 7
  months before with 17 after.
- **Split by day.** Outcome periods are whole days, both ends included. A period that straddles a
  window's edge gives each window the share of its counts, days and cost that lies inside it, in
  proportion to the days (so splitting a period in advance never changes a total). A placement counts
  once in every window it overlaps.
- **Rates per month.** Windows of unequal length compare by their rate: a total divided by the months
  at risk (youth-months of the youths with any outcome period recorded: a youth with none is not
  followed, and counting their months would read missing registers as nothing happening). A full window
  is its length in months; the part of an after window that lies after the day of observation (today) is
  not at risk yet, and counts in proportion to its days.
- **Occupation N months after the start** is the occupation of the outcome period covering that day
  (the latest starting, when periods overlap); youths whose day has not come yet, or with no period
  covering it, are not counted.
- **Calendar years**: placement days and costs per calendar year, periods split by day across years.
- **Net**: the cohort's placement cost per month before, minus after, minus the programme's cost per
  month (a setting, default none). A simple comparison of two sums, not an estimate of an effect: it
  says nothing about what would have happened without the programme.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import timing

OCCUPIED = ("school", "work", "training")  # occupations that count as "in school, work or studies"
OCCUPATIONS = (*OCCUPIED, "none")
LONGEST_WINDOW_MONTHS = 60
WINDOW_CHOICES = (6, 12, 18, 24)  # the windows the pages offer (the CLI takes any from 1 to the longest)
DEFAULT_CHOICE = WINDOW_CHOICES.index(timing.OUTCOME_WINDOW_MONTHS)


@dataclass(frozen=True)
class Windows:
    """The months before and after the start that outcomes are compared in."""

    before: int = timing.OUTCOME_WINDOW_MONTHS
    after: int = timing.OUTCOME_WINDOW_MONTHS

    def __post_init__(self) -> None:
        for name, months in (("before", self.before), ("after", self.after)):
            if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= LONGEST_WINDOW_MONTHS:
                raise ValueError(f"the {name} window must be 1 to {LONGEST_WINDOW_MONTHS} whole months, not {months!r}")


def programme_cost(text: str | None) -> float | None:
    """The programme's cost per year in kronor, as written in a setting: empty means none (no net
    figure); otherwise a number of at least zero ("1 350 000", "1350000", "1350000.50")."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"the programme cost per year must be a number of kronor, not {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"the programme cost per year must be zero or more kronor, not {text!r}")
    return value
