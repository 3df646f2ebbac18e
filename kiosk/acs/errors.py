"""Typed errors of the embedded library system."""

from __future__ import annotations


class AcsError(Exception):
    """Base class for errors of the embedded library system."""


class DataFileError(AcsError):
    """The consortium data file is unreadable or does not match the documented format."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}")
        self.source = source
        self.where = where
        self.problem = problem


class FaultSettingError(AcsError, ValueError):
    """A fault knob was given an unknown name or a value of the wrong kind."""


class RequestError(AcsError):
    """A request the server can read but not carry out as asked (e.g. a date beyond year 9999
    once converted to local time). It is answered with the request's negative response and
    ``screen_message``, and nothing is changed."""

    def __init__(self, problem: str, screen_message: str) -> None:
        super().__init__(problem)
        self.screen_message = screen_message
