"""The simulator as its own process: pty path on stdout, tags steered over the control channel.

This is how the crash test uses it: the kiosk process comes and goes, the tags stay.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from drivers.rfid import ControlError, FeigReader, SimulatorControl, tag_for_item
from drivers.tags import decode


@pytest.fixture
def simulator_process() -> Iterator[dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "drivers.rfid", "--pty", "--no-timing"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        yield info
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


async def test_tag_state_survives_a_reader_that_goes_away(
    simulator_process: dict[str, str],
) -> None:
    with SimulatorControl(simulator_process["control"]) as control:
        uid = control.place_item("37005555", owner="SE-Hud", parts=2, part_number=1)
        control.place(tag_for_item("37005556", "SE-Hud"))
        reader = FeigReader(simulator_process["port"], timeout=0.5)
        await reader.open()
        assert len(await reader.inventory()) == 2
        await reader.write_afi(uid, 0xC2)
        await reader.close()  # the kiosk dies here

        async with FeigReader(simulator_process["port"], timeout=0.5) as again:
            info = await again.system_info(uid)
            assert info.afi == 0xC2
            tag = decode(await again.read_blocks(uid, 0, 9))
            assert tag.primary_item_id == "37005555" and tag.parts == 2

        state = {t.uid: t for t in control.tags()}
        assert state[uid].afi == 0xC2
        assert control.remove(uid) is not None and len(control.tags()) == 1
        control.fault("silent", value=True)
        control.fault("clear")
        assert control.clear() == 1


def test_bad_control_requests_are_refused_with_a_reason(
    simulator_process: dict[str, str],
) -> None:
    with SimulatorControl(simulator_process["control"]) as control:
        with pytest.raises(ControlError, match="unknown op"):
            control.request("dance")
        with pytest.raises(ControlError, match="unknown fault"):
            control.fault("gremlins")
        with pytest.raises(ControlError, match="needs the tag's 8-byte uid"):
            control.fault("fail_writes", times=2)
        with pytest.raises(ControlError, match="not an 8-byte ISO 15693 UID"):
            control.request("place", tag={"uid": "0102"})
