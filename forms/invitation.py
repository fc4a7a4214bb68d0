"""The next network meeting, as the coordinator convenes it: an invitation (.ics, RFC 5545, read by
Outlook and every calendar) to the members with an e-mail address, and a printable agenda.

The invitation carries the pseudonymous case code and no names of the youth or the family: calendars
are synchronised to phones and servers that are not the municipality's."""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NO_REPLY = "insats@noreply.invalid"  # RFC 2606's reserved name: an organiser without an address of their own


def invitation_ics(*, case_code: str, on: date, start: time, minutes: int, place: str, summary: str,
                   description: str, organiser: tuple[str, str] | None, attendees: list[tuple[str, str]]) -> bytes:
    """``attendees`` and ``organiser``: (name, e-mail; the e-mail may be None). Returns the calendar file's
    bytes, with the VTIMEZONE its TZID names and an ORGANIZER, as RFC 5545 requires of a request."""
    calendar = Calendar()
    calendar.add("prodid", "-//Insats//SIG network meeting//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    begins = datetime.combine(on, start, tzinfo=STOCKHOLM)
    event.add("uid", f"{case_code}-{on.isoformat()}@insats")
    event.add("dtstamp", datetime.now(tz=ZoneInfo("UTC")).replace(microsecond=0))
    event.add("dtstart", begins)
    event.add("dtend", begins + timedelta(minutes=minutes))
    event.add("summary", f"{summary} {case_code}")
    event.add("description", description)
    if place:
        event.add("location", place)
    name, email = organiser if organiser is not None else ("Insats", None)
    who = vCalAddress(f"mailto:{email or NO_REPLY}")
    who.params["cn"] = vText(name)
    event["organizer"] = who
    for name, email in attendees:
        who = vCalAddress(f"mailto:{email}")
        who.params["cn"] = vText(name)
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["rsvp"] = vText("TRUE")
        event.add("attendee", who, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE for Europe/Stockholm that DTSTART's TZID names
    return calendar.to_ical()


def agenda_html(*, words: dict[str, str], case_code: str, on: date, start: time, place: str, members: list[str],
                events: list[str], commitments: list[tuple[str, str, str]], goals: list[str]) -> str:
    """A one-page agenda to print: since last time, each commitment to review, the goals, new commitments
    and the next date. ``words`` are the headings in the reader's language."""
    e = html.escape

    def items(rows: list[str]) -> str:
        return "".join(f"<li>{e(r)}</li>" for r in rows) or f"<li>{e(words['none'])}</li>"

    review = "".join(f"<tr><td>{e(who)}</td><td>{e(what)}</td><td>{e(by)}</td><td class='box'></td></tr>"
                     for who, what, by in commitments)
    return f"""<!doctype html>
<html lang="{e(words['lang'])}"><head><meta charset="utf-8"><title>{e(words['title'])} {e(case_code)}</title>
<style>body{{font-family:sans-serif;font-size:14pt;max-width:46em;margin:2em auto;color:#111}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #777;padding:.3em;text-align:left}}
.box{{width:8em}}h2{{font-size:15pt;margin-top:1.2em}}</style></head><body>
<h1>{e(words['title'])} · {e(case_code)}</h1>
<p>{e(str(on))} {e(start.strftime('%H:%M'))}{' · ' + e(place) if place else ''}</p>
<h2>1. {e(words['members'])}</h2><ul>{items(members)}</ul>
<h2>2. {e(words['since'])}</h2><ul>{items(events)}</ul>
<h2>3. {e(words['review'])}</h2>
<table><tr><th>{e(words['who'])}</th><th>{e(words['what'])}</th><th>{e(words['by'])}</th>
<th>{e(words['kept'])}</th></tr>{review}</table>
<h2>4. {e(words['goals'])}</h2><ul>{items(goals)}</ul>
<h2>5. {e(words['new'])}</h2><p>&nbsp;</p>
<h2>6. {e(words['next'])}</h2><p>&nbsp;</p>
</body></html>
"""


def invitation_for(address: str, *, case_code: str, on: date, start: time, minutes: int, place: str, summary: str,
                   description: str, organiser: tuple[str, str] | None) -> tuple[str, bytes]:
    """(file name, bytes) of the invitation the outbox attaches for one recipient: the case code, the time,
    the place and the organiser, with the recipient the only attendee (a notice tells no one who else is
    in the group; the youth and the guardians are never named in it)."""
    return f"natverksmote-{case_code}-{on}.ics", invitation_ics(
        case_code=case_code, on=on, start=start, minutes=minutes, place=place, summary=summary,
        description=description, organiser=organiser, attendees=[(address, address)])
