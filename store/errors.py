"""The store's coded refusal, kept in a module of its own: the input rules (``store.input_rules``)
raise it at every flush without importing the case operations that also raise it."""

from __future__ import annotations


class CaseError(ValueError):
    """The operation is not allowed or its input is wrong; nothing was changed.

    ``code`` and ``params`` say it in a form pages can translate; ``str()`` is the English sentence
    for logs and the CLI.
    """

    def __init__(self, message: str, code: str = "case.refused", **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message)
