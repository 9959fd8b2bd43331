"""The exception types users see: a one-line message, no traceback."""

import CONSTANTS as C


class NasError(Exception):
    """A problem with the user's input or files; the CLI prints it as one line."""

    exit_code = 1


class SearchInterrupted(NasError):
    """The user (Ctrl-C) or the system (SIGTERM) stopped a search; the message says how to
    resume it. Not an error: the CLI prints it without 'Error:', with the signal's exit code."""

    def __init__(self, message: str, exit_code: int = C.INTERRUPTED_EXIT_CODE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
