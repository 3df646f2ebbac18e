"""Registries: the drivers and back ends the kiosk knows, by the name a config's ``type`` gives.

Why: a reader vendor, a sorter or a library-system back end used to be written into four places
(the config model's ``Literal``, the assembly, ``kiosk tag``, the driver package). Now each is
one module with one registration -- its name, its own settings model and a factory that builds
the driver from those settings -- and everything else asks the registry: the config model
validates ``type`` and the vendor's settings against it, the assemblies build with it,
``kiosk tag scan`` and ``kiosk devices`` open devices through it, ``kiosk config schema`` lists
what it holds. A new RFID reader, in a module of its own::

    from typing import Literal
    from kiosk.config import RfidReaderSettings
    from kiosk.registry import RFID_READERS, DeviceContext

    class AcmeReaderSettings(RfidReaderSettings):
        type: Literal["acme"] = "acme"
        port: str

    def acme_reader(settings: AcmeReaderSettings, context: DeviceContext) -> RfidReader:
        from drivers.rfid.acme import AcmeReader  # the driver (and pyserial) load only when used
        return AcmeReader(settings.port)

    RFID_READERS.register("acme", AcmeReaderSettings, acme_reader, "ACME pads over USB")

and ``[hardware.rfid] type = "acme"`` picks it. Vendor modules load with the first lookup
(:func:`load_vendors`): every module in :mod:`kiosk.vendors` (the kiosk's own, and a new one in
the tree), and modules that installed packages name in the entry-point group
``nordic_kiosk.vendors``. ``docs/extending.md`` walks through it.

This module imports nothing of the kiosk and no driver: the config model uses it, and importing
the config must not load pyserial, pyscard, pymodbus or Pillow. Factories import their drivers
when they are called.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, SerializeAsAny, WrapValidator
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from pydantic import ValidationInfo, ValidatorFunctionWrapHandler

    from drivers.cards import BarcodeScanner, CardReader
    from drivers.printer import ReceiptPrinter
    from drivers.rfid import RfidReader
    from drivers.sorter import Sorter
    from kiosk.config import KioskConfig
    from kiosk.ils.port import LibrarySystem

__all__ = [
    "CARD_READERS",
    "ENTRY_POINT_GROUP",
    "LIBRARY_SYSTEMS",
    "PRINTERS",
    "REGISTRIES",
    "RFID_READERS",
    "SCANNERS",
    "SORTERS",
    "DeviceContext",
    "LibrarySystemContext",
    "Registration",
    "Registry",
    "SorterContext",
    "UnknownType",
    "load_vendors",
    "no_device",
]

Product = TypeVar("Product")


# ----------------------------------------------------------------------------------- contexts


@dataclass(slots=True)
class DeviceContext:
    """What a device factory may need besides its settings.

    ``stack`` closes what the factory starts beside the device (a simulator on a pty) when the
    kiosk stops; a factory that starts simulated hardware puts it in ``simulators`` under its
    kind (``"rfid"``, ``"sorter"``) for the demo panel and the tests to steer.
    """

    stack: ExitStack | AsyncExitStack
    simulator_timing: bool = True
    simulators: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SorterContext(DeviceContext):
    """A sorter factory's context: how many bins the station has, and the simulated chute's
    callbacks (an item reaches / leaves the read position) for a simulated machine."""

    bins: int = 1
    on_at_reader: Callable[[Any], None] | None = None
    on_left_reader: Callable[[Any], None] | None = None


@dataclass(slots=True)
class LibrarySystemContext:
    """A back end's context: the whole configuration (a back end may read other sections, as
    SIP2 reads its dialect), the branch directory for screens and slips, and where the embedded
    library system listens in demo mode (``host``/``port`` override the configured ones)."""

    config: KioskConfig
    branch_names: dict[str, str] | None = None
    host: str | None = None
    port: int | None = None


# ----------------------------------------------------------------------------------- registry


def no_device(settings: object, context: object) -> None:
    """The factory of an optional device's ``none`` type: the kiosk runs without one."""
    return None


class UnknownType(LookupError):
    """No vendor of this kind is registered under that name; the message lists the known ones."""


@dataclass(frozen=True, slots=True)
class Registration(Generic[Product]):
    """One vendor: the ``type`` name, its settings model, the factory (settings, context), a
    line for ``kiosk devices types`` and an example table (the tests build every vendor from
    its example; the docs show it)."""

    name: str
    settings: type[BaseModel]
    factory: Callable[[Any, Any], Product]
    description: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)


class Registry(Generic[Product]):
    """The vendors of one kind of device (or of back end), by name, in registration order.

    The vendor modules (:func:`load_vendors`) are imported with the first lookup, so that the
    config model can use the registry without importing any of them at import time. ``key`` is
    where the config keeps the vendor's table (for messages).
    """

    def __init__(self, kind: str, key: str, *, default: str, typed: bool = True) -> None:
        self.kind = kind
        self.key = key
        self.default = default
        self.typed = typed  # settings carry ``type`` (devices); back ends are named by [ils]
        self._entries: dict[str, Registration[Product]] = {}
        self.base: type[BaseModel] = BaseModel  # set by field_type: every vendor's settings base

    # -- registering --------------------------------------------------------------------

    def register(
        self,
        name: str,
        settings: type[BaseModel],
        factory: Callable[[Any, Any], Product],
        description: str = "",
        *,
        example: Mapping[str, Any] | None = None,
    ) -> Registration[Product]:
        """Add a vendor. Its settings model must derive from this kind's settings base and
        have a ``type`` field whose default is ``name`` (a ``Literal[name]``), so a settings
        object always says which vendor it is for."""
        load_vendors()
        if name in self._entries:
            raise ValueError(f"the {self.kind} type {name!r} is registered already")
        if not (isinstance(settings, type) and issubclass(settings, self.base)):
            raise TypeError(f"{settings!r} must derive from {self.base.__name__}")
        declared = settings.model_fields.get("type")
        if self.typed and (declared is None or declared.default != name):
            raise TypeError(f"{settings.__name__}.type must default to {name!r}")
        table = dict(example or {})
        if self.typed:
            table.setdefault("type", name)
        entry = Registration(name, settings, factory, description, table)
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove a vendor (tests that register a throwaway one clean up with this)."""
        self._entries.pop(name, None)

    # -- looking up ---------------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        load_vendors()
        return tuple(self._entries)

    def __iter__(self) -> Iterator[Registration[Product]]:
        return iter([self._entries[name] for name in self.names()])

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def get(self, name: str) -> Registration[Product]:
        load_vendors()
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise UnknownType(f"no {self.kind} of type {name!r}; {self.expected()}") from None

    def expected(self, names: tuple[str, ...] | None = None) -> str:
        """``one of 'feig' or 'simulated'``, the way the config errors name choices."""
        shown = [repr(name) for name in (self.names() if names is None else names)]
        if len(shown) < 2:
            return f"{''.join(shown) or 'a registered type'}"
        return f"one of {', '.join(shown[:-1])} or {shown[-1]}"

    # -- settings and products ----------------------------------------------------------

    def settings(self, data: Mapping[str, Any], context: Any = None) -> BaseModel:
        """The settings ``data`` describes, validated by its vendor's model (``type`` picks
        the vendor; missing means :attr:`default`). Raises :class:`UnknownType` or pydantic's
        ``ValidationError``."""
        name = data.get("type", self.default)
        return self.get(name).settings.model_validate(data, context=context)

    def default_settings(self) -> BaseModel:
        return self.settings({})

    def build(self, settings: BaseModel, context: Any, *, name: str | None = None) -> Product:
        """The device (or back end) for ``settings``, from its vendor's factory. ``name`` is
        the vendor's for settings without a ``type`` (a back end's)."""
        chosen = name if name is not None else str(getattr(settings, "type", ""))
        return self.get(chosen).factory(settings, context)

    # -- the config model's field -------------------------------------------------------

    def field_type(self, base: type[BaseModel]) -> Any:
        """The annotation of the config key this registry fills: any registered settings model
        (all derive from ``base``), chosen by ``type`` and dumped with its own fields."""
        self.base = base
        # A type made at run time (``base`` is a variable), which no static checker can follow.
        return Annotated[SerializeAsAny[base], WrapValidator(self._validate)]  # type: ignore[misc, valid-type]

    def field(self) -> Any:
        """The key's default: the default vendor's settings, made when first needed."""
        return Field(default_factory=self.default_settings)

    def _validate(
        self, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> BaseModel:
        if isinstance(value, self.base) and type(value) is not self.base:
            return value  # a default, or settings built in code
        if not isinstance(value, Mapping):
            raise PydanticCustomError("model_type", "a table (a [section] with keys below it)")
        name = value.get("type", self.default)
        if not isinstance(name, str) or name not in self.names():
            # Reported at the ``type`` key (kiosk.config.loader expands it), with the list.
            from kiosk.config.problems import Problem, Problems

            raise Problems([Problem("type", name, f"{self.expected()} (the known {self.kind}s)")])
        # A ValidationError from the vendor's model is placed under this key by pydantic.
        return self.get(name).settings.model_validate(value, context=info.context)


#: The entry-point group through which an installed package adds vendors: each entry point
#: names a module to import (``acme = "acme_kiosk.vendors"`` in its ``pyproject.toml`` under
#: ``[project.entry-points."nordic_kiosk.vendors"]``).
ENTRY_POINT_GROUP = "nordic_kiosk.vendors"

_vendors_loaded = False
_vendors_lock = threading.RLock()


def load_vendors() -> None:
    """Import every vendor module once: each module of :mod:`kiosk.vendors` (a new vendor in
    the tree is a file there), then each module an installed package names in the entry-point
    group :data:`ENTRY_POINT_GROUP`. A module that fails to import is an error that names it:
    a kiosk must not start without a vendor its config may name."""
    global _vendors_loaded
    with _vendors_lock:
        if _vendors_loaded:
            return
        _vendors_loaded = True  # first: the modules register through the registries
        package = importlib.import_module("kiosk.vendors")
        for module in pkgutil.iter_modules(package.__path__, prefix="kiosk.vendors."):
            importlib.import_module(module.name)
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                importlib.import_module(entry.value)
            except Exception as exc:
                dist = entry.dist.name if entry.dist is not None else "an installed package"
                raise ImportError(
                    f"vendor module {entry.value!r} (entry point {entry.name!r} of {dist}) "
                    f"failed to import: {exc}"
                ) from exc


#: RFID pads (``[hardware.rfid]``).
RFID_READERS: Registry[RfidReader] = Registry("RFID reader", "hardware.rfid", default="simulated")
#: Library card readers (``[hardware.card_reader]``); ``none`` builds None.
CARD_READERS: Registry[CardReader | None] = Registry(
    "card reader", "hardware.card_reader", default="simulated"
)
#: Barcode scanners (``[hardware.scanner]``); ``none`` builds None.
SCANNERS: Registry[BarcodeScanner | None] = Registry(
    "barcode scanner", "hardware.scanner", default="simulated"
)
#: Receipt and slip printers (``[hardware.printer]``); ``none`` builds None.
PRINTERS: Registry[ReceiptPrinter | None] = Registry(
    "printer", "hardware.printer", default="simulated"
)
#: Return-station sorters (``[hardware.sorter]``); ``none`` (a checkout kiosk) builds None.
SORTERS: Registry[Sorter | None] = Registry("sorter", "hardware.sorter", default="none")
#: Library-system back ends (``[ils] backend``; settings in ``[ils.<name>]``), not yet opened.
LIBRARY_SYSTEMS: Registry[LibrarySystem] = Registry(
    "library-system back end",
    "ils",
    default="sip2",
    typed=False,
)

#: Every registry by the config key it fills.
REGISTRIES: dict[str, Registry[Any]] = {
    registry.key: registry
    for registry in (RFID_READERS, CARD_READERS, SCANNERS, PRINTERS, SORTERS, LIBRARY_SYSTEMS)
}
