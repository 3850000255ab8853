"""Output plumbing shared by subcommands: where a report goes, how progress is shown."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, TextIO

from ghostscan.cli.context import AppContext
from ghostscan.errors import OperationError
from ghostscan.pipeline import NoProgress, Progress
from ghostscan.reports.model import Report
from ghostscan.sources.base import Folder


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
