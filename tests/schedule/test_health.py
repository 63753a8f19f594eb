"""Health: fresh while fewer than two slots passed since the last complete snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from binfolio.services.schedule.cron import Schedule
from binfolio.services.schedule.health import assess
from binfolio.services.schedule.ports import CollectorBeat

HOURLY = Schedule("0 * * * *")
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
GRACE = timedelta(seconds=60)


def test_an_account_collected_at_the_last_slot_is_fresh_and_two_missed_slots_make_it_stale() -> (
    None
):
    last = {
        "fresh": NOW.replace(minute=0, second=5),  # 12:00:05
        "one_missed": NOW.replace(hour=11, minute=0, second=5),  # 12:00 missed
        "two_missed": NOW.replace(hour=10, minute=0, second=5),  # 11:00 and 12:00 missed
    }

    report = assess(list(last), last, HOURLY, NOW, grace=GRACE)

    assert [a.fresh for a in report.accounts] == [True, True, False]
    assert not report.ok
    assert len(report.reasons) == 1
    assert report.reasons[0].startswith("two_missed: last complete snapshot 2.5 h ago")


def test_a_slot_counts_only_once_its_run_had_the_grace_to_finish() -> None:
    last = {"main": datetime(2026, 3, 4, 11, 0, 5, tzinfo=UTC)}
    just_after_slot = datetime(2026, 3, 4, 13, 0, 30, tzinfo=UTC)  # 13:00 run may be under way

    assert assess(["main"], last, HOURLY, just_after_slot, grace=GRACE).ok
    assert not assess(["main"], last, HOURLY, just_after_slot + GRACE, grace=GRACE).ok


def test_a_weekday_schedule_is_not_stale_on_monday_morning() -> None:
    weekdays = Schedule("0 8 * * 1-5")
    friday = datetime(2026, 3, 6, 8, 0, 3, tzinfo=UTC)
    monday_early = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    tuesday_late = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    assert assess(["main"], {"main": friday}, weekdays, monday_early, grace=GRACE).ok
    assert not assess(["main"], {"main": friday}, weekdays, tuesday_late, grace=GRACE).ok


def test_never_collected_no_accounts_and_an_open_circuit_are_reasons() -> None:
    stale = NOW - timedelta(hours=5)

    never = assess(["new"], {"new": None}, HOURLY, NOW, grace=GRACE)
    empty = assess([], {}, HOURLY, NOW, grace=GRACE)
    paused = assess(["p"], {"p": stale}, HOURLY, NOW, grace=GRACE, circuits={"p": "open"})

    assert never.reasons == ["new: no complete snapshot yet"]
    assert empty.reasons == ["no accounts configured"]
    assert paused.reasons[0].endswith(
        "(circuit open: the account is paused after repeated failures)"
    )
    assert paused.accounts[0].circuit == "open"


def test_the_json_report_carries_ages_circuits_and_the_earliest_next_run() -> None:
    beats = [
        CollectorBeat("b", "h2", 2, "0 * * * *", NOW, NOW, NOW + timedelta(minutes=30), None),
        CollectorBeat("a", "h1", 1, "0 * * * *", NOW, NOW, NOW + timedelta(minutes=29), None),
    ]
    last = {"main": NOW - timedelta(minutes=30)}

    body = assess(
        ["main"], last, HOURLY, NOW, grace=GRACE, collectors=beats, circuits={"main": "closed"}
    ).to_json()

    assert body["status"] == "ok"
    assert body["next_run_at"] == "2026-03-04T12:59:00+00:00"
    assert body["accounts"] == [
        {
            "account": "main",
            "fresh": True,
            "last_complete_at": "2026-03-04T12:00:00+00:00",
            "age_s": 1800.0,
            "circuit": "closed",
        }
    ]
    assert [c["id"] for c in body["collectors"]] == ["b", "a"]
