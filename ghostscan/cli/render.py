"""Output plumbing shared by subcommands: where a report goes, how progress is shown."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TextIO

from ghostscan.cli.context import AppContext
from ghostscan.errors import OperationError
from ghostscan.pipeline import NoProgress, Progress
from ghostscan.sources.base import Folder

if TYPE_CHECKING:
    from ghostscan.pipeline import ScanResult
    from ghostscan.reports.model import Report
    from ghostscan.store.snapshots import KeptReports


class OutputError(OperationError):
    """The report file cannot be written."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


@contextlib.contextmanager
def open_output(app: AppContext, path: str | None) -> Iterator[TextIO]:
    """Yield stdout, or *path* opened for writing (UTF-8; ``-`` means stdout).

    Raises:
        OutputError: the file cannot be created.
    """
    if path is None or path == "-":
        yield app.env.stdout
        return
    try:
        fh = open(Path(path).expanduser(), "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    with fh:
        yield fh


class TerminalProgress:
    """Per-folder progress on stderr, drawn by rich; used only on a terminal."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import Progress as RichProgress, SpinnerColumn, TextColumn

        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.completed} messages"),
            console=Console(file=stream),
            transient=True,
        )
        self._task = None

    def __enter__(self) -> "TerminalProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def folder(self, folder: Folder, index: int, total: int) -> None:
        description = f"[{index + 1}/{total}] {folder.name} ({folder.role.value})"
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(description, total=None)

    def advance(self, messages: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, messages)

    def done(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None


@contextlib.contextmanager
def progress_for(app: AppContext) -> Iterator[Progress]:
    """Progress on a terminal; nothing under cron, in pipes, or with --quiet."""
    if app.verbosity < 0 or not app.env.stderr_isatty:
        yield NoProgress()
        return
    with TerminalProgress(app.env.stderr) as progress:
        yield progress


def write_report(report: Report, out: TextIO, *, fmt: str, explain: bool, color: bool) -> None:
    """Render *report* in *fmt* (table, json, csv) to *out*."""
    if fmt == "json":
        from ghostscan.reports.json_report import write_json

        write_json(report, out, explain=explain)
    elif fmt == "csv":
        from ghostscan.reports.csv_report import write_csv

        write_csv(report, out)
    else:
        from rich.console import Console

        from ghostscan.reports.terminal import render_terminal

        console = Console(file=out, force_terminal=color, no_color=not color, width=None if color else 160, soft_wrap=False)
        render_terminal(report, console, explain=explain)


def write_audit_report(result: "ScanResult", report: Callable[[], Report], out: TextIO, *, fmt: str, explain: bool, color: bool, shown: str) -> None:
    """Write the audit of *result* in *fmt* to *out*: the bytes `write_report` writes.

    A re-run of an unchanged account on the same day writes them as an earlier run with
    the same format and options kept them (`ScanResult.reports`), and *report* is never
    called: rendering 16,000 conversations costs more than the rest of such a run.

    Args:
        result: the scan.
        report: builds the report of *result* with the filters *shown* names.
        out: where it goes.
        fmt, explain, color: as for `write_report`.
        shown: the filters (``--verdict``, ``--since``) as a string, part of what
            names a kept report.
    """
    kept = result.reports
    if fmt == "json":
        from ghostscan.reports.json_report import write_json_head, write_json_rest

        # The head holds the moment of the audit, to the second; what follows depends
        # on the day alone, which the kept report's key holds.
        write_json_head(result.source, result.as_of, out)
        write_kept(kept, f"json|explain={explain}|{shown}", out, lambda o: write_json_rest(report(), o, explain=explain))
        return
    variant: str | None
    if fmt == "csv":
        variant = f"csv|{shown}"
    elif color:
        variant = None  # a terminal's width and colours are its own
    else:
        # Without a terminal rich writes 160 columns without colour (see `write_report`);
        # the summary line names the day of ``as_of``, the table its characters.
        variant = f"table|explain={explain}|{shown}|as_of={result.as_of.date().isoformat()}|encoding={getattr(out, 'encoding', None)}"
    write_kept(kept, variant, out, lambda o: write_report(report(), o, fmt=fmt, explain=explain, color=color))


def write_kept(kept: "KeptReports | None", variant: str | None, out: TextIO, render: Callable[[TextIO], None]) -> None:
    """Write the report kept as *variant* to *out*, else *render* it there and keep it.

    Without *kept* (a local mailbox, or a result that is not the account's snapshot) or
    without a *variant* (output that depends on more than a variant can name), the
    report is only rendered.

    Raises:
        StoreError: the store cannot be read or written.
    """
    if kept is None or variant is None:
        render(out)
    elif not kept.copy_to(variant, out):
        with kept.recording(variant, out) as recorder:
            render(recorder)
