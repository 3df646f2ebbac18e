"""PC/SC card reader driver (pyscard over pcsc-lite's pcscd).

Protocol documents: PC/SC Workgroup specification part 5 (ICC Resource Manager:
SCardEstablishContext, SCardListReaders, SCardGetStatusChange, SCardConnect, SCardTransmit,
SCardCancel) and part 3 section 3.2.2.1.3 (the GET DATA pseudo-APDU ``FF CA 00 00 00`` that
returns the UID of a contactless card; see :mod:`drivers.cards.apdu`).

The reader is chosen by a case-insensitive regular-expression *name pattern*, never by index:
kiosks and laptops often have a second, built-in smart-card reader whose position in the list
changes with boot order. A worker thread blocks in SCardGetStatusChange (woken by SCardCancel on
close) and hands events to asyncio through :class:`~drivers.cards._channel.EventChannel`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator

from smartcard import scard

from . import apdu
from ._channel import DeviceChannel, EventChannel, ReadingThread
from .contract import CardEvent, CardReader, DeviceError
from .errors import (
    CardCommandError,
    PcscUnavailableError,
    ReaderNotFoundError,
    mask_uid,
    name_matcher,
    no_device_matching,
)

log = logging.getLogger(__name__)

# pcscd stopping shows as any of these, depending on when it happens (COMM_ERROR mid-call).
_SERVICE_GONE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_F_COMM_ERROR}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_NO_READERS_AVAILABLE}
_POLL_MS = 1000
_UID_ATTEMPTS = 3  # wakes the monitor thread now and then, in case SCardCancel is lost


def _pcsc_message(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"


def _service_error(hresult: int) -> PcscUnavailableError:
    where = os.environ.get("PCSCLITE_CSOCK_NAME", "/run/pcscd/pcscd.comm")
    return PcscUnavailableError(
        f"pcscd not running: {_pcsc_message(hresult)}; start it ('systemctl start pcscd.socket')"
        f" and check that the kiosk user may open {where}"
    )


def _establish_context() -> int:
    established: tuple[int, int] = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hresult, context = established
    if hresult != scard.SCARD_S_SUCCESS:
        if hresult in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
            raise _service_error(hresult)
        raise DeviceError(f"PC/SC context could not be established: {_pcsc_message(hresult)}")
    return context


def _raise_if_service_gone() -> None:
    """Raise PcscUnavailableError when pcscd no longer accepts new contexts."""
    _release(_establish_context())


def _release(context: int) -> None:
    scard.SCardReleaseContext(context)


def list_reader_names() -> list[str]:
    """Names of every reader pcscd knows, for set-up screens and error messages."""
    context = _establish_context()
    try:
        return _list_readers(context)
    finally:
        scard.SCardReleaseContext(context)


def _list_readers(context: int) -> list[str]:
    hresult, readers = scard.SCardListReaders(context, [])
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hresult in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
        raise _service_error(hresult)
    if hresult != scard.SCARD_S_SUCCESS:
        raise DeviceError(f"PC/SC could not list readers: {_pcsc_message(hresult)}")
    return list(readers)


def select_reader(names: list[str], pattern: str) -> str:
    """The first reader whose name matches ``pattern`` (regex, case-insensitive)."""
    matcher = name_matcher(pattern, "card reader")
    for name in names:
        if matcher.search(name):
            return name
    raise no_device_matching(
        "reader",
        pattern,
        names,
        when_none="pcscd sees no card readers at all"
        " (is the reader plugged in and its driver, e.g. libccid or libacsccid1, installed?)",
        present="pcscd sees",
    )


class _ReaderLost(Exception):
    """Inside the monitor thread: the reader or pcscd went away (and whether a card was on)."""

    def __init__(self, error: DeviceError, card_was_present: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.card_was_present = card_was_present


class PcscCardReader(CardReader):
    """A contactless (or contact) card reader through pcscd, reporting cards with their UID.

    ``reader_pattern`` selects the reader, e.g. ``"ACR122"`` or ``"^Virtual PCD 00 00$"``.

    By default a lost reader or pcscd ends the event stream with the error. With
    ``reconnect_interval`` set, the driver instead logs the error once, reports a card that was
    present as removed, keeps :attr:`problem` set to the message, and tries again every that many
    seconds, so an unattended kiosk recovers by itself once staff replug the reader or pcscd is
    back.
    """

    def __init__(self, reader_pattern: str, *, reconnect_interval: float | None = None) -> None:
        self.reader_pattern = reader_pattern
        self.reconnect_interval = reconnect_interval
        self.reader_name: str | None = None
        self.problem: str | None = None  # what is wrong right now, while reconnecting
        self._context: int | None = None
        self._context_lock = threading.Lock()
        self._events = DeviceChannel[CardEvent](f"card reader matching {reader_pattern!r}")
        self._reading = ReadingThread(self._events)
        self._stopping = self._reading.stopping

    async def open(self) -> None:
        if self._reading.running:
            return
        self._context, self.reader_name = await asyncio.to_thread(self._connect)
        self._reading.start(self._monitor, name=f"pcsc:{self.reader_name}")
        log.info("card reader %r open (pattern %r)", self.reader_name, self.reader_pattern)

    def _connect(self) -> tuple[int, str]:
        context = _establish_context()
        try:
            return context, select_reader(_list_readers(context), self.reader_pattern)
        except BaseException:
            scard.SCardReleaseContext(context)
            raise

    async def close(self) -> None:
        if not self._reading.running:
            return
        await self._reading.stop(wake=self._cancel_blocking_call)
        with self._context_lock:
            if self._context is not None:
                scard.SCardReleaseContext(self._context)
            self._context = None

    def _cancel_blocking_call(self) -> None:
        """Make the monitor thread's wait for a status change return at once."""
        with self._context_lock:
            if self._context is not None:
                scard.SCardCancel(self._context)

    def events(self) -> AsyncIterator[CardEvent]:
        return self._events.stream()

    # -- the monitor thread ---------------------------------------------------------------

    def _monitor(self) -> None:
        channel = self._events.require()
        while not self._stopping.is_set():
            try:
                self._watch(channel)
                return
            except _ReaderLost as lost:
                error = lost.error
                if self.reconnect_interval is None or self._stopping.is_set():
                    log.error("%s", error)
                    channel.fail(error)
                    return
                self.problem = str(error)
                log.error("%s; trying again every %g s", error, self.reconnect_interval)
                if lost.card_was_present and self.reader_name:
                    # The patron's card is lost to us along with the reader.
                    channel.put(CardEvent("removed", self.reader_name, None))
                if not self._reconnect():
                    return
                self.problem = None
                log.info("card reader %r is back", self.reader_name)
            except Exception as error:  # never let the thread die silently
                log.exception("card reader %r monitor failed", self.reader_name)
                channel.fail(DeviceError(f"card reader {self.reader_name!r} failed: {error}"))
                return

    def _reconnect(self) -> bool:
        """Wait for pcscd and the reader to come back; False when closed meanwhile."""
        assert self.reconnect_interval is not None
        with self._context_lock:
            old, self._context = self._context, None
        if old is not None:
            scard.SCardReleaseContext(old)  # its pcscd may be gone: the result does not matter
        while not self._stopping.wait(self.reconnect_interval):
            try:
                context, name = self._connect()
            except DeviceError:
                continue
            with self._context_lock:
                if self._stopping.is_set():
                    scard.SCardReleaseContext(context)
                    return False
                self._context, self.reader_name = context, name
            return True
        return False

    def _watch(self, channel: EventChannel[CardEvent]) -> None:
        """Report cards on the reader until closed; raises DeviceError when reader or pcscd go."""
        context, name = self._context, self.reader_name
        assert context is not None and name is not None
        known_state = scard.SCARD_STATE_UNAWARE
        card_present = False
        try:
            while not self._stopping.is_set():
                hresult, states = scard.SCardGetStatusChange(
                    context, _POLL_MS, [(name, known_state)]
                )
                if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                    continue
                if hresult in _SERVICE_GONE:
                    raise _service_error(hresult)
                if hresult in _READER_GONE:
                    raise ReaderNotFoundError(f"card reader {name!r} was unplugged")
                if hresult != scard.SCARD_S_SUCCESS:
                    _raise_if_service_gone()  # a dying pcscd answers with odd codes first
                    raise DeviceError(f"card reader {name!r}: {_pcsc_message(hresult)}")
                _, event_state, _atr = states[0]
                known_state = event_state & ~scard.SCARD_STATE_CHANGED
                if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                    raise ReaderNotFoundError(f"card reader {name!r} was unplugged")
                present = bool(event_state & scard.SCARD_STATE_PRESENT)
                if present and not card_present:
                    card_present = True
                    channel.put(self._inserted(context, name, event_state))
                elif not present and card_present:
                    card_present = False
                    log.debug("card removed from %r", name)
                    channel.put(CardEvent("removed", name, None))
        except DeviceError as error:
            raise _ReaderLost(error, card_present) from error

    def _inserted(self, context: int, name: str, event_state: int) -> CardEvent:
        if event_state & scard.SCARD_STATE_MUTE:
            message = "card does not answer (mute): present it again, flat on the reader"
            return CardEvent("inserted", name, None, error=message)
        for attempt in range(1, _UID_ATTEMPTS + 1):
            try:
                uid = read_uid(context, name)
                break
            except CardCommandError as error:
                # A card at the edge of the field (or just put down) fails a transmission now
                # and then; a status word is the card's real answer and is not retried.
                if error.sw is None and attempt < _UID_ATTEMPTS and not self._stopping.is_set():
                    time.sleep(0.1)
                    continue
                log.warning("card on %r unreadable: %s", name, error)
                return CardEvent("inserted", name, None, error=str(error))
        log.debug("card %s inserted in %r", mask_uid(uid), name)
        return CardEvent("inserted", name, uid)


def _atr_of(card: int) -> bytes:
    """The connected card's ATR (empty when the reader cannot say: the UID is then left as is)."""
    hresult, _reader, _state, _protocol, atr = scard.SCardStatus(card)
    return bytes(atr) if hresult == scard.SCARD_S_SUCCESS else b""


def read_uid(context: int, reader_name: str) -> bytes:
    """Connect to the card in ``reader_name`` and ask for its UID with GET DATA (blocking).

    The UID comes back as library systems write it (:func:`apdu.uid_as_written`).
    """
    hresult, card, protocol = scard.SCardConnect(
        context,
        reader_name,
        scard.SCARD_SHARE_SHARED,
        scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
    )
    if hresult != scard.SCARD_S_SUCCESS:
        raise CardCommandError(f"card could not be connected: {_pcsc_message(hresult)}")
    try:
        command = apdu.get_uid_command()
        for _attempt in range(2):
            hresult, response = scard.SCardTransmit(card, protocol, list(command))
            if hresult != scard.SCARD_S_SUCCESS:
                raise CardCommandError(
                    f"card was taken away or did not answer GET DATA: {_pcsc_message(hresult)}"
                )
            try:
                uid = apdu.parse_uid_response(bytes(response))
            except CardCommandError as error:
                if error.sw is not None and error.sw >> 8 == 0x6C:
                    command = apdu.get_uid_command(error.sw & 0xFF)  # retry with exact Le
                    continue
                raise
            return apdu.uid_as_written(uid, _atr_of(card))
        raise CardCommandError("card kept asking for a different GET DATA length")
    finally:
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
