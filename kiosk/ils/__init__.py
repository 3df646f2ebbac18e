"""The library-system port and its adapters.

Public surface: the port (:class:`LibrarySystem`), its typed results and errors. The adapters
are :class:`kiosk.ils.sip2.SIP2LibrarySystem` and :class:`kiosk.ils.folio.FolioLibrarySystem`
(imported from their modules, so importing the port pulls in neither the SIP2 client nor httpx);
``kiosk.assembly.library_system(config)`` builds the one a configuration names. The durable
journal and offline policy live in ``kiosk.ils.journal`` and ``kiosk.ils.offline``.
"""

from kiosk.ils import port
from kiosk.ils.port import *  # noqa: F403 (the port's names, listed in port.__all__)

__all__: list[str] = []
__all__ += port.__all__
