"""The action plan in plain words, for the young person and the family to take home and print.

No scores, no risk words, no case history: who does what, by when, and when we meet next. Written
as a standalone HTML page with large type so it prints well from any browser.
"""

from __future__ import annotations

import html
from datetime import date

import catalogue


def plain_words_html(*, held_on: date, next_meeting_on: date, short_goals: list[str], long_goals: list[str],
                     commitments: list[tuple[str, str, date] | tuple[str, str, date, str | None]],
                     lang: str = "sv") -> str:
    """``commitments``: (who, what, by when[, what they do if they cannot]), already in the family's words.
    The youth's own "if I can't" belongs on the family's copy as much as the professionals'. Every word
    of the page itself comes from the catalogue (``plain_*``), dates as the language writes them."""
    lang = catalogue.language_or_swedish(lang)
    e = html.escape

    def w(key: str, **values: object) -> str:
        return e(catalogue.text(f"plain_{key}", lang, **values))

    def goals(heading: str, items: list[str]) -> str:
        return f"<h2>{heading}</h2><ul>{''.join(f'<li>{e(g)}</li>' for g in items)}</ul>" if items else ""

    rows = "".join(f"<tr><td>{e(c[0])}</td><td>{e(c[1])}</td><td>{catalogue.day(c[2], lang)}</td>"
                   f"<td>{e(c[3] if len(c) > 3 and c[3] else '–')}</td></tr>" for c in commitments)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{w('title')}</title>
<style>body{{font-family:sans-serif;font-size:16pt;max-width:46em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #999;padding:.4em;text-align:left}}
@media print{{body{{margin:1cm}}}}</style></head><body>
<h1>{w('title')}</h1><p>{w('intro', held=held_on)}</p>
{goals(w('short'), short_goals)}{goals(w('long'), long_goals)}
<table><tr><th>{w('who')}</th><th>{w('what')}</th><th>{w('when')}</th><th>{w('if_cannot')}</th></tr>
{rows}</table>
<p><strong>{w('next', next=next_meeting_on)}</strong></p><p>{w('footer')}</p>
</body></html>"""


def closing_summary_html(*, closed_on: date, goals: list[str], done: list[tuple[str, str]],
                         continues: list[tuple[str, str]], written: str = "", lang: str = "sv") -> str:
    """The written summary at closing for the young person and the family (Skärholmen's *avslutande
    skriftlig sammanfattning*): the goals, what each actor did, what continues. No scores, no risk words.
    ``done``/``continues``: (who, what) in the family's words; the page's own words from the catalogue
    (``plain_summary_*``)."""
    lang = catalogue.language_or_swedish(lang)
    e = html.escape

    def w(key: str, **values: object) -> str:
        return e(catalogue.text(f"plain_summary_{key}", lang, **values))

    def items(rows: list[tuple[str, str]]) -> str:
        return "<ul>" + "".join(f"<li><strong>{e(who)}</strong>: {e(what)}</li>" for who, what in rows) + "</ul>" \
            if rows else f"<p>{w('nothing')}</p>"

    goal_list = "<ul>" + "".join(f"<li>{e(g)}</li>" for g in goals) + "</ul>" if goals else f"<p>{w('nothing')}</p>"
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{w('title')}</title>
<style>body{{font-family:sans-serif;font-size:16pt;max-width:46em;margin:2em auto;line-height:1.4}}
@media print{{body{{margin:1cm}}}}</style></head><body>
<h1>{w('title')}</h1><p>{w('ended', on=closed_on)}</p>
{"".join(f"<p>{e(line)}</p>" for line in written.splitlines() if line.strip())}
<h2>{w('goals')}</h2>{goal_list}<h2>{w('done')}</h2>{items(done)}
<h2>{w('continues')}</h2>{items(continues)}<p>{w('footer')}</p></body></html>"""
