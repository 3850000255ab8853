"""Settings: YAML → frozen dataclasses, validated, with errors that name the key.

Layering: defaults in code < the config file (``--config``, else ``$GHOSTSCAN_CONFIG``,
else ``$XDG_CONFIG_HOME/ghostscan/config.yaml`` when it exists) < command-line flags
(applied by the CLI with `dataclasses.replace`). Every key is documented in
``config/ghostscan.example.yaml``; `tests/unit/test_settings.py` checks that file loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ghostscan.environment import Environment
from ghostscan.errors import ConfigError
from ghostscan.secrets import SecretSource, parse_command
from ghostscan.sources.base import FolderRole

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


@dataclass(frozen=True)
class IdentitySettings:
    """Who the user is.

    Attributes:
        addresses: the user's own addresses and aliases. Empty: learned from the From of
            messages in Sent folders.
        domains: the user's company domains (colleagues write from there). Empty: the
            non-freemail domains of `addresses`.
    """

    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class SilenceSettings:
    """When no answer counts as silence.

    Attributes:
        business_days: business days without an answer after our last message before a
            conversation is `silent` (before that it is `waiting`).
        country: ISO country code whose public holidays are not business days.
        subdivision: state / region code for regional holidays (``"BY"``, ``"BE"``), or None.
        timezone: IANA zone in which days are counted.
    """

    business_days: int = 5
    country: str = "DE"
    subdivision: str | None = None
    timezone: str = "Europe/Berlin"


@dataclass(frozen=True)
class FolderSettings:
    """Folder handling.

    Attributes:
        roles: folder name → role, overriding the detected role (``"Kunden/Alt": archive``).
        skip: roles whose folders are not read at all.
    """

    roles: Mapping[str, FolderRole] = field(default_factory=lambda: MappingProxyType({}))
    skip: tuple[FolderRole, ...] = (FolderRole.TRASH, FolderRole.DRAFTS)


@dataclass(frozen=True)
class ThreadingSettings:
    """Threading.

    Attributes:
        window_days: how long after our message a reply without threading headers may
            still be matched by subject and participants.
    """

    window_days: int = 60


@dataclass(frozen=True)
class NlpSettings:
    """The language layer.

    Attributes:
        model: an installed trained spaCy pipeline to use (``"de_core_news_sm"``), or None
            for the built-in rules on blank pipelines (no download needed).
        patterns: extra pattern files (spaCy SpanRuler JSONL), added to the built-in ones.
    """

    model: str | None = None
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdviceSettings:
    """How the follow-up playbook escalates.

    Attributes:
        max_follow_ups: unanswered follow-up mails before ghostscan suggests another
            channel (phone, LinkedIn): mail may not arrive.
        cold_after: business days of silence after which a conversation with that many
            follow-ups is left to rest ("cold").
        region: default region for reading phone numbers without a country code (ISO).
    """

    max_follow_ups: int = 1
    cold_after: int = 30
    region: str = "DE"


TRACK = ("offers", "all")

SECURITY = ("tls", "starttls", "none")
AUTH = ("password", "xoauth2")


@dataclass(frozen=True)
class AccountSettings:
    """One IMAP account.

    Attributes:
        name: the account's name in the config (``--account NAME``).
        host: the IMAP server.
        port: default 993 for ``tls``, 143 for ``starttls`` and ``none``.
        security: ``tls`` (implicit TLS), ``starttls``, or ``none`` (only to loopback).
        username: the login name.
        auth: ``password`` or ``xoauth2`` (token from `secret`).
        secret: where the password or OAuth2 token comes from.
        ca_file: a CA bundle / self-signed certificate to trust, or None for the system's.
        verify_tls: False turns certificate checks off (logged loudly on every connect).
        timeout: seconds for connecting and for every command.
        folders: folder roles and skips for this account (defaults: the global ``folders``).
    """

    name: str
    host: str
    username: str
    secret: SecretSource
    port: int = 993
    security: str = "tls"
    auth: str = "password"
    ca_file: str | None = None
    verify_tls: bool = True
    timeout: float = 30.0
    folders: FolderSettings = FolderSettings()


@dataclass(frozen=True)
class StoreSettings:
    """The local store (sync state and header cache).

    Attributes:
        path: the SQLite file; None: ``$XDG_STATE_HOME/ghostscan/store.sqlite``.
    """

    path: str | None = None


SMTP_SECURITY = ("ssl", "tls", "starttls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server the digest is sent through.

    Attributes:
        host: the SMTP server.
        port: default 465 for ``ssl``, 587 for ``starttls``, 25 for ``none``.
        security: ``ssl`` (implicit TLS, RFC 8314; ``tls`` is read as the same),
            ``starttls`` (RFC 3207), or ``none`` (only to loopback).
        username: the login name; None sends without AUTH (a local relay).
        secret: where the password comes from (None without `username`).
        ca_file: a CA bundle / self-signed certificate to trust, or None for the system's.
        verify_tls: False turns certificate checks off (logged loudly on every connect).
        timeout: seconds for connecting and for every command.
    """

    host: str
    port: int = 465
    security: str = "ssl"
    username: str | None = None
    secret: SecretSource | None = None
    ca_file: str | None = None
    verify_tls: bool = True
    timeout: float = 30.0


@dataclass(frozen=True)
class DigestSettings:
    """The daily digest.

    Attributes:
        to: recipients; empty: `sender`.
        sender: the From address (``digest.from``); None: the first of
            ``identity.addresses``.
        skip_empty: send nothing when nothing is due (instead of a short "all clear").
        subject_prefix: what the subject line starts with.
    """

    to: tuple[str, ...] = ()
    sender: str | None = None
    skip_empty: bool = False
    subject_prefix: str = "ghostscan"


@dataclass(frozen=True)
class DigestSchedule:
    """When ``ghostscan daemon`` sends the digest.

    Attributes:
        cron: five crontab fields (``"30 7 * * mon-fri"``: weekdays at 07:30; day numbers
            count as in crontab, 0 and 7 = Sunday), or None for no digest job.
        timezone: IANA zone *cron* is read in; None: ``silence.timezone``.
    """

    cron: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class ScheduleSettings:
    """What ``ghostscan daemon`` runs, and when.

    Attributes:
        poll_minutes: minutes between two incremental polls of each account or mailbox.
        misfire_grace_minutes: how late a missed run (the machine slept) may still start;
            several missed runs become one.
        digest: when the digest goes out.
        accounts: IMAP accounts the daemon works on. Empty (with `sources` empty too):
            every account of the config, else the config's ``source``.
        sources: local mailboxes the daemon works on.
    """

    poll_minutes: int = 15
    misfire_grace_minutes: int = 60
    digest: DigestSchedule = DigestSchedule()
    accounts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """All settings of one run.

    Attributes:
        source: default local mailbox path for commands run without ``--source``.
        language: language of suggestions and reports (``"en"`` or ``"de"``).
        track: ``"offers"`` reports only conversations with an offer or a firm order;
            ``"all"`` every conversation you started.
        identity, silence, folders, threading, nlp, advice, store: see their classes.
        accounts: IMAP accounts by name.
        path: the config file these came from, or None for defaults only.
    """

    source: str | None = None
    language: str = "en"
    track: str = "offers"
    identity: IdentitySettings = IdentitySettings()
    silence: SilenceSettings = SilenceSettings()
    folders: FolderSettings = FolderSettings()
    threading: ThreadingSettings = ThreadingSettings()
    nlp: NlpSettings = NlpSettings()
    advice: AdviceSettings = AdviceSettings()
    accounts: Mapping[str, AccountSettings] = field(default_factory=lambda: MappingProxyType({}))
    store: StoreSettings = StoreSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    path: str | None = None
    digest: DigestSettings = DigestSettings()
    smtp: SmtpSettings | None = None

    def account(self, name: str) -> AccountSettings:
        """The account called *name*.

        Raises:
            ConfigError: no such account (the message lists the configured ones).
        """
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none configured"
            raise ConfigError(f"no account {name!r} in the config (accounts: {known})", key="accounts", path=self.path) from None


LANGUAGES = ("en", "de")


class _Reader:
    """Walks a parsed YAML mapping, checking types and remembering key paths for errors."""

    def __init__(self, data: Mapping[str, Any], prefix: str, path: str | None):
        self.data = data
        self.prefix = prefix
        self.path = path
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(problem, key=f"{self.prefix}{key}", path=self.path)

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def section(self, key: str) -> "_Reader":
        value = self.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a mapping of keys, got {_kind(value)}")
        return _Reader(value, f"{self.prefix}{key}.", self.path)

    def string(self, key: str, default: str | None) -> str | None:
        value = self.get(key, default)
        if value is None or isinstance(value, str):
            return value
        raise self.error(key, f"expected text, got {_kind(value)}")

    def integer(self, key: str, default: int, *, minimum: int, maximum: int) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {_kind(value)}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"expected a number from {minimum} to {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def number(self, key: str, default: float, *, minimum: float, maximum: float) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {_kind(value)}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"expected a number from {minimum:g} to {maximum:g}, got {value}")
        return float(value)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(key, default) or default
        if value not in choices:
            raise self.error(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(key, f"expected a list of text, got {_kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.error(f"{key}[{i}]", f"expected text, got {_kind(item)}")
        return tuple(value)

    def finish(self) -> None:
        unknown = sorted(set(map(str, self.data)) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (see config/ghostscan.example.yaml)")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _role(reader: _Reader, key: str, value: Any) -> FolderRole:
    try:
        return FolderRole(str(value).lower())
    except ValueError:
        choices = ", ".join(r.value for r in FolderRole)
        raise reader.error(key, f"unknown folder role {value!r}; expected one of {choices}") from None


def settings_from_mapping(data: Mapping[str, Any] | None, path: str | None = None) -> Settings:
    """Validate a parsed config mapping and build `Settings`.

    Raises:
        ConfigError: a key is unknown or has the wrong type or value; the error names the
            key path (``identity.addresses[1]``) and what was expected.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping of keys at the top level, got {_kind(data)}", path=path)
    root = _Reader(data, "", path)
    defaults = Settings()

    source = root.string("source", defaults.source)
    language = root.string("language", defaults.language) or "en"
    if language not in LANGUAGES:
        raise root.error("language", f"expected one of {', '.join(LANGUAGES)}, got {language!r}")

    ident = root.section("identity")
    addresses = ident.strings("addresses")
    for i, address in enumerate(addresses):
        if not _EMAIL.match(address.strip()):
            raise ident.error(f"addresses[{i}]", f"not an e-mail address: {address!r}")
    domains = ident.strings("domains")
    for i, domain in enumerate(domains):
        if not _DOMAIN.match(domain.strip().lstrip("@")):
            raise ident.error(f"domains[{i}]", f"not a domain name: {domain!r}")
    ident.finish()

    sil = root.section("silence")
    silence = SilenceSettings(
        business_days=sil.integer("business_days", defaults.silence.business_days, minimum=1, maximum=250),
        country=(sil.string("country", defaults.silence.country) or "").upper(),
        subdivision=sil.string("subdivision", None),
        timezone=sil.string("timezone", defaults.silence.timezone) or defaults.silence.timezone,
    )
    try:
        ZoneInfo(silence.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise sil.error("timezone", f"unknown time zone {silence.timezone!r} (expected e.g. Europe/Berlin)") from None
    if "country" in sil.data or "subdivision" in sil.data:
        # Checked against the holidays package only where the config names them: importing
        # it and a country's calendar costs ~0.1 s a run, and the defaults are known good
        # (tests/unit/test_settings.py).
        _check_holidays(sil, silence)
    sil.finish()

    folders = _folders(root.section("folders"), FolderSettings())

    thr = root.section("threading")
    threading = ThreadingSettings(window_days=thr.integer("window_days", 60, minimum=1, maximum=3650))
    thr.finish()

    track = root.choice("track", "offers", TRACK)

    nl = root.section("nlp")
    nlp = NlpSettings(model=nl.string("model", None), patterns=tuple(nl.strings("patterns")))
    for i, pattern in enumerate(nlp.patterns):
        if not Path(pattern).expanduser().is_file():
            raise nl.error(f"patterns[{i}]", f"no such file: {pattern}")
    nl.finish()

    adv = root.section("advice")
    advice = AdviceSettings(
        max_follow_ups=adv.integer("max_follow_ups", 1, minimum=0, maximum=20),
        cold_after=adv.integer("cold_after", 30, minimum=1, maximum=1000),
        region=(adv.string("region", "DE") or "DE").upper(),
    )
    adv.finish()

    acc = root.section("accounts")
    accounts = {str(name): _account(acc, str(name), folders) for name in acc.data}
    acc.used.update(map(str, acc.data))

    sto = root.section("store")
    store_path = sto.string("path", None)
    sto.finish()

    digest = _digest(root.section("digest"))
    smtp = _smtp(root.section("smtp")) if root.data.get("smtp") is not None else None
    root.used.add("smtp")
    schedule = _schedule(root.section("schedule"), accounts, silence)

    root.finish()
    return Settings(
        source=source,
        language=language,
        identity=IdentitySettings(addresses=tuple(a.strip() for a in addresses), domains=tuple(d.strip() for d in domains)),
        silence=silence,
        folders=folders,
        threading=threading,
        track=track,
        nlp=NlpSettings(model=nlp.model, patterns=tuple(str(Path(p).expanduser()) for p in nlp.patterns)),
        advice=advice,
        accounts=MappingProxyType(accounts),
        store=StoreSettings(path=store_path),
        schedule=schedule,
        path=path,
        digest=digest,
        smtp=smtp,
    )


def _folders(fol: _Reader, defaults: FolderSettings) -> FolderSettings:
    roles_raw = fol.get("roles", None)
    if roles_raw is None:
        roles: Mapping[str, FolderRole] = defaults.roles
    elif not isinstance(roles_raw, Mapping):
        raise fol.error("roles", f"expected a mapping of folder name to role, got {_kind(roles_raw)}")
    else:
        roles = MappingProxyType({str(name): _role(fol, f"roles.{name}", role) for name, role in roles_raw.items()})
    if "skip" in fol.data:
        skip = tuple(_role(fol, f"skip[{i}]", r) for i, r in enumerate(fol.strings("skip")))
    else:
        skip = defaults.skip
    fol.finish()
    return FolderSettings(roles=roles, skip=skip)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _secret_source(section: _Reader, wanted: str, username: str) -> SecretSource:
    """Where *section*'s secret comes from: its key *wanted* (``password_env``, ``keyring``,
    ``password_command`` or ``oauth2_token_command``), checked for type."""
    key = section.prefix + wanted
    if wanted == "password_env":
        return SecretSource(env=section.string("password_env", None), key=key)
    if wanted == "keyring":
        entry = section.get("keyring")
        if entry is True:
            return SecretSource(keyring=("ghostscan", username), key=key)
        if isinstance(entry, str) and entry:
            return SecretSource(keyring=(entry, username), key=key)
        raise section.error("keyring", "expected true (service 'ghostscan') or a service name")
    value = section.get(wanted)
    if not isinstance(value, (str, list)):
        raise section.error(wanted, f"expected a command (text or a list of arguments), got {_kind(value)}")
    return SecretSource(command=parse_command(value, key), key=key)


def _ca_file(section: _Reader) -> str | None:
    """*section*'s ``ca_file``, with ``~`` expanded; it must exist."""
    ca_file = section.string("ca_file", None)
    if not ca_file:
        return None
    if not Path(ca_file).expanduser().is_file():
        raise section.error("ca_file", f"no such file: {ca_file}")
    return str(Path(ca_file).expanduser())


def _account(parent: _Reader, name: str, folders: FolderSettings) -> AccountSettings:
    a = parent.section(name)
    host = a.string("host", None)
    if not host:
        raise a.error("host", "missing: the IMAP server's name, e.g. imap.gmail.com")
    username = a.string("username", None)
    if not username:
        raise a.error("username", "missing: the login name, usually your address")
    security = a.choice("security", "tls", SECURITY)
    if security == "none" and host not in _LOOPBACK:
        raise a.error("security", f"'none' sends the password in clear text; only allowed to {', '.join(_LOOPBACK)}")
    port = a.integer("port", 993 if security == "tls" else 143, minimum=1, maximum=65535)
    auth = a.choice("auth", "password", AUTH)
    sources = [k for k in ("password_env", "password_command", "keyring", "oauth2_token_command") if a.data.get(k) not in (None, False)]
    if auth == "xoauth2":
        if "oauth2_token_command" not in sources:
            raise a.error("oauth2_token_command", "missing: auth xoauth2 needs a command that prints a fresh access token")
        wanted = "oauth2_token_command"
    else:
        sources = [s for s in sources if s != "oauth2_token_command"]
        if len(sources) != 1:
            problem = "missing" if not sources else f"set only one of {', '.join(sources)}"
            raise a.error("password_env", f"{problem}: the password comes from password_env, password_command or keyring")
        wanted = sources[0]
    secret = _secret_source(a, wanted, username)
    for k in ("password_env", "password_command", "keyring", "oauth2_token_command"):
        a.used.add(k)
    ca_file = _ca_file(a)
    account = AccountSettings(
        name=name,
        host=host,
        username=username,
        secret=secret,
        port=port,
        security=security,
        auth=auth,
        ca_file=ca_file,
        verify_tls=a.boolean("verify_tls", True),
        timeout=a.number("timeout", 30.0, minimum=1, maximum=3600),
        folders=_folders(a.section("folders"), folders),
    )
    a.finish()
    return account


def _digest(d: _Reader) -> DigestSettings:
    to = d.strings("to")
    for i, address in enumerate(to):
        if not _EMAIL.match(address.strip()):
            raise d.error(f"to[{i}]", f"not an e-mail address: {address!r}")
    sender = d.string("from", None)
    if sender is not None and not _EMAIL.match(sender.strip()):
        raise d.error("from", f"not an e-mail address: {sender!r}")
    prefix = d.string("subject_prefix", DigestSettings.subject_prefix) or ""
    if "\r" in prefix or "\n" in prefix:
        raise d.error("subject_prefix", "must be one line")
    settings = DigestSettings(
        to=tuple(a.strip() for a in to),
        sender=sender.strip() if sender else None,
        skip_empty=d.boolean("skip_empty", False),
        subject_prefix=prefix.strip(),
    )
    d.finish()
    return settings


def _smtp(m: _Reader) -> SmtpSettings:
    host = m.string("host", None)
    if not host:
        raise m.error("host", "missing: the SMTP server's name, e.g. smtp.gmail.com")
    security = m.choice("security", "ssl", SMTP_SECURITY)
    if security == "tls":
        security = "ssl"
    if security == "none" and host not in _LOOPBACK:
        raise m.error("security", f"'none' sends the password and the digest in clear text; only allowed to {', '.join(_LOOPBACK)}")
    port = m.integer("port", {"ssl": 465, "starttls": 587}.get(security, 25), minimum=1, maximum=65535)
    username = m.string("username", None) or None
    sources = [k for k in ("password_env", "password_command", "keyring") if m.data.get(k) not in (None, False)]
    for k in ("password_env", "password_command", "keyring"):
        m.used.add(k)
    secret: SecretSource | None = None
    if username is None:
        if sources:
            raise m.error("username", f"missing: {sources[0]} is set, so the server wants a login name")
    elif len(sources) != 1:
        problem = "missing" if not sources else f"set only one of {', '.join(sources)}"
        raise m.error("password_env", f"{problem}: the password comes from password_env, password_command or keyring")
    else:
        secret = _secret_source(m, sources[0], username)
    ca_file = _ca_file(m)
    smtp = SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        secret=secret,
        ca_file=ca_file,
        verify_tls=m.boolean("verify_tls", True),
        timeout=m.number("timeout", 30.0, minimum=1, maximum=3600),
    )
    m.finish()
    return smtp
def _schedule(sch: _Reader, accounts: Mapping[str, AccountSettings], silence: SilenceSettings) -> ScheduleSettings:
    defaults = ScheduleSettings()
    poll_minutes = sch.integer("poll_minutes", defaults.poll_minutes, minimum=1, maximum=7 * 24 * 60)
    grace = sch.integer("misfire_grace_minutes", defaults.misfire_grace_minutes, minimum=1, maximum=7 * 24 * 60)
    names = sch.strings("accounts")
    for i, name in enumerate(names):
        if name not in accounts:
            known = ", ".join(sorted(accounts)) or "none configured"
            raise sch.error(f"accounts[{i}]", f"no account {name!r} in the 'accounts' section (accounts: {known})")
    sources = tuple(str(Path(p).expanduser()) for p in sch.strings("sources"))
    dig = sch.section("digest")
    cron = dig.string("cron", None)
    zone = dig.string("timezone", None)
    if cron is not None:
        # APScheduler is imported for this check only when a digest is scheduled.
        from ghostscan.schedule.daemon import cron_trigger

        try:
            cron_trigger(cron, zone or silence.timezone)
        except ValueError as exc:
            bad_zone = zone is not None and "time zone" in str(exc)
            raise dig.error("timezone" if bad_zone else "cron", str(exc)) from None
    elif zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise dig.error("timezone", f"unknown time zone {zone!r} (expected e.g. Europe/Berlin)") from None
    dig.finish()
    sch.finish()
    return ScheduleSettings(
        poll_minutes=poll_minutes,
        misfire_grace_minutes=grace,
        digest=DigestSchedule(cron=cron, timezone=zone),
        accounts=names,
        sources=sources,
    )


def _check_holidays(reader: _Reader, silence: SilenceSettings) -> None:
    import holidays  # imported here: only config validation and verdicts need it

    try:
        holidays.country_holidays(silence.country, years=2026)
    except NotImplementedError:
        raise reader.error("country", f"no public holidays known for country {silence.country!r}") from None
    if silence.subdivision is None:
        return
    try:
        holidays.country_holidays(silence.country, subdiv=silence.subdivision, years=2026)
    except NotImplementedError:
        raise reader.error("subdivision", f"{silence.subdivision!r} is not a subdivision of {silence.country}") from None


def find_config_file(explicit: str | None, env: Environment) -> Path | None:
    """Return the config file to read: ``--config``, ``$GHOSTSCAN_CONFIG``, or the XDG default.

    Returns None when nothing was named and the XDG default does not exist.
    """
    named = explicit or env.environ.get("GHOSTSCAN_CONFIG")
    if named:
        return Path(named).expanduser()
    default = env.config_dir / "config.yaml"
    return default if default.is_file() else None


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate a YAML config file; defaults when *path* is None.

    Raises:
        ConfigError: the file is missing, unreadable, not valid YAML, or invalid.
    """
    if path is None:
        return Settings()
    import yaml

    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", path=shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", path=shown) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"not valid YAML{where}: {problem}", path=shown) from None
    return settings_from_mapping(data, path=shown)
