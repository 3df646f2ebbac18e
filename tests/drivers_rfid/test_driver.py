"""Every driver command against the simulated reader, over a real pty."""

from __future__ import annotations

import pytest

from drivers.rfid import (
    ICODE_SLIX2,
    TAGIT_HFI_PRO,
    FeigReader,
    FeigSimulator,
    ReaderError,
    RfidReader,
    TagError,
    TagInfo,
    tag_for_item,
)
from drivers.tags import BlockOrder, TagModel, Usage, decode
from tests.drivers_rfid.fixtures import on_the_pad


def stack(n: int, **kwargs: object) -> list:
    return [tag_for_item(f"3700{i:06d}", "SE-Hud", **kwargs) for i in range(n)]  # type: ignore[arg-type]


async def test_the_driver_implements_the_contract_and_reads_the_firmware(
    feig_reader: FeigReader,
) -> None:
    assert isinstance(feig_reader, RfidReader)
    assert feig_reader.software_version and len(feig_reader.software_version) == 7


async def test_inventory_of_an_empty_pad_is_empty(feig_reader: FeigReader) -> None:
    assert await feig_reader.inventory() == []


async def test_inventory_finds_a_stack_of_ten_with_uid_and_dsfid(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tags = [*stack(9), tag_for_item("4711", "NO-02030000", model=TagModel.ISO28560_2)]
    feig_sim.place(*tags)
    found = await feig_reader.inventory()
    assert {t.uid for t in found} == {t.uid for t in tags}
    assert TagInfo(tags[-1].uid, 0x06, None) in found


async def test_more_data_is_fetched_until_the_reader_has_sent_every_tag() -> None:
    with FeigSimulator(timing=False, max_inventory_sets=3) as sim:
        sim.place(*stack(10))
        async with FeigReader(sim.port, timeout=0.3) as reader:
            assert len(await reader.inventory()) == 10


async def test_inventory_filtered_by_afi_sees_only_matching_tags(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    secured = tag_for_item("1", "SE-Hud", secured=True)
    on_loan = tag_for_item("2", "SE-Hud", secured=False)
    feig_sim.place(secured, on_loan)
    assert [t.uid for t in await feig_reader.inventory(afi=0x07)] == [secured.uid]
    assert [t.uid for t in await feig_reader.inventory(afi=0xC2)] == [on_loan.uid]


async def test_read_blocks_returns_tag_memory_that_decodes(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = tag_for_item("37001234", "DK-761500", parts=2, part_number=2, block_order="reversed")
    feig_sim.place(tag)
    memory = await feig_reader.read_blocks(tag.uid, 0, 9)
    assert memory == bytes(tag.memory[:36])
    decoded = decode(memory, tag.dsfid)
    assert decoded.ok and decoded.primary_item_id == "37001234"
    assert decoded.block_order is BlockOrder.REVERSED and decoded.part_number == 2


async def test_long_reads_are_split_into_commands_of_at_most_128_bytes(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = tag_for_item("1", "SE-Hud", tag_type=ICODE_SLIX2)
    tag.memory[:] = bytes(range(256)) + bytes(64)
    feig_sim.place(tag)
    assert await feig_reader.read_blocks(tag.uid, 0, 80) == bytes(tag.memory)


async def test_written_blocks_read_back(feig_sim: FeigSimulator, feig_reader: FeigReader) -> None:
    tag = on_the_pad(feig_sim)
    await feig_reader.write_blocks(tag.uid, 3, b"ABCDEFGH")
    assert await feig_reader.read_blocks(tag.uid, 3, 2) == b"ABCDEFGH"
    assert bytes(feig_sim.tag(tag.uid).memory[12:20]) == b"ABCDEFGH"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="whole"):
        await feig_reader.write_blocks(tag.uid, 0, b"ABC")


async def test_write_afi_changes_the_tag(feig_sim: FeigSimulator, feig_reader: FeigReader) -> None:
    tag = on_the_pad(feig_sim, secured=True)
    await feig_reader.write_afi(tag.uid, 0xC2)
    assert feig_sim.tag(tag.uid).afi == 0xC2  # type: ignore[union-attr]
    assert (await feig_reader.system_info(tag.uid)).afi == 0xC2


async def test_a_locked_afi_is_refused_precisely(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = tag_for_item("1", "SE-Hud")
    tag.afi_locked = True
    feig_sim.place(tag)
    with pytest.raises(TagError, match="locked") as caught:
        await feig_reader.write_afi(tag.uid, 0xC2)
    assert caught.value.uid == tag.uid and caught.value.status == 0x95


async def test_tagit_without_afi_or_eas_gets_messages_staff_can_act_on(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim, tag_type=TAGIT_HFI_PRO)
    assert len(tag.memory) == 32 and decode(bytes(tag.memory)).ok
    with pytest.raises(TagError, match=r"has no AFI .*Texas Instruments"):
        await feig_reader.write_afi(tag.uid, 0x07)
    with pytest.raises(TagError, match="NXP EAS needs an NXP ICODE chip"):
        await feig_reader.set_eas(tag.uid)
    assert await feig_reader.check_eas(tag.uid) is False
    info = await feig_reader.system_info(tag.uid)  # not implemented by the chip:
    assert (info.block_size, info.block_count, info.afi) == (4, 8, None)  # known from its UID
    assert tag.uid[:3] == bytes([0xE0, 0x07, 0xC4])


async def test_eas_set_check_reset(feig_sim: FeigSimulator, feig_reader: FeigReader) -> None:
    tag = on_the_pad(feig_sim, security="eas", secured=False)
    assert await feig_reader.check_eas(tag.uid) is False
    await feig_reader.set_eas(tag.uid)
    assert feig_sim.tag(tag.uid).eas and await feig_reader.check_eas(tag.uid)  # type: ignore[union-attr]
    await feig_reader.reset_eas(tag.uid)
    assert await feig_reader.check_eas(tag.uid) is False


async def test_system_info_reports_geometry(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim, model="iso28560-2", tag_type=ICODE_SLIX2)
    info = await feig_reader.system_info(tag.uid)
    assert (info.dsfid, info.afi, info.block_size, info.block_count) == (0x06, 0x07, 4, 80)


async def test_a_tag_that_left_the_field_is_a_tag_error(feig_reader: FeigReader) -> None:
    uid = bytes.fromhex("E004010000000001")
    with pytest.raises(TagError, match="left the field") as caught:
        await feig_reader.read_blocks(uid, 0, 1)
    assert caught.value.status == 0x01 and "E004010000000001" in str(caught.value)


async def test_reading_past_the_end_of_memory_names_the_reason(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    tag = on_the_pad(feig_sim)
    with pytest.raises(TagError, match="block is not available"):
        await feig_reader.read_blocks(tag.uid, 27, 2)


async def test_a_missing_port_is_a_reader_error_naming_it() -> None:
    with pytest.raises(ReaderError, match="cannot open the RFID reader port /dev/nonexistent"):
        await FeigReader("/dev/nonexistent", timeout=0.2).open()


async def test_a_reader_at_another_bus_address_does_not_answer(feig_sim: FeigSimulator) -> None:
    reader = FeigReader(feig_sim.port, com_adr=0x05, timeout=0.1, retries=0)
    with pytest.raises(
        ReaderError, match=r"no answer from reader on /dev/pts/\d+ at 38400 baud 8E1"
    ):
        await reader.open()


async def test_virtual_tags_for_items_carry_model_usage_and_security() -> None:
    tag = tag_for_item(
        "9",
        "FI-Hki",
        usage="patron-card",
        security="both",
        secured=False,
        not_for_loan_offline=True,
    )
    decoded = decode(bytes(tag.memory), tag.dsfid)
    assert decoded.usage is Usage.PATRON_CARD and decoded.not_for_loan_offline
    assert (tag.afi, tag.eas) == (0xC2, False)
    assert tag_for_item("9", "FI-Hki").uid == tag.uid  # stable across processes


async def test_the_same_driver_talks_to_a_lan_reader_over_a_socket_url() -> None:
    with FeigSimulator(timing=False, transport="tcp") as sim:
        assert sim.port.startswith("socket://127.0.0.1:")
        tag = tag_for_item("37001234", "SE-Hud")
        sim.place(tag)
        for _ in range(2):  # a second connection after the first one closed
            async with FeigReader(sim.port, timeout=0.3) as reader:
                assert [t.uid for t in await reader.inventory()] == [tag.uid]
                assert decode(await reader.read_blocks(tag.uid, 0, 9)).primary_item_id == "37001234"
                await reader.write_afi(tag.uid, 0xC2)
        assert sim.tag(tag.uid).afi == 0xC2  # type: ignore[union-attr]


async def test_one_eas_alarm_tells_whether_any_tag_in_the_field_is_armed(
    feig_sim: FeigSimulator, feig_reader: FeigReader
) -> None:
    armed = [tag_for_item(str(n), "SE-Hud", security="eas", secured=True) for n in range(2)]
    disarmed = tag_for_item("9", "SE-Hud", security="eas", secured=False)
    assert await feig_reader.eas_alarm_any() is False  # an empty field
    feig_sim.place(disarmed)
    assert await feig_reader.eas_alarm_any() is False
    feig_sim.place(armed[0])
    assert await feig_reader.eas_alarm_any() is True
    feig_sim.place(armed[1])  # two answers collide on the air: still an alarm
    assert await feig_reader.eas_alarm_any() is True


async def test_a_reader_that_cannot_ask_all_tags_at_once_says_so() -> None:
    class TagByTagReader(RfidReader):
        open = close = inventory = system_info = read_blocks = None  # type: ignore[assignment]
        write_blocks = write_afi = set_eas = reset_eas = check_eas = None  # type: ignore[assignment]

    TagByTagReader.__abstractmethods__ = frozenset()
    assert await TagByTagReader().eas_alarm_any() is None


async def test_reads_do_not_ask_the_tag_for_lock_status_unless_wanted(
    feig_sim: FeigSimulator,
) -> None:
    from drivers.rfid import feig_protocol as fp

    tag = tag_for_item("1", "SE-Hud")
    tag.locked_blocks = frozenset({0})
    feig_sim.place(tag)
    plain = fp.read_multiple_request(0xFF, tag.uid, 0, 2)
    asked = fp.read_multiple_request(0xFF, tag.uid, 0, 2, security=True)
    assert plain.data[1] == fp.MODE_ADDRESSED and asked.data[1] & fp.MODE_SEC
    replies = [feig_sim.handle(request) for request in (plain, asked)]
    reads = [fp.parse_read_multiple(reply.data, 2) for reply in replies if reply is not None]
    assert [read.security for read in reads] == [b"\x00\x00", b"\x01\x00"]
    assert reads[0].data == reads[1].data == bytes(tag.memory[:8])
