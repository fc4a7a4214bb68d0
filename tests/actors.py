"""Actors for store tests that are not about access itself (the matrix test builds its own)."""

from store import Actor

ADMIN = Actor("ada.admin", "admin")
SETUP = Actor("test.setup", "system")  # set-up jobs: sees and writes everything, never a user's role
