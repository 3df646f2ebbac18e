"""FEIG ISO-host framing and CRC, sans I/O."""

from __future__ import annotations

from drivers.rfid import feig_protocol as fp


def test_crc_is_mcrf4xx_with_the_published_check_value() -> None:
    assert fp.crc16_mcrf4xx(b"123456789") == 0x6F91


def test_a_request_frame_counts_itself_and_ends_in_the_crc_lsb_first() -> None:
    raw = fp.inventory_request(0xFF).encode()
    assert raw[:5] == bytes([0x07, 0xFF, 0xB0, 0x01, 0x00])
    crc = fp.crc16_mcrf4xx(raw[:5])
    assert raw[5:] == bytes([crc & 0xFF, crc >> 8])


def test_requests_and_replies_decode_back() -> None:
    request = fp.read_multiple_request(0x00, bytes.fromhex("E004010203040506"), 2, 5)
    decoder = fp.FrameDecoder(responses=False)
    decoder.feed(request.encode())
    assert decoder.next_frame() == request
    reply = fp.Frame(0x00, fp.CMD_ISO, b"\x01\x03\x00" + bytes(8), status=fp.Status.OK)
    decoder = fp.FrameDecoder(responses=True)
    decoder.feed(reply.encode())
    assert decoder.next_frame() == reply


def test_frames_over_255_bytes_use_the_0x02_long_form() -> None:
    reply = fp.Frame(0x00, fp.CMD_ISO, bytes(300), status=0)
    raw = reply.encode()
    assert raw[0] == fp.STX and (raw[1] << 8 | raw[2]) == len(raw) == 300 + 8
    decoder = fp.FrameDecoder(responses=True)
    decoder.feed(raw)
    assert decoder.next_frame() == reply


def test_a_frame_split_across_reads_waits_for_the_rest() -> None:
    raw = fp.system_info_request(0xFF, bytes(8)).encode()
    decoder = fp.FrameDecoder(responses=False)
    decoder.feed(raw[:4])
    assert decoder.next_frame() is None
    decoder.feed(raw[4:])
    assert isinstance(decoder.next_frame(), fp.Frame)


def test_a_bad_crc_is_reported_and_the_stream_continues() -> None:
    good = fp.write_afi_request(0xFF, bytes(8), 0x07).encode()
    bad = good[:-1] + bytes([good[-1] ^ 1])
    decoder = fp.FrameDecoder(responses=False)
    decoder.feed(bad + good)
    error = decoder.next_frame()
    assert isinstance(error, fp.FrameError) and "CRC mismatch" in str(error)
    assert isinstance(decoder.next_frame(), fp.Frame)


def test_impossible_lengths_are_skipped_byte_by_byte() -> None:
    decoder = fp.FrameDecoder(responses=True)
    decoder.feed(b"\x03" + fp.Frame(0, 0x65, b"", status=0).encode())
    assert isinstance(decoder.next_frame(), fp.FrameError)
    assert isinstance(decoder.next_frame(), fp.Frame)


def test_status_messages_are_plain_and_name_the_iso_error() -> None:
    assert "left the field" in fp.status_message(fp.Status.NO_TRANSPONDER)
    text = fp.status_message(fp.Status.ISO_ERROR, 0x12)
    assert "locked" in text and "0x12" in text
    assert "undocumented" in fp.status_message(0x77)


def test_inventory_and_read_replies_parse() -> None:
    uid = bytes.fromhex("E004010203040506")
    records = fp.parse_inventory(bytes([1, 0x03, 0x06]) + uid)
    assert records == [fp.InventoryRecord(0x03, 0x06, uid)]
    read = fp.parse_read_multiple(bytes([2, 4, 0, 1, 2, 3, 4, 1, 5, 6, 7, 8]), 2)
    assert read.data == bytes(range(1, 9)) and read.security == b"\x00\x01"
