"""The ``schedule`` section: defaults, values, and errors that name the key path."""

from __future__ import annotations

import pytest

from ghostscan.errors import ConfigError
from ghostscan.settings import DigestSchedule, ScheduleSettings, settings_from_mapping

ACCOUNT = {"host": "imap.example.com", "username": "anna@studio-berg.de", "password_env": "PW"}


def test_defaults_poll_every_15_minutes_and_send_no_digest():
    schedule = settings_from_mapping({}).schedule
    assert schedule == ScheduleSettings(poll_minutes=15, misfire_grace_minutes=60, digest=DigestSchedule(None, None), accounts=(), sources=())


def test_values_are_read():
    schedule = settings_from_mapping(
        {
            "accounts": {"work": ACCOUNT},
            "schedule": {
                "poll_minutes": 5,
                "misfire_grace_minutes": 10,
                "digest": {"cron": "30 7 * * mon-fri", "timezone": "Europe/Vienna"},
                "accounts": ["work"],
                "sources": ["~/Mail/home"],
            },
        }
    ).schedule
    assert schedule.poll_minutes == 5 and schedule.misfire_grace_minutes == 10
    assert schedule.digest == DigestSchedule("30 7 * * mon-fri", "Europe/Vienna")
    assert schedule.accounts == ("work",)
    assert schedule.sources[0].endswith("/Mail/home") and "~" not in schedule.sources[0]


@pytest.mark.parametrize(
    "section, key, problem",
    [
        ({"poll_minutes": 0}, "schedule.poll_minutes", "expected a number from 1 to 10080, got 0"),
        ({"poll_minutes": "often"}, "schedule.poll_minutes", "expected a whole number, got text"),
        ({"digest": {"cron": "30 7 * *"}}, "schedule.digest.cron", "'30 7 * *': expected five crontab fields (minute hour day month weekday), got 4"),
        ({"digest": {"cron": "30 7 * * 9"}}, "schedule.digest.cron", "'30 7 * * 9': day of week '9': expected numbers from 0 to 7 (0 and 7 are Sunday)"),
        ({"digest": {"cron": "30 7 * * 1-5", "timezone": "Berlin"}}, "schedule.digest.timezone", "unknown time zone 'Berlin' (expected e.g. Europe/Berlin)"),
        ({"digest": {"timezone": "Mars/Olympus"}}, "schedule.digest.timezone", "unknown time zone 'Mars/Olympus' (expected e.g. Europe/Berlin)"),
        ({"digest": {"when": "daily"}}, "schedule.digest.when", "unknown key (see config/ghostscan.example.yaml)"),
        ({"accounts": ["home"]}, "schedule.accounts[0]", "no account 'home' in the 'accounts' section (accounts: work)"),
        ({"every": 5}, "schedule.every", "unknown key (see config/ghostscan.example.yaml)"),
    ],
)
def test_mistakes_name_the_key_path(section, key, problem):
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"accounts": {"work": ACCOUNT}, "schedule": section}, path="gs.yaml")
    assert str(caught.value) == f"gs.yaml: {key}: {problem}"
