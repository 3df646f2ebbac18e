"""SIP2's connection rules on their own: the sans-I/O state machines, no sockets, no clock."""

from __future__ import annotations

import pytest

from kiosk import sip2

CHECKOUT = sip2.Checkout(
    nb_due_date=None, fields={"AO": "SE-BOL", "AA": "2150000001", "AB": "3000000011", "AC": ""}
)


def reply_to(wire: bytes, *, sequence: int | None = None, code: str = "12") -> bytes:
    """The ACS's answer to ``wire``: its AY unless ``sequence`` says otherwise."""
    if sequence is None:
        sequence = sip2.decode(wire).sequence
    message = sip2.message_class(code)(
        ok=True,
        fields={"AO": "SE-BOL", "AA": "2150000001", "AB": "3000000011", "AJ": "", "AH": ""},
    )
    return sip2.encode(message, sequence=sequence)


def corrupted(frame: bytes) -> bytes:
    end = len(frame.rstrip(b"\r"))
    last = b"0" if frame[end - 1 : end] != b"0" else b"1"
    return frame[: end - 1] + last + frame[end:]


RESEND_97 = sip2.encode(sip2.RequestACSResend(), sequence=0)
RESEND_96 = sip2.encode(sip2.RequestSCResend(), sequence=0)

# --- the client's side ---------------------------------------------------------------------


def test_sequence_numbers_run_0_to_9_and_wrap() -> None:
    rules = sip2.ClientConnection()
    seen = []
    for _ in range(12):
        wire = rules.send(sip2.SCStatus())
        seen.append(sip2.decode(wire).sequence)
        rules.give_up()
    assert seen == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_a_timeout_sends_the_identical_bytes_until_the_retries_are_spent() -> None:
    rules = sip2.ClientConnection(retries=2)
    wire = rules.send(CHECKOUT)
    assert rules.timed_out() == wire
    assert rules.timed_out() == wire
    with pytest.raises(sip2.SIP2TimeoutError):
        rules.timed_out()
    assert not rules.pending


def test_the_matching_reply_is_delivered() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    event = rules.receive(reply_to(wire))
    assert isinstance(event, sip2.Deliver) and event.reply.message.code == "12"
    assert not rules.pending


def test_a_bad_checksum_asks_for_a_resend_with_97() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    event = rules.receive(corrupted(reply_to(wire)))
    assert event == sip2.Send(RESEND_97, "bad checksum")
    assert isinstance(rules.receive(reply_to(wire)), sip2.Deliver)


def test_an_undecodable_reply_asks_for_a_resend_too() -> None:
    rules = sip2.ClientConnection()
    rules.send(CHECKOUT)
    assert isinstance(rules.receive(b"\x00\xffnot sip"), sip2.Send)


def test_without_error_detection_a_bad_reply_only_restarts_the_timer() -> None:
    rules = sip2.ClientConnection(error_detection=False)
    rules.send(CHECKOUT)
    assert rules.receive(b"garbage") == sip2.Send(None, "undecodable reply")


def test_a_96_resends_the_request() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    event = rules.receive(RESEND_96)
    assert isinstance(event, sip2.Send) and event.data == wire


def test_a_96_after_our_97_resends_the_97_not_the_request() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    rules.receive(corrupted(reply_to(wire)))  # we sent a 97
    event = rules.receive(RESEND_96)
    assert isinstance(event, sip2.Send) and event.data == RESEND_97


def test_96s_beyond_the_retry_count_are_a_protocol_error() -> None:
    rules = sip2.ClientConnection(retries=1)
    rules.send(CHECKOUT)
    rules.receive(RESEND_96)
    with pytest.raises(sip2.SIP2ProtocolError, match="kept asking to resend"):
        rules.receive(RESEND_96)


def test_unreadable_replies_beyond_the_retry_count_are_a_protocol_error() -> None:
    rules = sip2.ClientConnection(retries=1)
    wire = rules.send(CHECKOUT)
    rules.receive(corrupted(reply_to(wire)))
    with pytest.raises(sip2.SIP2ProtocolError, match="2 unreadable or corrupted"):
        rules.receive(corrupted(reply_to(wire)))


def test_a_reply_with_a_valid_checksum_but_another_sequence_is_stale() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    sequence = sip2.decode(wire).sequence
    assert isinstance(rules.receive(reply_to(wire, sequence=(sequence + 5) % 10)), sip2.Discard)
    assert isinstance(rules.receive(reply_to(wire)), sip2.Deliver)


def test_a_reply_of_another_message_code_is_stale() -> None:
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    assert isinstance(rules.receive(reply_to(wire, code="30")), sip2.Discard)


def test_after_a_97_a_renumbered_replay_is_accepted() -> None:
    """Some ACSs rewrite AY when they replay: after our 97, content is what matters."""
    rules = sip2.ClientConnection()
    wire = rules.send(CHECKOUT)
    rules.receive(corrupted(reply_to(wire)))
    sequence = sip2.decode(wire).sequence
    assert isinstance(rules.receive(reply_to(wire, sequence=(sequence + 1) % 10)), sip2.Deliver)


def test_after_a_reconnect_the_cut_off_request_goes_out_byte_for_byte() -> None:
    rules = sip2.ClientConnection()
    rules.send(sip2.SCStatus())
    rules.give_up()
    wire = rules.send(CHECKOUT)  # AY1; then the connection drops
    rules.reset()
    login = rules.send(sip2.Login(fields={"CN": "kiosk", "CO": "pw"}))
    assert sip2.decode(login).sequence == 0  # a new connection numbers from 0 again
    rules.receive(sip2.encode(sip2.LoginResponse(ok=True), sequence=0))
    assert rules.resend_pending() == wire
    assert isinstance(rules.receive(reply_to(wire)), sip2.Deliver)


def test_charset_trouble_is_noticed_and_named() -> None:
    rules = sip2.ClientConnection(charset="ascii", retries=0)
    wire = rules.send(CHECKOUT)
    frame = corrupted(reply_to(wire)).replace(b"SE-BOL", "SÖ-BOL".encode("cp850"))
    with pytest.raises(sip2.SIP2CharsetError):
        rules.receive(frame)
    assert rules.charset_suspect


# --- the server's side ---------------------------------------------------------------------


def request(sequence: int = 1, message: sip2.Message = CHECKOUT) -> bytes:
    return sip2.encode(message, sequence=sequence)


def answer(rules: sip2.ServerConnection, frame: bytes) -> bytes:
    event = rules.receive(frame)
    assert isinstance(event, sip2.Handle)
    response = reply_to(frame)
    rules.answered(frame, response)
    return response


def test_a_new_request_is_handed_over() -> None:
    event = sip2.ServerConnection().receive(request())
    assert isinstance(event, sip2.Handle) and event.request.message.code == "11"


def test_a_bad_checksum_gets_96() -> None:
    assert isinstance(sip2.ServerConnection().receive(corrupted(request())), sip2.AskResend)


def test_garbage_gets_96() -> None:
    assert isinstance(sip2.ServerConnection().receive(b"\xff\xfe garbage"), sip2.AskResend)


def test_97_gets_the_last_response_byte_for_byte() -> None:
    rules = sip2.ServerConnection()
    response = answer(rules, request())
    assert rules.receive(RESEND_97) == sip2.Replay(response, "97: the last response again")


def test_97_as_the_first_message_gets_96() -> None:
    """Issue 15.5: nothing to resend yet; answer at once instead of waiting for the idle close."""
    assert isinstance(sip2.ServerConnection().receive(RESEND_97), sip2.AskResend)


def test_the_same_ay_and_az_again_gets_the_last_response() -> None:
    rules = sip2.ServerConnection()
    frame = request(4)
    response = answer(rules, frame)
    event = rules.receive(frame + b"\r")
    assert isinstance(event, sip2.Replay) and event.data == response and event.retransmission


def test_the_same_body_with_another_ay_is_a_new_request() -> None:
    rules = sip2.ServerConnection()
    answer(rules, request(4))
    assert isinstance(rules.receive(request(5)), sip2.Handle)


def test_a_repeat_of_an_older_request_is_a_new_request() -> None:
    """Only the previous message counts: AY wraps, and the spec resends the last one only."""
    rules = sip2.ServerConnection()
    first = request(1)
    answer(rules, first)
    answer(rules, request(2, sip2.SCStatus()))
    assert isinstance(rules.receive(first), sip2.Handle)


def test_without_error_detection_nothing_is_a_retransmission() -> None:
    rules = sip2.ServerConnection()
    frame = sip2.encode(CHECKOUT)
    event = rules.receive(frame)
    assert isinstance(event, sip2.Handle)
    rules.answered(frame, b"12...\r")
    assert isinstance(rules.receive(frame), sip2.Handle)


def test_after_a_96_the_resent_request_is_carried_out() -> None:
    rules = sip2.ServerConnection()
    frame = request(3)
    answer(rules, frame)
    assert isinstance(rules.receive(corrupted(request(4))), sip2.AskResend)
    assert isinstance(rules.receive(request(4)), sip2.Handle)


def test_repeats_beyond_the_retry_count_close_the_connection() -> None:
    rules = sip2.ServerConnection(retries=2)
    frame = request(3)
    answer(rules, frame)
    assert isinstance(rules.receive(frame), sip2.Replay)
    assert isinstance(rules.receive(frame), sip2.Replay)
    assert isinstance(rules.receive(frame), sip2.Close)


def test_bad_checksums_beyond_the_retry_count_close_the_connection() -> None:
    rules = sip2.ServerConnection(retries=1)
    assert isinstance(rules.receive(corrupted(request())), sip2.AskResend)
    assert isinstance(rules.receive(corrupted(request())), sip2.Close)


def test_an_answer_resets_the_repeat_count() -> None:
    rules = sip2.ServerConnection(retries=1)
    assert isinstance(rules.receive(corrupted(request(1))), sip2.AskResend)
    answer(rules, request(1))
    assert isinstance(rules.receive(corrupted(request(2))), sip2.AskResend)
