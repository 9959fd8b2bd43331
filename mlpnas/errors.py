"""The exception types users see: a one-line message, no traceback."""

import CONSTANTS as C


class NasError(Exception):
    """A problem with the user's input or files; the CLI prints it as one line."""

    exit_code = 1


class SearchInterrupted(NasError):
    """The user stopped a search (Ctrl-C); the message says how to resume it."""

    exit_code = C.INTERRUPTED_EXIT_CODE
