"""Respite: a gentle tray companion for breaks and work-hour boundaries."""

__version__ = "0.1.0"
