"""Every patron and staff flow, played through simulated touches on the real screens, against the
embedded library system (real SIP2 sockets) and the simulated FEIG reader (real driver bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.demo.scenarios import SCENARIOS, run_scenario


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_plays_and_its_expectations_hold(name: str) -> None:
    result = await run_scenario(name)
    assert result.passed, result.failure
    assert len(result.steps) >= 4


async def test_a_scenario_saves_one_screenshot_per_step(screenshot_dir: Path) -> None:
    folder = screenshot_dir / "scenario-borrow-stack"
    result = await run_scenario("borrow-stack", folder)
    assert result.passed, result.failure
    pictures = sorted(folder.glob("*.png"))
    assert [p.name for p in pictures] == [path.name for _, path in result.steps if path]
    assert pictures[0].name == "01-welcome.png"
    assert Image.open(pictures[0]).size == (800, 480)


async def test_a_whole_visit_works_in_arabic() -> None:
    result = await run_scenario("returns", language="ar")
    assert result.passed, result.failure


async def test_a_failed_expectation_fails_the_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.demo import scenarios

    async def wrong(run: scenarios.ScenarioRun) -> None:
        await run.step("welcome")
        run.expect_screen("borrow")

    monkeypatch.setitem(
        scenarios.SCENARIOS, "wrong", scenarios.Scenario("wrong", "expects the impossible", wrong)
    )
    result = await run_scenario("wrong")
    assert not result.passed
    assert result.failure == "expected the borrow screen, the kiosk shows welcome"
