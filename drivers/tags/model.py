"""The typed values of library tag data, shared by every data model.

Decoding never raises for bad tag content: it returns a :class:`DecodedTag` whose ``problem``
says what is wrong (blank, foreign, corrupt...). Encoding takes an :class:`ItemTag` and raises
:class:`TagEncodeError` for values the chosen model cannot hold, because those come from staff or
configuration and must be fixed at the source.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: What :mod:`drivers.tags` re-exports (the codecs import the other names from here directly).
__all__ = [
    "NFLO_EXTENSION_ID",
    "BlockOrder",
    "DataElement",
    "DecodedTag",
    "ExtensionBlock",
    "ItemTag",
    "OwnerLibrary",
    "TagEncodeError",
    "TagModel",
    "TagProblem",
    "Usage",
]


class TagModel(enum.StrEnum):
    """The data model a tag's memory follows."""

    DANISH = "danish"  # ISO 28560-3 fixed layout (DS/INF 163), used across the Nordics
    ISO28560_2 = "iso28560-2"  # object identifiers, ISO/IEC 15962 compaction
    UNKNOWN = "unknown"


class Usage(enum.IntEnum):
    """Type of usage (ISO 28560-3 primary type; the same codes are used for ISO 28560-2)."""

    ACQUISITION = 0
    CIRCULATION = 1
    NOT_FOR_CIRCULATION = 2
    LOCAL_USE_3 = 3
    LOCAL_USE_4 = 4
    NO_INFORMATION = 6
    DISCARDED = 7
    PATRON_CARD = 8
    LIBRARY_EQUIPMENT = 9

    @property
    def label(self) -> str:
        """Lower-case name used in JSON and on the command line (``circulation``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | int) -> Usage:
        """Accept a label (``circulation``, ``patron-card``) or the numeric code."""
        if isinstance(text, int) or str(text).isdigit():
            return cls(int(text))
        key = str(text).strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            labels = ", ".join(u.label for u in cls)
            raise ValueError(f"unknown type of usage {text!r}; expected one of {labels}") from None


class BlockOrder(enum.StrEnum):
    """How the tag's 4-byte blocks were written.

    ``REVERSED`` tags hold each block's bytes in reverse order (a vendor deviation, or a reader
    driver that reverses blocks on read). Write such a tag back in the same order.
    """

    NORMAL = "normal"
    REVERSED = "reversed"


class TagProblem(enum.StrEnum):
    """Why a tag could not be (fully) trusted. ``None`` on a DecodedTag means no problem."""

    EMPTY = "empty"  # no bytes at all (nothing read)
    BLANK = "blank"  # all 0x00 or all 0xFF: never programmed
    TOO_SHORT = "too-short"  # fewer bytes than the model's fixed part
    FOREIGN = "foreign"  # not a library data model this code knows
    CRC_MISMATCH = "crc-mismatch"  # Danish model whose CRC matches in neither block order
    UNSUPPORTED_VERSION = "unsupported-version"  # Danish model, version nibble not 1
    MALFORMED = "malformed"  # structure broken (truncated element, bad length, bad text)
    BAD_EXTENSION = "bad-extension"  # Danish extension block with wrong checksum or length


class TagEncodeError(ValueError):
    """The item data cannot be written in the chosen model; the message names the field."""


@dataclass(frozen=True, slots=True)
class OwnerLibrary:
    """The owner institution: an ISIL (``SE-Hud``), split as the Danish model stores it."""

    country: str  # ISO 3166 alpha-2, e.g. "SE"; may be empty when the tag holds none
    library: str  # the ISIL's library part, e.g. "Hud" or "02030000"

    @property
    def isil(self) -> str:
        return f"{self.country}-{self.library}" if self.country else self.library

    @classmethod
    def parse(cls, isil: str) -> OwnerLibrary:
        """Split ``SE-Hud`` into country and library; an ISIL without a hyphen has no country."""
        text = isil.strip()
        country, sep, library = text.partition("-")
        if sep and len(country) == 2 and country.isalpha():
            return cls(country.upper(), library)
        return cls("", text)

    def __str__(self) -> str:
        return self.isil


@dataclass(frozen=True, slots=True)
class ExtensionBlock:
    """One ISO 28560-3 extension block after byte 34: an id and its data bytes."""

    block_id: int
    data: bytes


class DataElement(NamedTuple):
    """One ISO 28560-2 data element as found on a tag, for staff screens and ``tag decode``.

    ``value`` is the element as text (an ISIL, a barcode, ``10`` for a one-byte code shown as two
    hex digits, ``3,4,6`` for the content parameter's list of OIDs), or None when it could not
    be read; ``data`` holds the compacted bytes either way. A named tuple because every decode
    makes several (cheaper to build than a frozen dataclass).
    """

    oid: int
    name: str
    compaction: str
    value: str | None
    data: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "oid": self.oid,
            "name": self.name,
            "compaction": self.compaction,
            "value": self.value,
            "hex": self.data.hex().upper(),
        }


@dataclass(frozen=True, slots=True)
class ItemTag:
    """What a library writes on an item's tag. Input to :func:`drivers.tags.encode`.

    ``usage_subtype``, ``shelf_location``, ``title`` and ``elements`` (further data elements by
    relative OID, e.g. ``((7, "BA"), (23, "Lib01"))``) exist in ISO 28560-2 only; the Danish
    model refuses an item that sets them rather than dropping them silently.
    """

    primary_item_id: str
    owner_library: OwnerLibrary | str | None = None
    parts: int = 1
    part_number: int = 1
    usage: Usage = Usage.CIRCULATION
    not_for_loan_offline: bool = False
    extensions: tuple[ExtensionBlock, ...] = ()
    usage_subtype: int = 0
    shelf_location: str | None = None
    title: str | None = None
    elements: tuple[tuple[int, str], ...] = ()

    def __post_init__(self) -> None:
        # Accept "SE-Hud" for convenience; store the parsed form so equal items compare equal.
        if isinstance(self.owner_library, str):
            object.__setattr__(self, "owner_library", OwnerLibrary.parse(self.owner_library))
        # Kept in OID order so equal items compare equal, whatever order they were given in.
        object.__setattr__(self, "elements", tuple(sorted(self.elements)))

    @property
    def owner(self) -> OwnerLibrary | None:
        return self.owner_library if isinstance(self.owner_library, OwnerLibrary) else None


@dataclass(frozen=True, slots=True)
class DecodedTag:
    """A tag's library data as far as it could be read; ``problem`` says what went wrong.

    ``ok`` is the one flag a caller needs: the model is known, the structure is sound and (for
    the Danish model) the CRC matched. Fields are filled best-effort even when ``ok`` is False,
    so staff screens can show what a damaged tag still says.
    """

    model: TagModel
    primary_item_id: str | None = None
    owner_library: OwnerLibrary | None = None
    parts: int | None = None
    part_number: int | None = None
    usage: Usage | None = None
    usage_code: int | None = None  # raw code, also when it is not a known Usage
    crc_ok: bool | None = None  # None for models without a CRC (ISO 28560-2)
    not_for_loan_offline: bool = False
    block_order: BlockOrder = BlockOrder.NORMAL
    swapped_nibbles: bool = False  # Danish model, vendor wrote usage in the high nibble
    version: int | None = None
    extensions: tuple[ExtensionBlock, ...] = ()
    problem: TagProblem | None = None
    detail: str = ""  # one sentence for staff when problem is set
    oids: tuple[int, ...] = field(default=())  # ISO 28560-2: the OIDs present, in tag order
    elements: tuple[DataElement, ...] = ()  # ISO 28560-2: every data element, in tag order
    warnings: tuple[str, ...] = ()  # doubts that do not make the tag unusable (staff may fix)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.model is not TagModel.UNKNOWN

    # ISO 28560-2 elements read from ``elements`` when asked for: most decodes never need them,
    # and every field a frozen dataclass holds costs time on each decode.

    def element(self, oid: int) -> str | None:
        """The text of the first ISO 28560-2 element with relative OID ``oid``, if any."""
        return next((e.value for e in self.elements if e.oid == oid), None)

    @property
    def shelf_location(self) -> str | None:
        """ISO 28560-2 OID 6."""
        return self.element(6)

    @property
    def title(self) -> str | None:
        """ISO 28560-2 OID 17."""
        return self.element(17)

    @property
    def usage_subtype(self) -> int | None:
        """ISO 28560-2: the type of usage's second digit (``10`` -> 0), None when absent."""
        code = self.element(5)
        if code is None or not 1 <= len(code) <= 2 or not _is_hex(code):
            return None
        return int(code[1], 16) if len(code) == 2 else 0

    def to_item(self) -> ItemTag:
        """The item data, to write the same content back (e.g. after a repair)."""
        return ItemTag(
            primary_item_id=self.primary_item_id or "",
            owner_library=self.owner_library,
            parts=self.parts or 1,
            part_number=self.part_number or 1,
            usage=self.usage if self.usage is not None else Usage.NO_INFORMATION,
            not_for_loan_offline=self.not_for_loan_offline,
            extensions=tuple(e for e in self.extensions if e.block_id != NFLO_EXTENSION_ID),
            usage_subtype=self.usage_subtype or 0,
            shelf_location=self.shelf_location,
            title=self.title,
            elements=tuple(
                (e.oid, e.value)
                for e in self.elements
                if e.oid not in TYPED_OIDS and e.value is not None and not _is_nflo_mark(e)
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict; the keys ``kiosk tag decode`` prints."""
        return {
            "model": self.model.value,
            "ok": self.ok,
            "problem": self.problem.value if self.problem else None,
            "detail": self.detail,
            "primary_item_id": self.primary_item_id,
            "owner_library": self.owner_library.isil if self.owner_library else None,
            "country": self.owner_library.country if self.owner_library else None,
            "parts": self.parts,
            "part_number": self.part_number,
            "usage": self.usage.label if self.usage is not None else None,
            "usage_code": self.usage_code,
            "crc_ok": self.crc_ok,
            "not_for_loan_offline": self.not_for_loan_offline,
            "block_order": self.block_order.value,
            "swapped_nibbles": self.swapped_nibbles,
            "version": self.version,
            "extensions": [
                {"id": e.block_id, "data": e.data.hex().upper()} for e in self.extensions
            ],
            "oids": list(self.oids),
            "usage_subtype": self.usage_subtype,
            "shelf_location": self.shelf_location,
            "title": self.title,
            "elements": [e.to_json() for e in self.elements],
            "warnings": list(self.warnings),
        }


#: Extension block id this project uses in the Danish model for "not for loan while offline".
#: DS/INF 163 leaves ids to registration; 0x4B4E ("KN" little-endian, kiosk) is our own, so
#: other systems skip it as an unknown block. Its data is one byte: 0x01 = not for loan offline.
NFLO_EXTENSION_ID = 0x4E4B


#: ISO 28560-2 relative OIDs that have a field of their own on ItemTag/DecodedTag (primary item
#: identifier, content parameter, owner institution, set information, type of usage, shelf
#: location, title); every other element travels in ``elements``.
TYPED_OIDS = frozenset({1, 2, 3, 4, 5, 6, 17})
#: ISO 28560-2 "local data A" (OID 15) holding this text is the project's "not for loan while
#: offline" mark (other systems show it as opaque local data).
NFLO_OID = 15
NFLO_MARK = "NFLO"


def _is_nflo_mark(element: DataElement) -> bool:
    return element.oid == NFLO_OID and element.value == NFLO_MARK


def _is_hex(text: str) -> bool:
    return all(c in "0123456789ABCDEFabcdef" for c in text)
