"""``ghostscan config``: check the configuration."""

from __future__ import annotations

import click

from ghostscan.cli.context import AppContext


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@click.pass_obj
def check(app: AppContext) -> int:
    """Validate the config file and print the settings in effect.

    Exits 0 when the config is valid (or none is used), 3 with the offending key named
    when it is not.
    """
    settings = app.settings()
    out = app.env.stdout
    out.write(f"config: {settings.path or 'none (defaults)'}: ok\n")
    out.write(f"source: {settings.source or '-'}\n")
    out.write(f"language: {settings.language}\n")
    addresses = ", ".join(settings.identity.addresses) or "learned from Sent folders"
    out.write(f"identity.addresses: {addresses}\n")
    out.write(f"identity.domains: {', '.join(settings.identity.domains) or 'from the addresses'}\n")
    s = settings.silence
    region = f"{s.country}-{s.subdivision}" if s.subdivision else s.country
    out.write(f"silence: {s.business_days} business days, holidays of {region}, days in {s.timezone}\n")
    roles = ", ".join(f"{name} = {role.value}" for name, role in settings.folders.roles.items()) or "-"
    out.write(f"folders.roles: {roles}\n")
    out.write(f"folders.skip: {', '.join(r.value for r in settings.folders.skip) or '-'}\n")
    out.write(f"threading.window_days: {settings.threading.window_days}\n")
    d = settings.digest
    out.write(f"digest: from {d.sender or 'the first own address'} to {', '.join(d.to) or 'the From address'}{', skip when empty' if d.skip_empty else ''}\n")
    m = settings.smtp
    if m is None:
        out.write("smtp: - (needed only for digest --send)\n")
    else:
        login = f"login {m.username}, password from {m.secret.describe()}" if m.username and m.secret else "no login"
        out.write(f"smtp: {m.host}:{m.port} ({m.security}), {login}\n")
    plan = settings.schedule
    digest = f"at {plan.digest.cron!r} {plan.digest.timezone or s.timezone}" if plan.digest.cron else "none"
    out.write(f"schedule: poll every {plan.poll_minutes} min, digest {digest}\n")
    return 0
