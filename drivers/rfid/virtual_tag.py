"""Virtual ISO 15693 tags for the simulated reader, and a helper that builds one from item data.

Tag types follow the chips found in library collections (NXP ICODE SLI/SLIX/SLIX2 data sheets,
TI Tag-it HF-I data sheets): block size and count, AFI support, NXP EAS support.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from drivers.tags import DSFID_FOR_MODEL, BlockOrder, ItemTag, TagModel, Usage, encode


@dataclass(frozen=True, slots=True)
class TagType:
    """What a chip can do: memory geometry, AFI and NXP EAS support."""

    name: str
    manufacturer: int  # ISO 7816-6 code: 0x04 NXP, 0x07 TI
    block_size: int
    block_count: int
    supports_afi: bool
    supports_eas: bool
    ic_reference: int = 0x01
    ic_code: int = 0x01  # UID byte 2: NXP ICODE family 0x01; TI product code (see below)


ICODE_SLI = TagType("icode-sli", 0x04, 4, 28, True, True, 0x01)
ICODE_SLIX = TagType("icode-slix", 0x04, 4, 28, True, True, 0x01)
ICODE_SLIX2 = TagType("icode-slix2", 0x04, 4, 80, True, True, 0x01)
# TI encodes the product in UID byte 2: HF-I Standard 0xC0/0xC1, Pro 0xC4/0xC5, Plus 0x80/0x81.
TAGIT_HFI_STANDARD = TagType("tagit-hfi-standard", 0x07, 4, 8, False, False, 0x00, 0xC0)
TAGIT_HFI_PRO = TagType("tagit-hfi-pro", 0x07, 4, 8, False, False, 0x00, 0xC4)
TAGIT_HFI_PLUS = TagType("tagit-hfi-plus", 0x07, 4, 64, True, False, 0x00, 0x80)

TAG_TYPES: dict[str, TagType] = {
    t.name: t
    for t in (
        ICODE_SLI,
        ICODE_SLIX,
        ICODE_SLIX2,
        TAGIT_HFI_STANDARD,
        TAGIT_HFI_PRO,
        TAGIT_HFI_PLUS,
    )
}


def make_uid(manufacturer: int, serial: int, ic_code: int | None = None) -> bytes:
    """An ISO 15693 UID, most significant byte first: E0, manufacturer, 48-bit serial.

    ``ic_code`` replaces the serial's top byte (UID byte 2), where chips name their product.
    """
    uid = bytes([0xE0, manufacturer]) + (serial & 0xFFFF_FFFF_FFFF).to_bytes(6, "big")
    return uid if ic_code is None else uid[:2] + bytes([ic_code]) + uid[3:]


def uid_for_item(barcode: str, part_number: int = 1, tag_type: TagType | None = None) -> bytes:
    """A stable UID derived from the barcode, so every process agrees on an item's tag."""
    kind = tag_type or ICODE_SLIX
    digest = hashlib.sha256(f"{barcode}/{part_number}".encode()).digest()
    return make_uid(kind.manufacturer, int.from_bytes(digest[:6], "big"), kind.ic_code)


@dataclass
class VirtualTag:
    """One tag the simulator can place on its antenna. Mutated only under the simulator's lock."""

    uid: bytes
    tag_type: TagType = ICODE_SLIX
    memory: bytearray = field(default_factory=bytearray)
    dsfid: int = 0x00
    afi: int = 0x00
    afi_locked: bool = False
    eas: bool = False
    locked_blocks: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        self.uid = bytes(self.uid)
        if len(self.uid) != 8 or self.uid[0] != 0xE0:
            raise ValueError(f"UID {self.uid.hex().upper()} is not an 8-byte ISO 15693 UID")
        size = self.tag_type.block_size * self.tag_type.block_count
        if len(self.memory) > size:
            raise ValueError(f"{len(self.memory)} bytes do not fit a {self.tag_type.name}")
        self.memory = bytearray(self.memory).ljust(size, b"\x00")

    def copy(self) -> VirtualTag:
        return copy.deepcopy(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid.hex().upper(),
            "type": self.tag_type.name,
            "memory": bytes(self.memory).hex().upper(),
            "dsfid": self.dsfid,
            "afi": self.afi,
            "afi_locked": self.afi_locked,
            "eas": self.eas,
            "locked_blocks": sorted(self.locked_blocks),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VirtualTag:
        return cls(
            uid=bytes.fromhex(data["uid"]),
            tag_type=TAG_TYPES[data.get("type", ICODE_SLIX.name)],
            memory=bytearray(bytes.fromhex(data.get("memory", ""))),
            dsfid=int(data.get("dsfid", 0)),
            afi=int(data.get("afi", 0)),
            afi_locked=bool(data.get("afi_locked", False)),
            eas=bool(data.get("eas", False)),
            locked_blocks=frozenset(int(b) for b in data.get("locked_blocks", ())),
        )


def tag_for_item(
    barcode: str,
    owner: str | None = None,
    *,
    parts: int = 1,
    part_number: int = 1,
    model: TagModel | str = TagModel.DANISH,
    usage: Usage | str | int = Usage.CIRCULATION,
    not_for_loan_offline: bool = False,
    secured: bool = True,
    security: str = "afi",
    afi_secured: int = 0x07,
    afi_unsecured: int = 0xC2,
    tag_type: TagType | str = ICODE_SLIX,
    uid: bytes | None = None,
    block_order: BlockOrder | str = BlockOrder.NORMAL,
) -> VirtualTag:
    """A virtual tag programmed for an item, with its security state set.

    ``security`` is ``afi``, ``eas`` or ``both`` (consortium setting); ``secured`` True means
    "in stock" (gates alarm). Tag types without AFI/EAS simply skip what they cannot hold.
    """
    kind = TAG_TYPES[tag_type] if isinstance(tag_type, str) else tag_type
    model = TagModel(model)
    usage_value = usage if isinstance(usage, Usage) else Usage.parse(usage)
    item = ItemTag(barcode, owner, parts, part_number, usage_value, not_for_loan_offline)
    memory = encode(
        item,
        model,
        block_size=kind.block_size,
        block_order=block_order,
        memory_size=32 if kind.block_count * kind.block_size < 34 else None,
    )
    if security not in ("afi", "eas", "both"):
        raise ValueError(f"security must be afi, eas or both, not {security!r}")
    use_afi = security in ("afi", "both") and kind.supports_afi
    use_eas = security in ("eas", "both") and kind.supports_eas
    return VirtualTag(
        uid=uid or uid_for_item(barcode, part_number, kind),
        tag_type=kind,
        memory=bytearray(memory),
        dsfid=DSFID_FOR_MODEL[model],
        afi=(afi_secured if secured else afi_unsecured) if use_afi else 0x00,
        eas=secured if use_eas else False,
    )
