"""The `digest` and `smtp` config sections: values, defaults, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ghostscan.errors import ConfigError
from ghostscan.settings import DigestSettings, SmtpSettings, load_settings, settings_from_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ghostscan.example.yaml"
SMTP = {"host": "smtp.ionos.de", "username": "anna@studio-berg.de", "password_env": "SMTP_PW"}


def test_defaults_without_the_sections():
    s = settings_from_mapping({})
    assert s.smtp is None
    assert s.digest == DigestSettings(to=(), sender=None, skip_empty=False, subject_prefix="ghostscan")


def test_digest_values_are_read():
    s = settings_from_mapping({"digest": {"to": "boss@studio-berg.de", "from": "ghost@studio-berg.de", "skip_empty": True, "subject_prefix": "[Akquise]"}})
    assert s.digest == DigestSettings(to=("boss@studio-berg.de",), sender="ghost@studio-berg.de", skip_empty=True, subject_prefix="[Akquise]")


@pytest.mark.parametrize(
    "security, port",
    [("ssl", 465), ("tls", 465), ("starttls", 587)],
)
def test_smtp_default_ports(security, port):
    smtp = settings_from_mapping({"smtp": {**SMTP, "security": security}}).smtp
    assert smtp == SmtpSettings(host="smtp.ionos.de", port=port, security="ssl" if security == "tls" else security, username="anna@studio-berg.de", secret=smtp.secret)
    assert smtp.secret.env == "SMTP_PW" and smtp.secret.key == "smtp.password_env"


def test_smtp_without_login_is_a_relay():
    smtp = settings_from_mapping({"smtp": {"host": "127.0.0.1", "security": "none"}}).smtp
    assert smtp.username is None and smtp.secret is None and smtp.port == 25


def test_smtp_password_command_and_keyring():
    cmd = settings_from_mapping({"smtp": {**SMTP, "password_env": None, "password_command": "pass show mail/smtp"}}).smtp
    assert cmd.secret.command == ("pass", "show", "mail/smtp")
    ring = settings_from_mapping({"smtp": {**SMTP, "password_env": None, "keyring": True}}).smtp
    assert ring.secret.keyring == ("ghostscan", "anna@studio-berg.de")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"digest": {"to": ["boss"]}}, "digest.to[0]: not an e-mail address: 'boss'"),
        ({"digest": {"from": "ghostscan"}}, "digest.from: not an e-mail address: 'ghostscan'"),
        ({"digest": {"skip_empty": "yes"}}, "digest.skip_empty: expected true or false, got text"),
        ({"digest": {"subject_prefix": "a\nBcc: x@y.de"}}, "digest.subject_prefix: must be one line"),
        ({"digest": {"too": []}}, "digest.too: unknown key"),
        ({"smtp": {**SMTP, "host": None}}, "smtp.host: missing"),
        ({"smtp": {**SMTP, "security": "ssl3"}}, "smtp.security: expected one of ssl, tls, starttls, none, got 'ssl3'"),
        ({"smtp": {**SMTP, "security": "none"}}, "smtp.security: 'none' sends the password and the digest in clear text"),
        ({"smtp": {**SMTP, "password_env": None}}, "smtp.password_env: missing: the password comes from"),
        ({"smtp": {**SMTP, "keyring": True}}, "smtp.password_env: set only one of password_env, keyring"),
        ({"smtp": {"host": "smtp.ionos.de", "password_env": "X"}}, "smtp.username: missing: password_env is set"),
        ({"smtp": {**SMTP, "port": 70000}}, "smtp.port: expected a number from 1 to 65535, got 70000"),
        ({"smtp": {**SMTP, "ca_file": "/nonexistent/ca.pem"}}, "smtp.ca_file: no such file: /nonexistent/ca.pem"),
        ({"smtp": {**SMTP, "timeout": 0}}, "smtp.timeout: expected a number from 1 to 3600, got 0"),
        ({"smtp": "smtp.ionos.de"}, "smtp: expected a mapping of keys, got text"),
    ],
)
def test_errors_name_the_key(data, message):
    data = {k: ({kk: vv for kk, vv in v.items() if vv is not None} if isinstance(v, dict) else v) for k, v in data.items()}
    with pytest.raises(ConfigError) as err:
        settings_from_mapping(data)
    assert str(err.value).startswith(message)


def test_example_config_documents_every_smtp_key():
    text = EXAMPLE.read_text(encoding="utf-8")
    smtp = yaml.safe_load(text)["smtp"]
    for name in SmtpSettings.__dataclass_fields__:
        if name != "secret":
            assert name in smtp, f"the example's smtp section lacks {name}"
    assert "# password_command:" in text and "# keyring: true" in text
    assert load_settings(EXAMPLE).smtp.secret.env == "GHOSTSCAN_SMTP_PASSWORD"
