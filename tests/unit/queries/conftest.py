"""The homework couple and caseload fixtures (tests.homework_support)."""

from tests.homework_support import caseload, couple

__all__ = ["caseload", "couple"]
