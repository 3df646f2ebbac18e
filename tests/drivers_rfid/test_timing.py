"""The timing model the simulator sleeps by (figures, not stopwatches)."""

from __future__ import annotations

import pytest

from drivers.rfid import FeigReader, FeigSimulator, ReaderError, make_uid, tag_for_item, timing


def test_serial_time_counts_eleven_bits_per_character_for_8e1() -> None:
    assert timing.serial_seconds(384, 38400) == pytest.approx(0.11)


def test_the_air_rate_is_fc_over_512() -> None:
    assert abs(timing.AIR_BITRATE - 26_484) < 1


def test_a_lone_tag_costs_one_round_of_sixteen_slots() -> None:
    one = timing.inventory_air_seconds([make_uid(4, 0x01)])
    replies = timing.T1 + 12 * 8 / timing.AIR_BITRATE + timing.SOF_EOF
    request = 5 * 8 / timing.AIR_BITRATE + timing.SOF_EOF
    assert one == pytest.approx(request + 15 * timing.EMPTY_SLOT + replies)
    assert timing.inventory_air_seconds([]) == pytest.approx(request + 16 * timing.EMPTY_SLOT)


def test_a_collision_costs_another_round() -> None:
    apart = timing.inventory_air_seconds([make_uid(4, 0x01), make_uid(4, 0x02)])
    colliding = timing.inventory_air_seconds([make_uid(4, 0x01), make_uid(4, 0x11)])
    assert colliding > apart + 15 * timing.EMPTY_SLOT


def test_reads_and_writes_grow_with_the_blocks() -> None:
    assert timing.read_air_seconds(28) > timing.read_air_seconds(9) > timing.read_air_seconds(1)
    assert timing.write_air_seconds(2) == pytest.approx(2 * timing.write_air_seconds(1))
    assert timing.write_air_seconds(1) > timing.PROGRAM_TIME


async def test_with_timing_on_the_reader_still_gets_every_answer() -> None:
    with FeigSimulator(timing=True, baudrate=115200) as sim:
        sim.place(*(tag_for_item(str(i), "SE-Hud") for i in range(3)))
        async with FeigReader(sim.port, baudrate=115200) as reader:
            assert len(await reader.inventory()) == 3


def test_tags_whose_serials_differ_in_the_low_bits_answer_in_one_round() -> None:
    # The slot is chosen by the UID's least significant bits (the serial's end), not by the
    # E0 and manufacturer bytes every tag shares: ten serials 0..9 never collide.
    ten = [make_uid(4, n) for n in range(10)]
    replies = timing.T1 + 12 * 8 / timing.AIR_BITRATE + timing.SOF_EOF
    request = 5 * 8 / timing.AIR_BITRATE + timing.SOF_EOF
    expected = request + 6 * timing.EMPTY_SLOT + 10 * replies
    assert timing.inventory_air_seconds(ten) == pytest.approx(expected)


def test_asking_for_the_blocks_lock_status_costs_a_byte_per_block_on_the_air() -> None:
    extra = timing.read_air_seconds(9, security=True) - timing.read_air_seconds(9)
    assert extra == pytest.approx(9 * 8 / timing.AIR_BITRATE)


def test_an_eas_alarm_to_all_tags_costs_the_sequence_only_when_someone_answers() -> None:
    silent, answered = timing.eas_alarm_air_seconds(False), timing.eas_alarm_air_seconds(True)
    assert silent < 0.003 < answered


async def test_a_client_at_another_baud_rate_gets_no_answer() -> None:
    with FeigSimulator(timing=False, baudrate=115200) as sim:
        async with FeigReader(sim.port, baudrate=115200, timeout=0.2) as reader:
            assert await reader.inventory() == []
        with pytest.raises(ReaderError, match=r"no answer from reader .* at 38400 baud"):
            async with FeigReader(sim.port, baudrate=38400, timeout=0.1, retries=0):
                pass
        assert sim.frames_rejected >= 1
