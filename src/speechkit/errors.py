"""Errors that are the user's to fix: the CLI prints them as one clear line."""
from __future__ import annotations

from speechkit.io import TableMissing

__all__ = ["USER_ERROR_BASES", "SpeechkitWarning"]  # and USER_ERRORS, built on first use (__getattr__)


class SpeechkitWarning(UserWarning):
    """Something the researcher should know about a result (a one-document group, --meta rows that
    match nothing): the library warns, the CLI prints it as one ``warning:`` line."""


#: what the CLI catches as a user error: every class of :data:`USER_ERRORS` is one of these (the clean
#: stage's RawDirError and a rules file's RuleFileError are ValueErrors), so catching them needs neither
#: the clean nor the boilerplate module imported (every command would pay for both at start-up)
USER_ERROR_BASES: tuple[type[BaseException], ...] = (TableMissing, FileNotFoundError, ValueError, PermissionError)


def _user_errors() -> tuple[type[BaseException], ...]:
    from speechkit.boilerplate import RuleFileError
    from speechkit.clean import RawDirError

    return (RawDirError, TableMissing, RuleFileError, FileNotFoundError, ValueError, PermissionError)


def __getattr__(name: str):
    """``USER_ERRORS``, the user errors by name (RawDirError, TableMissing, RuleFileError, …), built on
    first use: it imports the clean and boilerplate modules.

    >>> import speechkit.errors as e
    >>> all(issubclass(c, e.USER_ERROR_BASES) for c in e.USER_ERRORS)
    True
    """
    if name == "USER_ERRORS":
        return _user_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
