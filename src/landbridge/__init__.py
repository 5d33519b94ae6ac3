"""Landbridge: open platform for China–Europe rail freight."""

__version__ = "0.1.0"

# Before any submodule: choose the compiled build of the hot modules or their .py (never a stale build).
from landbridge import native  # noqa: F401
