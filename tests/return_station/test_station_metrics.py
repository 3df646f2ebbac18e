"""The station feeds the fleet's metrics: bins, the sorter, jams; systemd hears of pauses."""

from __future__ import annotations

from kiosk.core import station_events as sev
from kiosk.health import Metrics
from kiosk.health.kiosk_events import observe_kiosk
from kiosk.station_assembly import observe_station
from tests.return_station.fixtures import station_rig


async def test_bin_counts_capacities_jams_and_pauses_reach_the_metrics(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        metrics = Metrics("bollnas-return-1", mode="return-station")
        statuses: list[str] = []
        observe_station(metrics, rig.station, name="bollnas-return-1", status=statuses.append)
        observe_kiosk(metrics, rig.station)
        text = metrics.exposition().decode()
        assert 'kiosk_bin_capacity{bin="reshelve"} 150.0' in text  # set at once, not on change
        rig.insert("3000000001")
        await rig.delivered("3000000001")
        rig.machine.jam_next()
        rig.insert("3000000033")
        await rig.events.wait(sev.SorterJammed)
        await rig.events.wait(sev.InletPaused, reason=sev.PauseReason.JAM)
        text = metrics.exposition().decode()
        assert 'kiosk_bin_items{bin="reshelve"} 1.0' in text
        assert 'kiosk_errors_total{component="sorter",kind="jam"} 1.0' in text
        assert 'kiosk_transactions_total{kind="checkin",outcome="reshelve"}' in text
        assert metrics.health().components["sorter"].state == "failing"
        assert statuses[-1].startswith("return station bollnas-return-1: inlet paused: sorter")
        rig.machine.clear_jam()
        await rig.delivered("3000000033")
        assert metrics.health().components["sorter"].state == "ok"
