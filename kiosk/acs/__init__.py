"""The embedded consortium library system: a SIP2 server over a realistic demo consortium.

It is what ``kiosk demo`` and every test of the kiosk talk to, and what a library can point a
kiosk at before production: many member libraries, one card, one holds queue, transport between
branches. Public surface (everything else in this package is private):

Running it
    ``EmbeddedACS(data=None, db_path=":memory:", *, host="127.0.0.1", port=0,
    control_port=None, reset=False, clock=None, limits=None, **fault_knobs)``, an async
    context manager (the control channel, when asked for, listens on 127.0.0.1 whatever
    ``host`` is)::

        async with EmbeddedACS(latency_ms=150) as acs:
            acs.host, acs.port                  # where it listens (port 0 = a free port)
            acs.accounts                        # [AccountRecord(login, password, branch, ...)]
            acs.account("kiosk-bol-hb")         # one SIP2 login (password: "pw-bol-hb")
            acs.examples["return_hold_here"]    # named showcase records of the data file
            acs.faults.update(offline=True)     # fault knobs at run time (see Faults)
            acs.model.item("3000000001")        # ItemRecord snapshot: status, loan, hold ...
            acs.model.loans_of("2150000001")    # [LoanRecord]
            acs.model.holds_of(...), acs.model.fees_of(...), acs.model.patron(...)
            acs.model.circulation_log(item=...) # every change, to prove nothing lost/doubled
            acs.circulation.checkout(...)       # the same logic without SIP2 (staff mode)
            await acs.drop_connections()        # pull the cable on every open connection

    ``data``: a data file path or a parsed ``ConsortiumData``; None = the demo consortium
    (``DEMO_DATA``). ``db_path``: ``":memory:"`` or a SQLite file; a file that already holds a
    consortium keeps its state across restarts unless ``reset=True``.
    ``ThreadedACS(...)``: the same on its own thread and loop (``with ThreadedACS() as acs``).
    ``tls=server_tls_context(cert, key, client_ca)`` serves SIP2 over TLS.
    ``limits=ConnectionLimits(max_connections=1000, max_per_address=64, login_seconds=20,
    message_seconds=30)``: the caps and deadlines against connection floods (``limits``).
    ``FolioServer(model, port=0, faults=acs.faults)`` serves FOLIO's REST API over the same model
    (``with FolioServer(acs.model) as folio: folio.url, folio.service_point_id(branch)``), as
    ``kiosk acs --folio-port N`` does.

Fault knobs (``Faults``; also ``kiosk acs --latency-ms ...`` and the control channel)
    ``latency_ms``, ``jitter_ms``, ``drop_after`` (N-th request from now closes its
    connection; ``drop_repeat``, ``drop_before_processing``), ``corrupt_checksum`` (next N
    responses), ``answer_96`` (next N requests), ``offline`` (98 on-line N, circulation refused),
    ``refuse_logins``. ``send_command(host, port, "set offline=yes")`` talks to the control
    channel of a ``kiosk acs --control-port N`` in another process.

The model and its logic
    ``ConsortiumModel`` (SQLite; read views ``ItemRecord``, ``PatronRecord``, ``LoanRecord``,
    ``HoldRecord``, ``FeeRecord``, ``BranchRecord``, ``AccountRecord``, ``LogEntry``),
    ``Circulation`` (checkout, checkin with routing, renew, renew_all, hold, pay, block,
    enable, item properties; results carry a ``Reason``), routing outcomes ``RESHELVE``,
    ``FLOATING_STAYS``, ``HOLD_HERE``, ``HOLD_TRANSIT``, ``TRANSIT_HOME``, ``EXCEPTION``.

The data file
    ``read_data(path) -> ConsortiumData`` validates a consortium file (format documented in
    ``dataformat``); errors are ``DataFileError`` naming the file, the key and the problem.
"""

from __future__ import annotations

from kiosk.acs.circulation import Circulation, Reason, Terminal
from kiosk.acs.control import send_command
from kiosk.acs.dataformat import ConsortiumData, parse_data, read_data
from kiosk.acs.embedded import EmbeddedACS, ThreadedACS, server_tls_context
from kiosk.acs.errors import AcsError, DataFileError, FaultSettingError
from kiosk.acs.faults import Faults
from kiosk.acs.folio_api import FolioServer
from kiosk.acs.limits import ConnectionLimits
from kiosk.acs.model import DEMO_DATA, ConsortiumModel
from kiosk.acs.records import (
    AccountRecord,
    BranchRecord,
    FeeRecord,
    HoldRecord,
    ItemRecord,
    LoanRecord,
    LogEntry,
    PatronRecord,
)
from kiosk.acs.rules import (
    EXCEPTION,
    FLOATING_STAYS,
    HOLD_HERE,
    HOLD_TRANSIT,
    RESHELVE,
    TRANSIT_HOME,
)

__all__ = [
    "DEMO_DATA",
    "EXCEPTION",
    "FLOATING_STAYS",
    "HOLD_HERE",
    "HOLD_TRANSIT",
    "RESHELVE",
    "TRANSIT_HOME",
    "AccountRecord",
    "AcsError",
    "BranchRecord",
    "Circulation",
    "ConnectionLimits",
    "ConsortiumData",
    "ConsortiumModel",
    "DataFileError",
    "EmbeddedACS",
    "FaultSettingError",
    "Faults",
    "FeeRecord",
    "FolioServer",
    "HoldRecord",
    "ItemRecord",
    "LoanRecord",
    "LogEntry",
    "PatronRecord",
    "Reason",
    "Terminal",
    "ThreadedACS",
    "parse_data",
    "read_data",
    "send_command",
    "server_tls_context",
]
