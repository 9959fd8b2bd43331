"""The one exception type users see: a one-line message, no traceback."""


class NasError(Exception):
    """A problem with the user's input or files; the CLI prints it as one line."""
