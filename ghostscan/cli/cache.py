"""``ghostscan cache``: the local store of IMAP sync state and headers."""

from __future__ import annotations

import click

from ghostscan.cli.context import AppContext


@click.group()
def cache() -> None:
    """The local store: per-folder sync state and the header cache of IMAP accounts."""


@cache.command("info")
@click.pass_obj
def info(app: AppContext) -> int:
    """Show where the store is and how many messages of each account's folders it holds.

    Nothing is fetched from any server.
    """
    from ghostscan.pipeline import describe_store

    path = app.store_path()
    out = app.env.stdout
    out.write(f"store: {path}\n")
    if not path.exists():
        out.write("empty: nothing synced yet\n")
        return 0
    for account, folder, role, count in describe_store(path):
        out.write(f"{account}\t{folder}\t{role}\t{count} messages\n")
    return 0


@cache.command("rebuild")
@click.option(
    "-a",
    "--account",
    "accounts",
    multiple=True,
    metavar="NAME",
    help="Fetch this account again (repeatable). Default: every account in the config.",
)
@click.pass_obj
def rebuild(app: AppContext, accounts: tuple[str, ...]) -> int:
    """Delete the store and fetch the headers of the accounts afresh from the server.

    The way out of a corrupt store, or after a server moved: the store only holds
    what the server has, so nothing is lost. Accounts not named are fetched again
    on their next run. Read-only on the server, like every sync.
    """
    from ghostscan.pipeline import rebuild_store

    settings = app.settings()
    names = accounts or tuple(sorted(settings.accounts))
    if not names:
        raise click.UsageError("no IMAP accounts in the config: nothing to rebuild")
    for name in names:
        settings.account(name)
    # Deleting the store under a running sync would pull the file from under its feet.
    with app.store_lock() as path:
        for name, folders, messages in rebuild_store(path, names, settings, env=app.env):
            app.env.stdout.write(f"{name}: {messages} messages in {folders} folders cached in {path}\n")
    return 0
