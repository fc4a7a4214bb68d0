"""Domain refusals of the case operations."""

from __future__ import annotations

from ..errors import CaseError  # defined below the case operations: the input rules raise it too

__all__ = ["CaseError", "ConsentMissing"]


class ConsentMissing(CaseError):
    """Something was to leave the system for ``recipient`` without an active consent covering it."""

    def __init__(self, recipient: str, category: str, case_code: str) -> None:
        super().__init__(f"no active consent lets {recipient} receive {category} of case {case_code}",
                         "consent.missing", recipient=recipient, category=category, case=case_code)
