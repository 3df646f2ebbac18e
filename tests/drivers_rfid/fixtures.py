"""Shared pytest fixtures for anything that needs a FEIG reader with tags on its pad.

Use from another test package::

    from tests.drivers_rfid.fixtures import feig_sim, feig_reader  # noqa: F401  (fixtures)

``feig_sim`` is a started :class:`~drivers.rfid.FeigSimulator` without timing (fast);
``feig_reader`` is an open :class:`~drivers.rfid.FeigReader` on its pty, with a short timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from drivers.rfid import FeigReader, FeigSimulator, VirtualTag, tag_for_item


@pytest.fixture
def feig_sim() -> Iterator[FeigSimulator]:
    with FeigSimulator(timing=False) as sim:
        yield sim


@pytest.fixture
async def feig_reader(feig_sim: FeigSimulator) -> AsyncIterator[FeigReader]:
    async with FeigReader(feig_sim.port, timeout=0.3, frame_gap=0.0) as reader:
        yield reader  # type: ignore[misc]


def on_the_pad(sim: FeigSimulator, **kw: Any) -> VirtualTag:
    """A library tag (item "1" of SE-Hud; ``kw`` as for ``tag_for_item``) on the pad."""
    tag = tag_for_item("1", "SE-Hud", **kw)
    sim.place(tag)
    return tag
