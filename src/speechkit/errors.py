"""Errors that are the user's to fix: the CLI prints them as one clear line."""
from __future__ import annotations

from speechkit.boilerplate import RuleFileError
from speechkit.io import TableMissing

__all__ = ["USER_ERRORS", "SpeechkitWarning"]


class SpeechkitWarning(UserWarning):
    """Something the researcher should know about a result (a one-document group, --meta rows that
    match nothing): the library warns, the CLI prints it as one ``warning:`` line."""


def _user_errors() -> tuple[type[BaseException], ...]:
    from speechkit.clean import RawDirError

    return (RawDirError, TableMissing, RuleFileError, FileNotFoundError, ValueError, PermissionError)


USER_ERRORS = _user_errors()
