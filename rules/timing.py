"""The timing of the work, as the SIG reports set it: each interval once.

- Network meetings at least every four weeks; a longer interval is allowed with its reason written down.
- The structured assessment within a week of the youth's and guardians' yes; the queue warns from day 5.
- A serious event (a new police report, say) asks for a network meeting within a week.
- Re-assessment every 26 weeks unless the instrument's definition says otherwise.
- Follow-ups 6 and 12 months after closing; occupation is measured 6 and 12 months after the start.
- A consent warns 30 days before it runs out.
- A report of concern about a child: the safety assessment at once, the decision whether to investigate
  within 14 days, an opened investigation finished within 4 months (``rules.clocks``).
"""

from __future__ import annotations

from datetime import timedelta

MEETING_INTERVAL = timedelta(days=28)
FIRST_ASSESSMENT_WITHIN = timedelta(days=7)
ASSESSMENT_WARN_FROM_DAY = 5
SERIOUS_EVENT_MEETING_WITHIN = timedelta(days=7)
REASSESSMENT_WEEKS = 26
FOLLOW_UP_MONTHS = (6, 12)
OCCUPATION_AFTER_START_MONTHS = (6, 12)  # UngÖst measured occupation 6 months after the start
CONSENT_WARNING = timedelta(days=30)
PARTICIPATION = timedelta(days=540)  # about 18 months, as the reports describe (the demo closes after it)
OUTCOME_WINDOW_MONTHS = 12  # the follow-up report compares outcomes in the 12 months before and after the start
DUE_SOON = timedelta(days=30)  # the caseload's "soon": a consent running out, a re-assessment falling due
LOG_PERIOD = timedelta(days=30)  # the Logg page opens on the last 30 days
# ... and draws the newest 500 rows of it: a month of a municipality's log is thousands of rows, read,
# formatted and sent to the browser on every visit; its file holds the whole selection
LOG_SHOWN = 500

# A report of concern about a child (orosanmälan, SoL 14 kap. 1 §) sets the social services' own clocks;
# ``rules.clocks`` counts them, ``config.concern_clocks`` lets an organisation set other periods.
SAFETY_ASSESSMENT_WITHIN = timedelta(days=1)  # "genast": the same day, or the next (prop. 2012/13:10 s. 60)
INVESTIGATION_DECISION_WITHIN = timedelta(days=14)  # SoL 11 kap. 1 a § andra stycket
INVESTIGATION_MONTHS = 4  # SoL 11 kap. 2 §: an opened investigation is finished within four months
CONCERN_CLOCK_WARNING = timedelta(days=3)  # Inkorg warns this long before a clock runs out
