"""Hardware drivers: bytes to tags, cards and printed receipts.

Knows nothing of kiosks or libraries and never imports :mod:`kiosk`.
"""
