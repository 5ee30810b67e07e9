"""The SDK's version: the one place it is written (the build reads it from here, see pyproject.toml).

A constant rather than ``importlib.metadata``: looking the installed distribution up costs more than the
rest of the SDK's own modules at import, and a checkout that is not installed still has a version.
"""

__version__ = "0.1.0"
