"""Streamlit's own words in the browser, in the session's language.

Some text on a page is not the app's but the browser side of Streamlit's: "Press Enter to submit form"
under a text field in a form, "Upload" and "200MB per file" on a file picker, "No results" in a list
that matches nothing, "Choose date" and the month names of a date picker, and a range slider's two
handles read out as "Ålder — start" and "Ålder — end". Streamlit has no setting for any of them
(1.67). ``script`` is a small script the app puts on every page: it rewrites exactly these texts and
labels (matched whole, by the patterns below) into Swedish, as Streamlit draws them, and puts the
English back when the page is in English. Text the app wrote is never touched: it is Swedish or
English already, and no pattern matches it.

The patterns are the catalogue's business too: each Swedish text is a msgid (``frontend_*``), so a
translator sees them with the rest and a test keeps both languages complete.
"""

from __future__ import annotations

import functools
import json

import catalogue

# (where: a CSS selector the text or label must be inside, or "" for anywhere; what: "text" for a text node
# or an attribute name; the English as a regular expression matched against the whole value; the msgid of the
# Swedish, whose {1}, {2} take the expression's groups)
PATTERNS: tuple[tuple[str, str, str, str], ...] = (
    ("[data-testid=InputInstructions]", "text", r"^Press Enter to submit form$", "frontend_enter_submit"),
    ("[data-testid=InputInstructions]", "text", r"^Press Enter to apply$", "frontend_enter_apply"),
    ("[data-testid=InputInstructions]", "text", r"^Press (⌘|Ctrl)\+Enter to submit form$",
     "frontend_key_enter_submit"),
    ("[data-testid=InputInstructions]", "text", r"^Press (⌘|Ctrl)\+Enter to apply$", "frontend_key_enter_apply"),
    ("[data-testid=stFileUploader]", "text", r"^Upload$", "frontend_upload"),
    ("[data-testid=stFileUploader]", "text", r"^Drag and drop a file here$", "frontend_drop_file"),
    ("[data-testid=stFileUploader]", "text", r"^Drag and drop files here$", "frontend_drop_files"),
    ("[data-testid=stFileUploader]", "text", r"^(.+) per file$", "frontend_per_file"),
    ("", "text", r"^No results$", "frontend_no_results"),
    ("[data-testid=stSlider]", "aria-label", r"^(.*) — start$", "frontend_range_from"),
    ("[data-testid=stSlider]", "aria-label", r"^(.*) — end$", "frontend_range_to"),
    ("", "aria-label", r"^Choose date$", "frontend_choose_date"),
    ("", "aria-label", r"^Clear date$", "frontend_clear_date"),
    ("", "aria-label", r"^Choose date range$", "frontend_choose_date_range"),
    ("", "aria-label", r"^Clear dates$", "frontend_clear_dates"),
    ("", "aria-label", r"^(.*) start date$", "frontend_start_date"),
    ("", "aria-label", r"^(.*) end date$", "frontend_end_date"),
    ("", "text", r"^Skip to main content$", "frontend_skip_to_main"),
    ("", "aria-label", r"^Show password$", "frontend_show_password"),
    ("", "aria-label", r"^Hide password$", "frontend_hide_password"),
    ("", "aria-label", r"^Help for (.+)$", "frontend_help_for"),
    ("", "aria-label", r"^Help$", "frontend_help"),
    ("[data-testid=stMultiSelect]", "aria-label", r"^Remove (.+)$", "frontend_remove"),
    ("[data-testid=stFileUploader]", "aria-label", r"^Remove (.+)$", "frontend_remove"),
    *(("", "aria-label", rf"^{english}$", msgid) for english, msgid in (
        ("Open", "frontend_open"), ("Close", "frontend_close"), ("Clear value", "frontend_clear_value"),
        ("Clear all", "frontend_clear_all"), ("Clear entry", "frontend_clear_entry"),
        ("Selected values", "frontend_selected_values"), ("Increment", "frontend_increment"),
        ("Decrement", "frontend_decrement"), ("App pages", "frontend_app_pages"), ("Sidebar", "frontend_sidebar"),
        ("Collapse sidebar", "frontend_collapse_sidebar"), ("Expand sidebar", "frontend_expand_sidebar"),
        ("Main menu", "frontend_main_menu"), ("Link to heading", "frontend_link_to_heading"),
        ("Scroll tabs left", "frontend_scroll_tabs_left"), ("Scroll tabs right", "frontend_scroll_tabs_right"),
        ("Running\\.\\.\\.", "frontend_running"), ("Stop script", "frontend_stop_script"),
        ("Previous page", "frontend_previous_page"), ("Next page", "frontend_next_page"),
        ("Pagination", "frontend_pagination"), ("Notifications", "frontend_notifications"),
        ("Markdown content", "frontend_markdown_content"), ("Dataframe column menu", "frontend_column_menu"),
        ("Copy column name", "frontend_copy_column_name"), ("Close Search", "frontend_close_search"),
        ("file upload", "frontend_file_upload"), ("Add files", "frontend_add_files"))),
    # a table's toolbar (st.dataframe), an empty date field's spoken value, a list's spoken count of options
    *(("[data-testid=stElementToolbar]", "aria-label", rf"^{english}$", msgid) for english, msgid in (
        ("Fullscreen", "frontend_fullscreen"), ("Close fullscreen", "frontend_close_fullscreen"),
        ("Search", "frontend_search"), ("Show/hide columns", "frontend_show_hide_columns"),
        ("Download as CSV", "frontend_download_csv"), ("Show data", "frontend_show_data"),
        ("Download as PNG", "frontend_download_png"), ("Copy Vega-Lite spec", "frontend_copy_chart_spec"),
        ("Copied!", "frontend_copied"))),
    ("[data-testid=stDateInput]", "aria-valuetext", r"^Empty$", "frontend_date_empty"),
    ("", "text", r"^(\d+) options? available\.$", "frontend_options_available"),
    ("[data-testid=stDateInputCalendar]", "aria-label", r"^Previous month\.?$", "frontend_previous_month"),
    ("[data-testid=stDateInputCalendar]", "aria-label", r"^Next month\.?$", "frontend_next_month"),
    ("[data-testid=stDateInputCalendar]", "text", r"^Use arrow keys to navigate dates\. Enter to select\. "
                                                  r"Escape to close\.$", "frontend_calendar_keys"),
    ("[data-testid=stDateInputCalendar]", "text", r"^Choose date, (.+)$", "frontend_choose_date_in"),
    ("[data-testid=stDateInputCalendar]", "aria-label", r"^Choose date, (.+)$", "frontend_choose_date_in"),
    ("[data-testid=stDateInput]", "aria-label", r"^year, (.+)$", "frontend_year_of"),
    ("[data-testid=stDateInput]", "aria-label", r"^month, (.+)$", "frontend_month_of"),
    ("[data-testid=stDateInput]", "aria-label", r"^day, (.+)$", "frontend_day_of"),
    # month names where the browser's own language is not Swedish: the calendar's heading and the month's
    # spoken value ("11 – November")
    *(rule for number, english in enumerate(("January", "February", "March", "April", "May", "June", "July",
                                             "August", "September", "October", "November", "December"), start=1)
      for rule in (("[data-testid=stDateInputCalendar]", "text", rf"^{english}(\s\d{{4}})?$",
                    f"frontend_month_{number}"),
                   ("[data-testid=stDateInput]", "aria-valuetext", rf"^(\d+) – {english}$",
                    f"frontend_numbered_month_{number}"))),
)

_SCRIPT = """<script>(() => {
const compiled = %(words)s.map(([where, what, pattern, swedish]) =>
  ({where, what, english: new RegExp(pattern), swedish}));
const any = {};  // per kind, one expression for a quick "none of them" (most texts on a page)
for (const rule of compiled) (any[rule.what] = any[rule.what] || []).push(rule.english.source);
for (const what in any) any[what] = new RegExp(any[what].map((p) => `(?:${p})`).join("|"));
window.insatsWords = {rules: compiled, any, lang: %(lang)s};
const ATTRIBUTES = %(attributes)s;
if (window.insatsWordsApply) { window.insatsWordsApply(document.body); return; }
const shown = new WeakMap();  // text node or element -> {"text" or attribute: [the English, the Swedish shown]}
const say = (rule, english) => {  // the Swedish, its {placeholders} filled with the expression's groups in order
  const groups = english.match(rule.english).slice(1);
  let i = 0;
  return rule.swedish.replace(/\\{\\w+\\}/g, () => groups[i++] ?? "");
};
function fix(owner, what, value, set) {
  const before = (shown.get(owner) || {})[what];
  const english = before && value === before[1] ? before[0] : value;  // React may have put new English back
  if (window.insatsWords.lang !== "sv") { if (english !== value) set(english); return; }
  const quick = window.insatsWords.any[what];
  if (!quick || !quick.test(english)) return;
  const element = owner.nodeType === 1 ? owner : owner.parentElement;
  for (const rule of window.insatsWords.rules) {
    if (rule.what !== what || !rule.english.test(english)) continue;
    if (rule.where && !(element && element.closest(rule.where))) continue;
    const said = say(rule, english);
    if (value !== said) {
      shown.set(owner, {...(shown.get(owner) || {}), [what]: [english, said]});
      set(said);
    }
    return;
  }
}
function apply(root) {
  if (!root || !root.querySelectorAll) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (text && text.length < 80) fix(node, "text", text, (v) => { node.nodeValue = v; });
  }
  for (const attribute of ATTRIBUTES) {
    const owners = [...(root.hasAttribute && root.hasAttribute(attribute) ? [root] : []),
                    ...root.querySelectorAll(`[${attribute}]`)];
    for (const element of owners) {
      fix(element, attribute, element.getAttribute(attribute), (v) => element.setAttribute(attribute, v));
    }
  }
}
window.insatsWordsApply = apply;
new MutationObserver((changes) => {
  const roots = new Set(changes.map((c) => c.target.nodeType === 1 ? c.target : c.target.parentElement));
  roots.forEach(apply);
}).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                           attributeFilter: ATTRIBUTES});
apply(document.body);
})();</script>"""


def words(lang: str) -> list[list[str]]:
    """The patterns with their words in ``lang`` (the script leaves the page alone unless it is Swedish)."""
    return [[where, what, english, catalogue.text(msgid, lang)] for where, what, english, msgid in PATTERNS]


@functools.cache  # one text per language for the server's life: the catalogue does not change while it runs
def script(lang: str) -> str:
    """The script for a page in ``lang``; drawn on every run, it updates the words and the language."""
    def inline(value: object) -> str:  # JSON inside <script>: a "</" in a word must not end the script
        return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")

    attributes = sorted({what for _, what, _, _ in PATTERNS if what != "text"})
    return _SCRIPT % {"words": inline(words(lang)), "lang": inline(lang), "attributes": inline(attributes)}
