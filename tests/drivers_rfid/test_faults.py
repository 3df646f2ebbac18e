"""Every fault knob of the simulator produces the precise error the driver promises."""

from __future__ import annotations

import pytest

from drivers.rfid import FeigReader, FeigSimulator, ReaderError, TagError, tag_for_item
from tests.drivers_rfid.fixtures import on_the_pad


async def test_a_tag_missed_in_one_inventory_shows_up_in_the_next(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tags = [tag_for_item(str(i), "SE-Hud") for i in range(10)]
    feig_sim.place(*tags)
    feig_sim.faults.miss_in_inventory(tags[4].uid)
    first = {t.uid for t in await feig_reader.inventory()}
    assert len(first) == 9 and tags[4].uid not in first
    assert len(await feig_reader.inventory()) == 10


async def test_one_corrupted_reply_is_retried_transparently(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    feig_sim.faults.corrupt_replies(1)
    assert await feig_reader.read_blocks(tag.uid, 0, 1) == bytes(tag.memory[:4])


async def test_persistent_crc_errors_become_a_reader_error_about_the_line(
    feig_sim: FeigSimulator,
) -> None:
    async with FeigReader(feig_sim.port, timeout=0.3, retries=2) as reader:
        feig_sim.faults.corrupt_replies(3)
        with pytest.raises(ReaderError, match=r"CRC mismatch.*3 times: check the cable"):
            await reader.inventory()
        assert await reader.inventory() == []  # the line is fine again


async def test_a_failed_write_is_a_tag_error_with_status_and_advice(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim, secured=True)
    feig_sim.faults.fail_writes(tag.uid)
    with pytest.raises(TagError, match="writing AFI C2 failed: write not confirmed") as caught:
        await feig_reader.write_afi(tag.uid, 0xC2)
    assert caught.value.status == 0x03 and caught.value.uid == tag.uid
    assert feig_sim.tag(tag.uid).afi == 0x07  # type: ignore[union-attr]
    await feig_reader.write_afi(tag.uid, 0xC2)  # the retry a kiosk makes succeeds
    assert feig_sim.tag(tag.uid).afi == 0xC2  # type: ignore[union-attr]


async def test_a_failed_block_write_names_the_block(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    feig_sim.faults.fail_writes(tag.uid)
    with pytest.raises(TagError, match="writing blocks 2-3 failed at block 2"):
        await feig_reader.write_blocks(tag.uid, 2, bytes(8))


async def test_a_crc_error_on_air_is_a_tag_error(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    feig_sim.faults.air_error(tag.uid)
    with pytest.raises(TagError, match="CRC error on the air interface") as caught:
        await feig_reader.read_blocks(tag.uid, 0, 9)
    assert caught.value.status == 0x02


async def test_a_tag_removed_mid_write_keeps_only_the_first_block(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    feig_sim.faults.remove_during_write(tag.uid)
    with pytest.raises(TagError, match=r"at block 1 .*left the field"):
        await feig_reader.write_blocks(tag.uid, 0, b"\xaa" * 12)
    assert feig_sim.tag(tag.uid) is None and await feig_reader.inventory() == []
    half = feig_sim.taken_off[tag.uid]
    assert bytes(half.memory[:4]) == b"\xaa" * 4 and bytes(half.memory[4:12]) == tag.memory[4:12]
    feig_sim.place(half)  # the patron puts it back
    assert len(await feig_reader.inventory()) == 1


async def test_a_tag_removed_during_an_afi_write_is_not_changed(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim, secured=True)
    feig_sim.faults.remove_during_write(tag.uid)
    with pytest.raises(TagError, match="left the field"):
        await feig_reader.write_afi(tag.uid, 0xC2)
    assert feig_sim.taken_off[tag.uid].afi == 0x07


async def test_a_silent_reader_is_a_reader_error_with_line_settings(
    feig_sim: FeigSimulator,
) -> None:
    async with FeigReader(feig_sim.port, timeout=0.15, retries=1) as reader:
        feig_sim.faults.silent = True
        with pytest.raises(
            ReaderError,
            match=r"no answer from reader on /dev/pts/\d+ at 38400 baud 8E1: check cable/power",
        ) as caught:
            await reader.inventory()
        assert not isinstance(caught.value, TagError)
        feig_sim.faults.silent = False
        assert await reader.inventory() == []


async def test_clearing_faults_restores_normal_service(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    feig_sim.faults.fail_writes(tag.uid, times=5)
    feig_sim.faults.miss_in_inventory(tag.uid, times=5)
    feig_sim.faults.clear()
    await feig_reader.write_afi(tag.uid, 0x07)
    assert len(await feig_reader.inventory()) == 1


def test_a_request_with_a_bad_crc_is_ignored_like_a_real_reader_does(
    feig_sim: FeigSimulator,
) -> None:
    import serial

    from drivers.rfid import feig_protocol as fp

    good = fp.inventory_request(0xFF).encode()
    with serial.serial_for_url(feig_sim.port, baudrate=38400, timeout=0.2) as port:
        port.write(good[:-1] + bytes([good[-1] ^ 0xFF]))
        assert port.read(64) == b""  # silence
        port.write(good)
        decoder = fp.FrameDecoder(responses=True)
        decoder.feed(port.read(7))
        reply = decoder.next_frame()
    assert isinstance(reply, fp.Frame) and reply.status == fp.Status.NO_TRANSPONDER
    assert feig_sim.frames_rejected == 1


async def test_a_lost_write_is_acknowledged_but_leaves_the_old_value(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim, security="both", secured=True)
    feig_sim.faults.lose_writes(tag.uid, times=2)
    await feig_reader.write_afi(tag.uid, 0xC2)  # no error: the tag said OK
    await feig_reader.reset_eas(tag.uid)
    state = feig_sim.tag(tag.uid)
    assert state is not None and state.afi == 0x07 and state.eas
    await feig_reader.write_afi(tag.uid, 0xC2)  # the fault is used up
    assert (await feig_reader.system_info(tag.uid)).afi == 0xC2
