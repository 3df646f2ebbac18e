"""Property tests: the codec and the simulator survive any bytes a broken line can produce."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.rfid import FeigSimulator, tag_for_item
from drivers.rfid import feig_protocol as fp

frames = st.builds(
    fp.Frame,
    com_adr=st.integers(0, 255),
    cmd=st.integers(0, 255),
    data=st.binary(max_size=400),
    status=st.integers(0, 255),
)


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(frame=frames, chunk=st.integers(1, 64))
def test_any_reply_frame_survives_encoding_and_arbitrary_chunking(
    frame: fp.Frame, chunk: int
) -> None:
    raw = frame.encode()
    decoder = fp.FrameDecoder(responses=True)
    decoded = []
    for i in range(0, len(raw), chunk):
        decoder.feed(raw[i : i + chunk])
        while (item := decoder.next_frame()) is not None:
            decoded.append(item)
    assert decoded == [frame]


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(noise=st.binary(max_size=600), responses=st.booleans())
def test_the_decoder_never_raises_and_always_makes_progress(noise: bytes, responses: bool) -> None:
    decoder = fp.FrameDecoder(responses=responses)
    decoder.feed(noise)
    for _ in range(len(noise) + 1):
        item = decoder.next_frame()
        if item is None:
            break
        assert isinstance(item, fp.Frame | fp.FrameError)
    else:
        raise AssertionError("the decoder did not settle")


SIM = FeigSimulator(timing=False)  # never started: handle() is the pure protocol engine
SIM.place(tag_for_item("1", "SE-Hud"), tag_for_item("2", "SE-Hud", tag_type="tagit-hfi-pro"))
UIDS = [t.uid for t in SIM.tags]


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(
    cmd=st.sampled_from([0xB0, 0xB1, 0x65, 0x69, 0x00]),
    head=st.binary(max_size=3),
    uid=st.sampled_from([*UIDS, b"", bytes(8)]),
    tail=st.binary(max_size=40),
)
def test_the_simulator_answers_or_ignores_any_request_without_failing(
    cmd: int, head: bytes, uid: bytes, tail: bytes
) -> None:
    reply = SIM.handle(fp.Frame(0xFF, cmd, head + uid + tail))
    assert reply is None or reply.status in fp.Status._value2member_map_
