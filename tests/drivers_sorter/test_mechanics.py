"""The simulated machine behaves like a sorter: one item per time per item, jams stop it, full
sensors trip, a closed slot takes nothing. Driven by a hand-wound clock."""

from __future__ import annotations

import pytest

from drivers.sorter import TAKEN_OUT, DivertRefusal, Mechanics, MechanicsTiming


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def machine(**timing: float) -> tuple[Mechanics, Clock]:
    clock = Clock()
    settings = {"time_per_item_s": 1.5, "feed_s": 0.3, "travel_s": 2.0, **timing}
    mechanics = Mechanics(4, MechanicsTiming(**settings), clock=clock)  # type: ignore[arg-type]
    return mechanics, clock


def run(mechanics: Mechanics, clock: Clock, seconds: float, step: float = 0.05) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now = round(clock.now + step, 6)
        mechanics.tick()


def test_an_item_in_the_slot_reaches_the_read_position_after_the_feed_time() -> None:
    m, clock = machine()
    assert m.insert("book")
    run(m, clock, 0.2)
    assert m.item_at_reader == 0
    run(m, clock, 0.2)
    assert m.item_at_reader == 1


def test_the_diverter_takes_one_item_per_time_per_item() -> None:
    m, clock = machine(feed_s=0.0)
    m.insert("a")
    m.insert("b")
    run(m, clock, 0.1)
    assert m.divert(1, 2) is None
    run(m, clock, 0.1)
    assert m.item_at_reader == 2
    with pytest.raises(BlockingIOError):
        m.divert(2, 3)  # 0.1 s after the first: the diverter is still busy
    run(m, clock, 1.5)
    assert m.divert(2, 3) is None
    run(m, clock, 2.1)
    assert m.bin_items(2) == ["a"] and m.bin_items(3) == ["b"]
    assert [(d.item, d.bin) for d in m.drops] == [(1, 2), (2, 3)]


def test_a_divert_is_refused_for_an_item_that_is_not_at_the_read_position() -> None:
    m, clock = machine()
    assert m.check_divert(7, 1) is DivertRefusal.NO_SUCH_ITEM
    m.insert("a")
    run(m, clock, 0.4)
    assert m.check_divert(1, 9) is DivertRefusal.NO_SUCH_BIN


def test_a_jam_stops_the_conveyor_until_staff_free_it_and_press_reset() -> None:
    m, clock = machine(feed_s=0.0)
    m.insert("a")
    m.insert("b")
    run(m, clock, 0.1)
    m.jam_next()
    m.divert(1, 1)
    run(m, clock, 3.0)
    assert m.jammed and m.jam_item == 1
    assert m.bin_items(1) == [] and m.item_at_reader == 2  # nothing moves
    assert m.check_divert(2, 2) is DivertRefusal.JAMMED
    assert m.press_reset() is DivertRefusal.STILL_JAMMED  # not freed yet
    m.free_jam()
    assert m.press_reset() is None
    run(m, clock, 1.1)
    assert not m.jammed and m.bin_items(1) == ["a"]


def test_an_item_staff_take_out_at_a_jam_is_reported_as_delivered_to_bin_0() -> None:
    m, clock = machine(feed_s=0.0)
    m.insert("a")
    run(m, clock, 0.1)
    m.jam_next()
    m.divert(1, 1)
    run(m, clock, 1.5)
    m.clear_jam(taken_out=True)
    assert m.taken_out == ["a"]
    assert [(d.item, d.bin) for d in m.drops] == [(1, TAKEN_OUT)]


def test_the_full_sensor_trips_at_capacity_and_clears_when_the_bin_is_emptied() -> None:
    m, clock = machine(feed_s=0.0, time_per_item_s=0.0, travel_s=0.0, bin_capacity=2)
    for name in ("a", "b"):
        m.insert(name)
        run(m, clock, 0.1)
        m.divert(m.item_at_reader, 1)
        run(m, clock, 0.1)
    assert m.full(1)
    m.insert("c")
    run(m, clock, 0.1)
    assert m.check_divert(3, 1) is DivertRefusal.BIN_FULL
    assert m.empty_bin(1) == ["a", "b"]
    assert not m.full(1) and m.emptied(1) == 1
    m.set_full(2)
    assert m.check_divert(3, 2) is DivertRefusal.BIN_FULL


def test_a_closed_slot_takes_nothing_and_items_inside_wait() -> None:
    m, clock = machine(feed_s=0.1)
    m.insert("a")
    m.insert("b")
    m.pause_inlet()
    assert not m.insert("c")
    run(m, clock, 1.0)
    assert m.item_at_reader == 0 and m.waiting == 2
    m.pause_inlet(False)
    run(m, clock, 0.3)
    assert m.item_at_reader == 1


def test_the_machine_tells_the_world_when_an_item_comes_to_and_leaves_the_reader() -> None:
    seen: list[tuple[str, object]] = []
    clock = Clock()
    m = Mechanics(
        2,
        MechanicsTiming(feed_s=0.0),
        clock=clock,
        on_at_reader=lambda p: seen.append(("at", p)),
        on_left_reader=lambda p: seen.append(("left", p)),
    )
    m.insert("a")
    run(m, clock, 0.1)
    m.divert(1, 2)
    assert seen == [("at", "a"), ("left", "a")]


# --- a conveyor that does not stop for items ---------------------------------------------------


def conveyor(**timing: float) -> tuple[Mechanics, Clock, list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []
    clock = Clock()
    settings = {
        "time_per_item_s": 0.2,
        "feed_s": 0.3,
        "travel_s": 1.0,
        "divert_deadline_s": 1.0,
        "read_zone_s": 0.6,
        **timing,
    }
    mechanics = Mechanics(
        4,
        MechanicsTiming(**settings),  # type: ignore[arg-type]
        clock=clock,
        on_at_reader=lambda p: seen.append(("at", p)),
        on_left_reader=lambda p: seen.append(("left", p)),
    )
    return mechanics, clock, seen


def test_a_conveyor_lets_one_item_on_per_time_per_item_and_carries_several_at_once() -> None:
    m, clock, seen = conveyor()
    for name in "abcde":
        m.insert(name)
    run(m, clock, 0.41)  # let onto the belt at the first tick, 0.3 s to the read position
    assert seen == [("at", "a")] and m.item_at_reader == 1
    run(m, clock, 0.6)  # b, c, d followed 0.2 s apart; a left the field after 0.6 s
    assert [p for kind, p in seen if kind == "at"] == ["a", "b", "c", "d", "e"][:4]
    assert ("left", "a") in seen and m.item_at_reader == 4
    assert m.in_machine == 5


def test_a_conveyor_takes_a_bin_any_time_before_the_diverter_and_sends_the_rest_on_late() -> None:
    m, clock, _ = conveyor()
    for name in "abc":
        m.insert(name)
    run(m, clock, 0.8)  # a, b and c have reached the read position
    assert m.divert(3, 2) is None  # the later item first: no waiting for the diverter
    assert m.divert(1, 1) is None
    run(m, clock, 3.0)  # b had no bin when it reached the diverter
    assert m.bin_items(1) == ["a"] and m.bin_items(2) == ["c"] and m.bin_items(4) == ["b"]
    assert m.late == 1
    assert m.divert(2, 1) is DivertRefusal.LATE
    assert m.divert(9, 1) is DivertRefusal.NO_SUCH_ITEM


def test_a_conveyor_sends_late_items_to_the_output_it_is_given() -> None:
    m, clock, _ = conveyor(late_bin=3)
    m.insert("a")
    run(m, clock, 2.5)
    assert m.bin_items(3) == ["a"] and [(d.item, d.bin) for d in m.drops] == [(1, 3)]


def test_a_jam_stops_the_items_in_flight_too() -> None:
    m, clock, _ = conveyor(travel_s=0.2)
    m.insert("a")
    m.insert("b")
    run(m, clock, 0.41)
    assert m.divert(1, 1) is None
    m.jam_next()
    run(m, clock, 1.14)  # a passed the diverter at 1.4 s and jammed halfway to its bin
    assert m.jammed
    run(m, clock, 5.0)  # b waits on the stopped belt, still before the diverter
    assert m.divert(2, 2) is DivertRefusal.JAMMED
    m.clear_jam()
    assert m.divert(2, 2) is None
    run(m, clock, 3.0)
    assert m.bin_items(1) == ["a"] and m.bin_items(2) == ["b"] and m.late == 0


def test_a_conveyor_needs_its_read_zone_to_end_before_the_diverter() -> None:
    with pytest.raises(ValueError, match="read_zone_s"):
        MechanicsTiming(divert_deadline_s=0.5, read_zone_s=0.8)
