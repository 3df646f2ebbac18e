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
