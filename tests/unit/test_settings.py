import dataclasses
from pathlib import Path

import pytest
import yaml

from ghostscan.environment import Environment
from ghostscan.errors import ConfigError
from ghostscan.settings import AccountSettings, Settings, find_config_file, load_settings, settings_from_mapping
from ghostscan.sources.base import FolderRole

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ghostscan.example.yaml"


def test_example_config_loads_and_equals_the_defaults_but_for_its_account():
    settings = load_settings(EXAMPLE)
    assert dataclasses.replace(settings, path=None, accounts={}, smtp=None) == dataclasses.replace(Settings(), accounts={})
    assert settings.smtp is not None and settings.smtp.host == "smtp.example.com" and settings.smtp.port == 465
    work = settings.account("work")
    assert work.host == "imap.example.com" and work.port == 993 and work.security == "tls"
    assert work.secret.env == "GHOSTSCAN_WORK_PASSWORD"


def test_example_account_names_every_account_key():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = set(data["accounts"]["work"]) | {"password_command", "keyring", "oauth2_token_command"}
    for f in dataclasses.fields(AccountSettings):
        if f.name in ("name", "secret"):
            continue
        assert f.name in documented, f"example account lacks {f.name}"
    for key in ("password_command", "keyring", "oauth2_token_command"):
        assert f"# {key}:" in text


def test_example_config_names_every_settings_key():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for f in dataclasses.fields(Settings):
        if f.name == "path":
            continue
        assert f.name in data, f"config/ghostscan.example.yaml lacks {f.name}"
        value = getattr(Settings(), f.name)
        if dataclasses.is_dataclass(value) and f.name != "accounts":
            for sub in dataclasses.fields(value):
                key = {"sender": "from"}.get(sub.name, sub.name)  # digest.from: `from` is a Python keyword
                assert key in data[f.name], f"config/ghostscan.example.yaml lacks {f.name}.{key}"


def test_values_are_read():
    s = settings_from_mapping(
        {
            "identity": {"addresses": ["anna@studio-berg.de"], "domains": ["studio-berg.de"]},
            "silence": {"business_days": 7, "country": "de", "subdivision": "BY"},
            "folders": {"roles": {"Kunden/Ablage": "archive"}, "skip": ["trash"]},
            "language": "de",
        }
    )
    assert s.identity.addresses == ("anna@studio-berg.de",)
    assert s.silence.business_days == 7 and s.silence.country == "DE" and s.silence.subdivision == "BY"
    assert s.folders.roles == {"Kunden/Ablage": FolderRole.ARCHIVE}
    assert s.folders.skip == (FolderRole.TRASH,)
    assert s.language == "de"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"identity": {"addresses": ["anna@studio-berg.de", "nobody"]}}, "identity.addresses[1]: not an e-mail address: 'nobody'"),
        ({"identity": {"adresses": []}}, "identity.adresses: unknown key"),
        ({"silence": {"business_days": "five"}}, "silence.business_days: expected a whole number, got text"),
        ({"silence": {"business_days": 0}}, "silence.business_days: expected a number from 1 to 250, got 0"),
        ({"silence": {"country": "XX"}}, "silence.country: no public holidays known for country 'XX'"),
        ({"silence": {"subdivision": "ZZ"}}, "silence.subdivision: 'ZZ' is not a subdivision of DE"),
        ({"silence": {"timezone": "Mars/Olympus"}}, "silence.timezone: unknown time zone 'Mars/Olympus'"),
        ({"folders": {"roles": {"Werbung": "spam"}}}, "folders.roles.Werbung: unknown folder role 'spam'"),
        ({"language": "fr"}, "language: expected one of en, de, got 'fr'"),
        ({"identity": ["anna@studio-berg.de"]}, "identity: expected a mapping of keys, got a list"),
        (["just", "a", "list"], "expected a mapping of keys at the top level, got a list"),
    ],
)
def test_errors_name_the_key_and_what_is_wrong(data, message):
    with pytest.raises(ConfigError) as err:
        settings_from_mapping(data)
    assert str(err.value).startswith(message)


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("identity:\n  addresses: [anna@studio-berg.de\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value).startswith(f"{path}: not valid YAML at line ")


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_config_file_lookup_order(tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "ghostscan").mkdir(parents=True)
    env = Environment(environ={"XDG_CONFIG_HOME": str(xdg)})
    assert find_config_file(None, env) is None
    (xdg / "ghostscan" / "config.yaml").write_text("{}", encoding="utf-8")
    assert find_config_file(None, env) == xdg / "ghostscan" / "config.yaml"
    env = Environment(environ={"XDG_CONFIG_HOME": str(xdg), "GHOSTSCAN_CONFIG": "/etc/gs.yaml"})
    assert find_config_file(None, env) == Path("/etc/gs.yaml")
    assert find_config_file("/tmp/x.yaml", env) == Path("/tmp/x.yaml")


ACCOUNT = {"host": "imap.gmx.net", "username": "anna@gmx.de", "password_env": "GMX_PW"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"host": None}, "accounts.work.host: missing"),
        ({"password_env": None}, "accounts.work.password_env: missing: the password comes from"),
        ({"keyring": True}, "accounts.work.password_env: set only one of password_env, keyring"),
        ({"security": "ssl"}, "accounts.work.security: expected one of tls, starttls, none, got 'ssl'"),
        ({"security": "none"}, "accounts.work.security: 'none' sends the password in clear text"),
        ({"auth": "xoauth2"}, "accounts.work.oauth2_token_command: missing"),
        ({"port": 0}, "accounts.work.port: expected a number from 1 to 65535, got 0"),
        ({"ca_file": "/nonexistent/ca.pem"}, "accounts.work.ca_file: no such file: /nonexistent/ca.pem"),
        ({"verify_tls": "no"}, "accounts.work.verify_tls: expected true or false, got text"),
        ({"pasword_env": "X"}, "accounts.work.pasword_env: unknown key"),
    ],
)
def test_account_errors_name_the_key(change, message):
    account = {k: v for k, v in {**ACCOUNT, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"accounts": {"work": account}})
    assert str(err.value).startswith(message)


def test_account_defaults_and_unknown_account():
    s = settings_from_mapping({"accounts": {"work": {**ACCOUNT, "security": "starttls"}}})
    work = s.account("work")
    assert work.port == 143 and work.auth == "password" and work.verify_tls and work.timeout == 30
    assert work.folders == s.folders
    with pytest.raises(ConfigError, match=r"no account 'home' in the config \(accounts: work\)"):
        s.account("home")


def test_the_default_holiday_calendar_is_known_to_the_holidays_package():
    import holidays

    defaults = Settings().silence
    assert holidays.country_holidays(defaults.country, subdiv=defaults.subdivision, years=2026)


def test_a_config_that_names_no_country_does_not_load_the_holiday_calendars():
    # Every command loads the settings; the holidays package costs ~0.1 s, so only a
    # configured country or subdivision is checked against it.
    import subprocess
    import sys

    code = "import sys; from ghostscan.settings import settings_from_mapping; settings_from_mapping({'silence': {'business_days': 3}}); print('holidays' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
