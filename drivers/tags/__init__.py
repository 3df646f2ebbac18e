"""Library tag data: ISO 28560-3 (the Danish model) and ISO 28560-2, decoded and encoded.

Public surface::

    from drivers.tags import decode, encode, ItemTag, DecodedTag, TagModel, Usage

    tag = decode(memory, dsfid=0x00)          # never raises; tag.ok / tag.problem say why not
    tag.primary_item_id, tag.owner_library.isil, tag.parts, tag.part_number, tag.usage
    tag.not_for_loan_offline, tag.crc_ok, tag.block_order   # keep block_order when writing back
    tag.shelf_location, tag.title, tag.elements, tag.warnings  # ISO 28560-2 data elements

    image = encode(ItemTag("37001234", "SE-Hud", parts=2, part_number=1), TagModel.DANISH)
    dsfid = DSFID_FOR_MODEL[TagModel.ISO28560_2]   # write this DSFID with an ISO 28560-2 image

Model detection is described in :mod:`drivers.tags.codec`; the layouts in
:mod:`drivers.tags.danish` and :mod:`drivers.tags.iso28560_2`.
"""

from drivers.tags import model
from drivers.tags.codec import DSFID_FOR_MODEL, decode, encode
from drivers.tags.danish import crc16_ccitt_false, reverse_blocks
from drivers.tags.model import *  # noqa: F403 (the typed values, listed in model.__all__)

__all__ = ["DSFID_FOR_MODEL", "crc16_ccitt_false", "decode", "encode", "reverse_blocks"]
__all__ += model.__all__
