"""The status as the app sends it over the socket and `respite status --json` prints it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from respite.core.settings import Settings
from respite.core.status_wire import local_iso, status_from_dict, status_to_dict
from tests.fakes import Simulation

LONDON = ZoneInfo("Europe/London")
# Monday 23 November 2026, 10:00 in London: inside the default 09:00-12:30 window.
START = datetime.combine(date(2026, 11, 23), time(10, 0), tzinfo=LONDON)


def paused_sim() -> Simulation:
    sim = Simulation(Settings(), START)
    sim.engine.pause(minutes=45)
    return sim


def test_a_status_survives_the_trip_through_json() -> None:
    status = paused_sim().engine.status()

    data = status_to_dict(status, LONDON)
    back, zone = status_from_dict(data)

    assert data["zone"] == "Europe/London"
    assert data["phase"] == "paused"
    assert data["paused_until"] == "2026-11-23T10:45:00+00:00"
    assert zone == LONDON
    assert back == status


def test_a_fixed_offset_travels_as_the_offset_of_each_time() -> None:
    status = paused_sim().engine.status()
    tokyo = timezone(timedelta(hours=9))

    data = status_to_dict(status, tokyo)
    back, zone = status_from_dict(data)

    assert data["zone"] is None
    assert data["now"] == "2026-11-23T19:00:00+09:00"
    assert zone == tokyo
    assert back.paused_until == status.paused_until


def test_an_unknown_zone_name_falls_back_to_the_offset() -> None:
    data = status_to_dict(paused_sim().engine.status(), LONDON)

    _, zone = status_from_dict({**data, "zone": "Mars/Olympus_Mons"})

    assert zone == timezone(timedelta(0))


@pytest.mark.parametrize(
    "data",
    [{}, {"now": "not a time", "phase": "paused"}, {"now": "2026-11-23T10:00:00+00:00"}],
)
def test_what_is_not_a_status_raises(data: dict[str, str]) -> None:
    with pytest.raises((KeyError, ValueError)):
        status_from_dict(data)


def test_local_iso_is_to_the_second_in_the_zone() -> None:
    moment = datetime(2026, 6, 1, 8, 30, 15, 999_000, tzinfo=UTC)
    assert local_iso(moment, LONDON) == "2026-06-01T09:30:15+01:00"
    assert local_iso(None, LONDON) is None
