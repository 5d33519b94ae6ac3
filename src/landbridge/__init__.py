"""Landbridge: open platform for China–Europe rail freight."""

__version__ = "0.1.0"
