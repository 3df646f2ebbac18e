"""The kiosk's own vendors, one module per kind, each registered in :mod:`kiosk.registry`.

=================== ============================== ==========================================
module              registry                       types
=================== ============================== ==========================================
``rfid``            ``RFID_READERS``               ``feig``, ``simulated``
``cards``           ``CARD_READERS``               ``pcsc``, ``simulated``, ``none``
``scanners``        ``SCANNERS``                   ``serial``, ``hid``, ``simulated``, ``none``
``printers``        ``PRINTERS``                   ``escpos-usb``, ``escpos-serial``,
                                                   ``escpos-network``, ``file``,
                                                   ``simulated``, ``none``
``sorters``         ``SORTERS``                    ``modbus-tcp``, ``simulated``, ``none``
``library_systems`` ``LIBRARY_SYSTEMS``            ``sip2``, ``folio``
=================== ============================== ==========================================

Each module holds, per vendor, its settings model (the keys of its config table), its factory and
its registration. Every module of this package is imported with the first lookup of any registry
(:func:`kiosk.registry.load_vendors`), so a new vendor in the tree is a new module here and
nothing else (``docs/extending.md``). Factories import their drivers only when called, so
validating a config loads no hardware library.
"""
