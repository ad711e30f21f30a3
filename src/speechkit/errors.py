"""Errors that are the user's to fix: the CLI prints them as one clear line."""
from __future__ import annotations

from speechkit.boilerplate import RuleFileError
from speechkit.io import TableMissing

__all__ = ["USER_ERRORS"]


def _user_errors() -> tuple[type[BaseException], ...]:
    from speechkit.clean import RawDirError

    return (RawDirError, TableMissing, RuleFileError, FileNotFoundError, ValueError, PermissionError)


USER_ERRORS = _user_errors()
