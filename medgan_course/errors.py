"""The package's user-error type, below every other module (no imports).

A `UserError` is a problem with what the caller asked for (a bad argument, a folder that is
not a training run, a corrupt file), never a bug. The `medgan-course` command prints it as one
line on stderr and exits with status 2; anything else keeps its traceback. It is a
`ValueError`, so library callers that catch `ValueError` keep working.
"""


class UserError(ValueError):
    """A problem with the caller's input; its message says what to do instead."""


class RunFolderError(UserError):
    """A folder that is not a readable training run (missing, old-format or corrupt files)."""
