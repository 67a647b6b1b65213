"""The one exception type for mistakes a user can make (bad names, specs, values)."""


class FogwalkError(ValueError):
    """A user-facing error: its message names what was wrong and where."""
