"""The action plan in plain words, for the young person and the family to take home and print.

No scores, no risk words, no case history: who does what, by when, and when we meet next. Written
as a standalone HTML page with large type so it prints well from any browser.
"""

from __future__ import annotations

import html
from datetime import date

WORDS = {
    "sv": {"title": "Vår plan", "intro": "Det här har vi kommit överens om på mötet {held}.",
           "short": "Det vi jobbar med nu", "long": "Det vi vill nå på sikt", "who": "Vem", "what": "Gör vad",
           "when": "Senast", "if_cannot": "Om det inte går", "next": "Nästa gång vi ses: {next}.",
           "footer": "Hör av dig till din samordnare om något inte blir som vi sagt."},
    "en": {"title": "Our plan", "intro": "This is what we agreed at the meeting on {held}.",
           "short": "What we are working on now", "long": "What we want to reach later", "who": "Who",
           "what": "Does what", "when": "By", "if_cannot": "If it can't be done", "next": "Next time we meet: {next}.",
           "footer": "Contact your coordinator if something does not happen as we said."},
}


def plain_words_html(*, held_on: date, next_meeting_on: date, short_goals: list[str], long_goals: list[str],
                     commitments: list[tuple[str, str, date] | tuple[str, str, date, str | None]],
                     lang: str = "sv") -> str:
    """``commitments``: (who, what, by when[, what they do if they cannot]), already in the family's words.
    The youth's own "if I can't" belongs on the family's copy as much as the professionals'."""
    w = WORDS.get(lang, WORDS["sv"])
    e = html.escape

    def goals(heading: str, items: list[str]) -> str:
        return f"<h2>{e(heading)}</h2><ul>{''.join(f'<li>{e(g)}</li>' for g in items)}</ul>" if items else ""

    rows = "".join(f"<tr><td>{e(c[0])}</td><td>{e(c[1])}</td><td>{c[2]:%Y-%m-%d}</td>"
                   f"<td>{e(c[3] if len(c) > 3 and c[3] else '–')}</td></tr>" for c in commitments)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(w['title'])}</title>
<style>body{{font-family:sans-serif;font-size:16pt;max-width:46em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #999;padding:.4em;text-align:left}}
@media print{{body{{margin:1cm}}}}</style></head><body>
<h1>{e(w['title'])}</h1><p>{e(w['intro'].format(held=f"{held_on:%Y-%m-%d}"))}</p>
{goals(w['short'], short_goals)}{goals(w['long'], long_goals)}
<table><tr><th>{e(w['who'])}</th><th>{e(w['what'])}</th><th>{e(w['when'])}</th><th>{e(w['if_cannot'])}</th></tr>
{rows}</table>
<p><strong>{e(w['next'].format(next=f"{next_meeting_on:%Y-%m-%d}"))}</strong></p><p>{e(w['footer'])}</p>
</body></html>"""


SUMMARY_WORDS = {
    "sv": {"title": "Sammanfattning när SIG avslutas", "ended": "Vi avslutade vårt arbete tillsammans {on}.",
           "goals": "Det vi arbetade mot", "done": "Det som blev gjort", "continues": "Det som fortsätter",
           "nothing": "Inget särskilt.",
           "footer": "Du kan alltid höra av dig till socialtjänsten om du vill ha stöd igen."},
    "en": {"title": "Summary when SIG ends", "ended": "We ended our work together on {on}.",
           "goals": "What we worked towards", "done": "What was done", "continues": "What continues",
           "nothing": "Nothing in particular.",
           "footer": "You can always contact social services if you want support again."},
}


def closing_summary_html(*, closed_on: date, goals: list[str], done: list[tuple[str, str]],
                         continues: list[tuple[str, str]], written: str = "", lang: str = "sv") -> str:
    """The written summary at closing for the young person and the family (Skärholmen's *avslutande
    skriftlig sammanfattning*): the goals, what each actor did, what continues. No scores, no risk words.
    ``done``/``continues``: (who, what) in the family's words."""
    w = SUMMARY_WORDS.get(lang, SUMMARY_WORDS["sv"])
    e = html.escape

    def items(rows: list[tuple[str, str]]) -> str:
        return "<ul>" + "".join(f"<li><strong>{e(who)}</strong>: {e(what)}</li>" for who, what in rows) + "</ul>" \
            if rows else f"<p>{e(w['nothing'])}</p>"

    goal_list = "<ul>" + "".join(f"<li>{e(g)}</li>" for g in goals) + "</ul>" if goals else f"<p>{e(w['nothing'])}</p>"
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(w['title'])}</title>
<style>body{{font-family:sans-serif;font-size:16pt;max-width:46em;margin:2em auto;line-height:1.4}}
@media print{{body{{margin:1cm}}}}</style></head><body>
<h1>{e(w['title'])}</h1><p>{e(w['ended'].format(on=f"{closed_on:%Y-%m-%d}"))}</p>
{"".join(f"<p>{e(line)}</p>" for line in written.splitlines() if line.strip())}
<h2>{e(w['goals'])}</h2>{goal_list}<h2>{e(w['done'])}</h2>{items(done)}
<h2>{e(w['continues'])}</h2>{items(continues)}<p>{e(w['footer'])}</p></body></html>"""
