"""Domain refusals of the case operations."""

from __future__ import annotations


class CaseError(ValueError):
    """The operation is not allowed or its input is wrong; nothing was changed.

    ``code`` and ``params`` say it in a form pages can translate; ``str()`` is the English sentence
    for logs and the CLI.
    """

    def __init__(self, message: str, code: str = "case.refused", **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message)


class ConsentMissing(CaseError):
    """Something was to leave the system for ``recipient`` without an active consent covering it."""

    def __init__(self, recipient: str, category: str, case_code: str) -> None:
        super().__init__(f"no active consent lets {recipient} receive {category} of case {case_code}",
                         "consent.missing", recipient=recipient, category=category, case=case_code)
