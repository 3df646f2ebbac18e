"""Fixtures of the console tests (defined in rig.py with the helpers they share)."""

from .rig import browser, kiosk_process, page

__all__ = ["browser", "kiosk_process", "page"]
