"""Typed SIP2 message objects, one class per row of the layout table.

Each class (``Login``, ``CheckoutResponse``, ...) is built from its :class:`Layout`: fixed fields
are attributes by their snake_case names (``msg.ok``, ``msg.desensitize``), and every known
variable field is readable by name (``msg.patron_identifier`` for AA, ``msg.screen_message`` for
AF). Repeatable tags (AF, AG, AU, BM...) read as lists, others as the first value or ``None``.
Every value, including unknown vendor tags, stays reachable by tag via :meth:`Message.get`,
:meth:`Message.get_all` and :attr:`Message.fields`.

Messages are immutable values: build them with keyword arguments, change them with
:meth:`Message.replace`. Where a fixed field and a tag share a name (``fee_type`` in 18/37 vs BT,
``currency_type`` in 37 vs BH), the name means the fixed field; the tag is then reachable by tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Self, TypeVar

from kiosk.privacy import mask_card
from kiosk.sip2.dates import format_sip_date, sip_now
from kiosk.sip2.fields import PERSONAL_TAGS, REPEATABLE_TAGS, SECRET_TAGS, TAG_BY_NAME, TAGS
from kiosk.sip2.layouts import LAYOUTS_LIST, NOW, Layout

FieldValue = str | bool | int | float | Iterable[str] | None
_MISSING: Any = object()  # a required fixed field nobody gave a value


class Message:
    """One SIP2 message: a layout, fixed-field values by name, variable fields by tag."""

    __slots__ = ("_fields", "_fixed")
    layout: ClassVar[Layout]
    code: ClassVar[str]

    _fixed: dict[str, Any]
    _fields: dict[str, list[str]]

    # Per-class plans, filled in by _make_class from the layout (construction is on the hot path).
    _fixed_template: ClassVar[dict[str, Any]] = {}
    _fixed_names: ClassVar[frozenset[str]] = frozenset()
    _now_names: ClassVar[tuple[str, ...]] = ()
    _required_fixed: ClassVar[tuple[str, ...]] = ()
    _required_tags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, fields: Mapping[str, FieldValue] | None = None, **values: Any) -> None:
        cls = type(self)
        fixed = dict(cls._fixed_template)  # wire order; defaults, NOW and _MISSING markers
        var: dict[str, list[str]] = {tag: [""] for tag in cls.layout.required}
        _set_by_name(cls, fixed, var, values)
        for name in cls._now_names:
            if fixed[name] is NOW:
                fixed[name] = sip_now()
        for name in cls._required_fixed:
            if fixed[name] is _MISSING:
                raise TypeError(f"{cls.__name__} needs a value for {name!r}")
        if fields:
            _set_by_tag(cls, var, fields)
        self._fixed = fixed
        self._fields = var

    # --- reading ---------------------------------------------------------------------------
    @property
    def fixed(self) -> Mapping[str, Any]:
        """The fixed fields by name, in wire order (read-only)."""
        return MappingProxyType(self._fixed)

    @property
    def fields(self) -> Mapping[str, list[str]]:
        """Variable fields: tag -> list of values in arrival order, unknown tags included."""
        return MappingProxyType(self._fields)

    def get(self, tag: str, default: str | None = None) -> str | None:
        """The first value of ``tag`` (e.g. ``"AA"``), or ``default`` when absent."""
        values = self._fields.get(tag)
        return values[0] if values else default

    def get_all(self, tag: str) -> list[str]:
        """Every value of ``tag`` in arrival order (empty when absent)."""
        return list(self._fields.get(tag, ()))

    def supports(self, code: str) -> bool:
        """For a 98 ACS status: whether BX says the ACS supports the request ``code``."""
        flags = self.get("BX") or ""
        position = _SUPPORTED_MESSAGE_ORDER.get(code)
        return position is not None and position < len(flags) and flags[position] in "Yy"

    # --- changing --------------------------------------------------------------------------
    def replace(self, *, fields: Mapping[str, FieldValue] | None = None, **values: Any) -> Self:
        """A copy with some fixed fields and/or variable fields changed (``None`` removes one)."""
        fixed = dict(self._fixed)
        var = {tag: list(v) for tag, v in self._fields.items()}
        _set_by_name(type(self), fixed, var, values)
        if fields:
            _set_by_tag(type(self), var, fields)
        copy = type(self).__new__(type(self))
        copy._fixed = fixed
        copy._fields = var
        return copy

    # --- presenting ------------------------------------------------------------------------
    def to_json(self, *, mask_secrets: bool = False) -> dict[str, Any]:
        """The message as the JSON form of ``kiosk sip2``: code, name, fixed, fields.

        Dates become ISO 8601 strings; a tag that occurs once is a string, a repeated one a list.
        With ``mask_secrets`` PINs and passwords are replaced by ``"****"``.
        """
        fixed = {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in self._fixed.items()
        }
        fields: dict[str, str | list[str]] = {}
        for tag, values in self._fields.items():
            if mask_secrets and tag in SECRET_TAGS:
                values = ["****" for _ in values]
            fields[tag] = values[0] if len(values) == 1 else list(values)
        return {"code": self.code, "name": type(self).__name__, "fixed": fixed, "fields": fields}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (
            self.code == other.code
            and self._fixed == other._fixed
            and self._fields == other._fields
        )

    def __hash__(self) -> int:
        return hash((self.code, tuple(self._fields)))

    def __repr__(self) -> str:
        """Readable and safe to log: secrets masked, personal data shortened."""
        fixed = ", ".join(
            f"{k}={format_sip_date(v).strip() if isinstance(v, datetime) else v!r}"
            for k, v in self._fixed.items()
        )
        shown = []
        for tag, values in self._fields.items():
            for value in values:
                if tag in SECRET_TAGS:
                    value = "****"
                elif tag in PERSONAL_TAGS:
                    value = mask_personal(value)
                shown.append(f"{tag}={value!r}")
        return f"{type(self).__name__}({', '.join(x for x in (fixed, *shown) if x)})"


R = TypeVar("R", bound="Message")


class Request(Message, Generic[R]):
    """A message the self-check sends; ``R`` is the class of the ACS's answer to it.

    The parameter is for type checkers: ``await client.request(Checkout(...))`` is a
    ``CheckoutResponse`` (see the checked-in ``catalog.pyi``).
    """

    __slots__ = ()


class Response(Message):
    """A message the ACS sends."""

    __slots__ = ()


def mask_personal(value: str) -> str:
    """Shorten personal data for logs, by the kiosk's one rule (:func:`kiosk.privacy.mask_card`:
    at most the last four characters, never more than half)."""
    return mask_card(value, fill="*")


def _set_by_name(
    cls: type[Message], fixed: dict[str, Any], var: dict[str, list[str]], values: Mapping[str, Any]
) -> None:
    """Fixed fields, and variable fields by their names (``patron_identifier=...``)."""
    fixed_names, required = cls._fixed_names, cls._required_tags
    for name, value in values.items():
        if name in fixed_names:
            fixed[name] = value
            continue
        tag = TAG_BY_NAME.get(name)
        if tag is None:
            raise TypeError(f"{cls.__name__} has no field named {name!r}")
        if type(value) is str:  # the common case, without a call (construction is a hot path)
            var[tag] = [value]
        else:
            _set_field(var, tag, value, tag in required)


def _set_by_tag(
    cls: type[Message], var: dict[str, list[str]], fields: Mapping[str, FieldValue]
) -> None:
    """Variable fields by their tags (``fields={"AA": ...}``), unknown tags included."""
    required = cls._required_tags
    for tag, value in fields.items():
        if len(tag) != 2 or not tag.isascii() or not tag.isalnum():
            raise TypeError(f"a SIP2 tag is two ASCII letters or digits, got {tag!r}")
        _set_field(var, tag, value, tag in required)


def _set_field(var: dict[str, list[str]], tag: str, value: FieldValue, required: bool) -> None:
    if value is None:
        if required:
            var[tag] = [""]
        else:
            var.pop(tag, None)
    elif isinstance(value, str):
        var[tag] = [value]
    elif isinstance(value, bool):
        var[tag] = ["Y" if value else "N"]  # BL, CQ, BO, BI...: SIP2 writes flags as Y/N
    elif isinstance(value, int | float):
        var[tag] = [str(value)]
    else:
        var[tag] = [str(v) for v in value]


# Order of the BX "supported messages" flags in a 98 ACS status (spec 2.00).
_SUPPORTED_MESSAGE_ORDER = {
    code: i
    for i, code in enumerate(
        ("23", "11", "09", "01", "25", "99", "97", "63", "35", "37", "17", "19", "29", "65",
         "15", "93")
    )
}  # fmt: skip


def _tag_property(tag: str) -> property:
    if tag in REPEATABLE_TAGS:

        def read_all(self: Message) -> list[str]:
            return list(self._fields.get(tag, ()))

        return property(read_all, doc=f"All values of {tag} ({TAGS[tag].name}), as a list.")

    def read_first(self: Message) -> str | None:
        values = self._fields.get(tag)
        return values[0] if values else None

    doc = f"The value of {tag} ({TAGS.get(tag) and TAGS[tag].name}), or None when absent."
    return property(read_first, doc=doc)


def _fixed_property(name: str) -> property:
    def read(self: Message) -> Any:
        return self._fixed[name]

    return property(read, doc=f"Fixed field {name}.")


for _name, _tag in TAG_BY_NAME.items():
    if _tag in TAGS:
        setattr(Message, _name, _tag_property(_tag))


def _make_class(layout: Layout) -> type[Message]:
    namespace: dict[str, Any] = {
        "__slots__": (),
        "layout": layout,
        "code": layout.code,
        "_fixed_template": {
            spec.name: _MISSING if spec.required else spec.default for spec in layout.fixed
        },
        "_fixed_names": frozenset(spec.name for spec in layout.fixed),
        "_now_names": tuple(spec.name for spec in layout.fixed if spec.default is NOW),
        "_required_fixed": tuple(spec.name for spec in layout.fixed if spec.required),
        "_required_tags": frozenset(layout.required),
        "__doc__": f"SIP2 message {layout.code} ({layout.name}), sent by the "
        f"{'kiosk (SC)' if layout.direction == 'sc' else 'library system (ACS)'}.",
        "__module__": "kiosk.sip2.catalog",
    }
    for spec in layout.fixed:
        namespace[spec.name] = _fixed_property(spec.name)
    base = Request if layout.direction == "sc" else Response
    return type(layout.name, (base,), namespace)


#: Message classes by two-digit code (by name: :mod:`kiosk.sip2.catalog`).
MESSAGE_CLASSES: dict[str, type[Message]] = {x.code: _make_class(x) for x in LAYOUTS_LIST}


def message_class(code: str) -> type[Message]:
    """The message class for a two-digit code (KeyError when the code is not in the table)."""
    return MESSAGE_CLASSES[code]
