"""How long things take on the wire and in the air: the simulator's clock and the benchmark's limit.

Serial: each character of 8E1 is 11 bits (start, 8 data, parity, stop).
Air: ISO/IEC 15693-2/-3, high data rate, one subcarrier: tag-to-reader 26.48 kbit/s
(fc/512); reader-to-tag 1-out-of-4 coding, also 26.48 kbit/s. Frame overheads modelled: SOF and
EOF (~0.15 ms together), the tag's response delay t1 (~0.32 ms), and the slot markers of the
16-slot anticollision (an empty slot costs ~0.32 ms). A write is followed by the tag's
programming time (about 6 ms on ICODE, Tag-it HF-I). These are the figures from the standards
and data sheets the simulator is meant to respect, not measurements.

The anticollision slot of a tag is the next 4 bits of its UID counted from the least
significant end (ISO/IEC 15693-3): the random low bits of the serial number, so a stack of tags
spreads over the 16 slots. (UIDs here are written most significant byte first.)
"""

from __future__ import annotations

from collections.abc import Iterable

AIR_BITRATE = 13_560_000 / 512  # 26 484 bit/s
SOF_EOF = 0.000151
T1 = 0.000320
EMPTY_SLOT = 0.000320
PROGRAM_TIME = 0.006
BITS_PER_CHAR_8E1 = 11


def serial_seconds(nbytes: int, baudrate: int, bits_per_char: int = BITS_PER_CHAR_8E1) -> float:
    return nbytes * bits_per_char / baudrate


def _air(nbytes: int) -> float:
    return nbytes * 8 / AIR_BITRATE + SOF_EOF


def inventory_air_seconds(uids: Iterable[bytes], with_afi: bool = False) -> float:
    """An ISO 15693 16-slot inventory of ``uids``, resolving collisions by extending the mask.

    A tag answers in the slot named by the next 4 bits of its UID (least significant first);
    a slot with two or more tags is a collision, resolved by a new round with a longer mask.
    """
    reply = T1 + _air(12)  # flags, DSFID, UID[8], CRC[2]

    def rounds(group: list[bytes], mask_bits: int) -> float:
        request = _air(5 + (1 if with_afi else 0) + (mask_bits + 7) // 8)
        total = request
        slots: dict[int, list[bytes]] = {}
        for uid in group:
            value = int.from_bytes(uid, "big")  # MSB first here; the slot takes the LSBs
            slots.setdefault((value >> mask_bits) & 0x0F, []).append(uid)
        for slot in range(16):
            found = slots.get(slot, [])
            if not found:
                total += EMPTY_SLOT
            else:
                total += reply  # one reply, or a collision of several the same length
        for found in slots.values():
            if len(found) > 1 and mask_bits < 60:
                total += rounds(found, mask_bits + 4)
        return total

    return rounds(list(uids), 0)


def read_air_seconds(blocks: int, block_size: int = 4, *, security: bool = False) -> float:
    """ISO 15693 read multiple blocks (addressed); ``security``: the option flag asks the tag
    for each block's security status too, one more byte per block on the air."""
    per_block = block_size + (1 if security else 0)
    return _air(14) + T1 + _air(1 + blocks * per_block + 2)


def write_air_seconds(blocks: int, block_size: int = 4) -> float:
    """Write single block for each block (what ICODE and Tag-it support), with programming."""
    one = _air(13 + block_size) + PROGRAM_TIME + T1 + _air(3)
    return blocks * one


def short_command_air_seconds() -> float:
    """An addressed command with a one-byte argument (write AFI, EAS) and programming time."""
    return _air(14) + PROGRAM_TIME + T1 + _air(3)


def eas_alarm_air_seconds(answering: bool) -> float:
    """NXP EAS ALARM sent to every tag (not addressed): the request, then either the 32-byte EAS
    sequence of the tags whose EAS bit is set (several at once collide, same length) or the
    silence the reader waits out (one empty slot)."""
    request = _air(5)  # flags, command, manufacturer code, CRC
    return request + (T1 + _air(1 + 32 + 2) if answering else EMPTY_SLOT)
