"""Self-service RFID kiosk and return station for library consortia.

Layers (see DESIGN.md): ``kiosk.sip2`` (protocol), ``kiosk.ils`` (library-system port),
``kiosk.core`` (domain), ``kiosk.ui`` (Kivy), ``kiosk.acs`` (embedded library system).
Hardware lives in the separate ``drivers`` package, which never imports ``kiosk``.
"""

__version__ = "0.1.0"
