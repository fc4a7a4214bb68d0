"""What a browser tab asks of an Insats server, spoken over Streamlit's own WebSocket (for the soak).

Streamlit's page in the browser holds a WebSocket to ``/_stcore/stream``. Each click sends one
``BackMsg.rerun_script`` with the page, the address's query, every widget's current value and, when the
widget sits in an ``st.fragment``, that fragment's id, so that only the fragment reruns. The server
answers with ``ForwardMsg``s (the elements drawn) and ends each run with ``script_finished``. This class
sends what the browser sends and waits for what it waits for, so the time of a run is what a person
waits for after a click, measured against a real ``insats serve`` with its real log-in, without a
browser's own drawing (20 Chromium tabs would take the 2 cores the servers are measured on).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
RUN_TIMEOUT = 120.0  # a run that takes longer is a failure, never a hang


@dataclass
class Widget:
    id: str
    kind: str  # the element's type: radio, slider, text_input, button
    fragment: str  # the st.fragment it is drawn in ("" outside any)
    options: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one run showed that the soak looks at: error messages, exceptions, and the log-in form."""

    errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    login_form: bool = False


class BrowserSession:
    """One browser tab on one server. ``widgets`` holds the widgets now on the page by their key."""

    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=120,
                                            close_timeout=5)
        self.pages: dict[str, str] = {}  # url path ("" for the landing page) -> page script hash
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}  # widget id -> the value this tab has given it

    def close(self) -> None:
        self.ws.close()

    def run(self, *, page: str | None = None, query: str = "", changed: tuple[WidgetState, ...] = (),
            fragment: str = "") -> Run:
        """One click: send the rerun the browser sends and wait until the run has finished (through any
        ``st.rerun`` the app asks for). A full run replaces the page's widgets; a fragment's, its own."""
        for state in changed:
            self.states[state.id] = state
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = query
        rerun.page_script_hash = self.pages.get(page, "") if page is not None else ""
        rerun.fragment_id = fragment
        rerun.widget_states.widgets.extend(self.states.values())
        self.ws.send(message.SerializeToString())
        for state in changed:  # a trigger (a button) fires once; the browser does not send it again
            if state.WhichOneof("value") == "trigger_value":
                self.states.pop(state.id, None)
        return self._until_finished(full=not fragment)

    def _until_finished(self, full: bool) -> Run:
        seen, drawn = Run(), {}
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no end of the run within {RUN_TIMEOUT:.0f} s")
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv(timeout=left))
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta, seen, drawn)
            elif kind == "script_finished":
                if msg.script_finished in FINISHED:
                    if full:  # the page's widgets now; the browser forgets the values of those gone
                        self.widgets = drawn
                        ids = {w.id for w in drawn.values()}
                        self.states = {i: s for i, s in self.states.items() if i in ids}
                    else:
                        self.widgets.update(drawn)
                    return seen
                seen, drawn = Run(), {}  # ended early for an st.rerun: the next run is the one shown

    def _element(self, delta, seen: Run, drawn: dict[str, Widget]) -> None:
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "alert" and element.alert.format == Alert.ERROR:
            seen.errors.append(element.alert.body)
        elif kind == "exception":
            seen.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        body = getattr(element, kind, None)
        widget_id = getattr(body, "id", "") if body is not None else ""
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]  # $$ID-<hash>-<the widget's key>
            options = list(getattr(body, "options", []) or [])
            drawn[key] = Widget(widget_id, kind, delta.fragment_id, [str(o) for o in options])
            if key == "login_user":
                seen.login_form = True

    def log_in(self, login: str, password: str) -> Run:
        """The log-in form, filled in and sent as the browser does (the form's values and its button)."""
        self.run()
        submit = next(w for key, w in self.widgets.items() if key.startswith("FormSubmitter:login_form"))
        return self.run(changed=(WidgetState(id=self.widgets["login_user"].id, string_value=login),
                                 WidgetState(id=self.widgets["login_password"].id, string_value=password),
                                 WidgetState(id=submit.id, trigger_value=True)))

    def choose(self, key: str, option: str, query: str = "") -> Run:
        """Pick ``option`` in the radio ``key``; in a fragment only the fragment reruns."""
        widget = self.widgets[key]
        return self.run(query=query, changed=(WidgetState(id=widget.id, string_value=option),),
                        fragment=widget.fragment)

    def slide(self, key: str, low: float, high: float, query: str = "") -> Run:
        """Move the range slider ``key``; in a fragment only the fragment reruns."""
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        state.double_array_value.data.extend([low, high])
        return self.run(query=query, changed=(state,), fragment=widget.fragment)
