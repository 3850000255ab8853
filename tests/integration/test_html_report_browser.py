"""The HTML audit report in a real browser: headless Chromium opens the report of samples/.

One message is added (in a copy of the mailbox under tmp_path) whose subject and
recipient name are markup; the report must show them as text and never run them.
Screenshots (desktop and phone width) and a PDF print are kept in
``build/test-artifacts/`` (or ``$GHOSTSCAN_TEST_ARTIFACTS``) to look at.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from servers import missing_server
from servers.chromium import Chromium, find_chromium

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "mailbox"
SUBJECT = "<img src=x onerror=alert(1)>"
NAME = "<script>alert(2)</script>"

INJECTED = f"""\
Message-ID: <injected-offer-1@studio-berg.de>
Date: Mon, 02 Nov 2026 10:15:00 +0100
From: Anna Berg <anna@studio-berg.de>
To: "{NAME}" <kontakt@evil-example.de>
Subject: {SUBJECT}
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Guten Tag,

anbei unser Angebot für die neue Website: 4.800 EUR netto.

Viele Grüße
Anna Berg
"""

# Run in the page: what a reader of the report would see.
PAGE_FACTS = """JSON.stringify({
  charts: Array.from(document.querySelectorAll('svg.chart')).map(s => s.closest('figure').id),
  chartText: Array.from(document.querySelectorAll('svg.chart')).every(s => s.getBoundingClientRect().width > 200),
  figures: Array.from(document.querySelectorAll('#figures li')).map(li => li.innerText.replace(/\\s+/g, ' ').trim()),
  rows: document.querySelectorAll('#open tbody tr').length,
  verdicts: Array.from(document.querySelectorAll('#open tbody tr')).map(tr => tr.dataset.verdict),
  subjects: Array.from(document.querySelectorAll('#open td.subject')).map(td => td.firstChild.textContent.trim()),
  customers: Array.from(document.querySelectorAll('#open td.who')).map(td => td.firstChild.textContent.trim()),
  images: document.images.length,
  scripts: document.scripts.length,
  injected: window.__injected || [],
  controlsShown: !document.getElementById('controls').hidden,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  resources: performance.getEntriesByType('resource').map(e => e.name),
  height: document.documentElement.scrollHeight
})"""

# Replaces alert & co. before the page's own code runs, so a successful injection is
# recorded instead of blocking the page with a dialog.
TRAP = "window.__injected = []; ['alert', 'confirm', 'prompt'].forEach(n => { window[n] = (m) => window.__injected.push(n + ':' + m); });"


def artifacts_dir() -> Path:
    path = Path(os.environ.get("GHOSTSCAN_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        missing_server("chromium is not installed: sh scripts/test.sh installs it (apt-get install chromium)")
    profile = Path(tempfile.mkdtemp(prefix="gs-chromium-"))
    browser = Chromium.start(binary, profile)
    try:
        yield browser
    finally:
        browser.stop()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def report_file(tmp_path, run) -> Path:
    mailbox = tmp_path / "mailbox"
    shutil.copytree(SAMPLES, mailbox)
    (mailbox / ".Sent" / "cur" / "1793610900.M1P1.studio-berg:2,S").write_text(INJECTED, encoding="utf-8")
    out = tmp_path / "report.html"
    result = run("audit", "--source", str(mailbox), "--as-of", "2026-11-20", "--format", "json", "--html", str(out))
    assert result.code == 0, result.stderr
    assert any(c["subject"] == SUBJECT for c in json.loads(result.stdout)["conversations"])
    return out


class Page:
    def __init__(self, browser: Chromium):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": TRAP})

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def open(self, url: str, *, width: int, height: int, mobile: bool, scripts: bool = True) -> dict[str, Any]:
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.send("Emulation.setScriptExecutionDisabled", {"value": not scripts})
        mark = len(self.browser.events)
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for_event("Page.loadEventFired", after=mark)
        self.send("Emulation.setScriptExecutionDisabled", {"value": False})
        facts = json.loads(self.send("Runtime.evaluate", {"expression": PAGE_FACTS, "returnByValue": True})["result"]["value"])
        self.send("Emulation.setScriptExecutionDisabled", {"value": not scripts})
        return facts

    def screenshot(self, path: Path, facts: dict[str, Any], width: int, mobile: bool) -> None:
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": facts["height"], "deviceScaleFactor": 1, "mobile": mobile})
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.write_bytes(base64.b64decode(data))


def requests(browser: Chromium) -> list[str]:
    return [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]


def test_report_opens_offline_with_charts_and_table_and_runs_no_injected_markup(chromium, report_file):
    page = Page(chromium)
    url = report_file.as_uri()
    artifacts = artifacts_dir()

    desktop = page.open(url, width=1280, height=900, mobile=False)
    page.screenshot(artifacts / "html-report-desktop.png", desktop, 1280, False)
    assert desktop["charts"] == ["chart-months", "chart-reply-days", "chart-silent"]
    assert desktop["chartText"]
    # samples/ has 12 open conversations; the injected offer is the 13th (silent).
    assert desktop["rows"] == 13
    assert desktop["verdicts"].count("silent") == 7
    assert desktop["figures"][:2] == ["23 Offers sent", "9 Answered"]
    assert desktop["figures"][2] == "7 Silent"
    # The markup arrived as text, in the table and nowhere as an element.
    assert SUBJECT in desktop["subjects"]
    assert NAME in desktop["customers"]
    assert desktop["images"] == 0
    assert desktop["scripts"] == 1
    assert desktop["injected"] == []
    # Our own few lines of script ran (they show the filter); nothing else was fetched.
    assert desktop["controlsShown"]
    assert desktop["resources"] == []
    assert requests(chromium) == [url]

    phone = page.open(url, width=390, height=844, mobile=True)
    page.screenshot(artifacts / "html-report-phone.png", phone, 390, True)
    assert phone["rows"] == 13 and len(phone["charts"]) == 3
    assert phone["overflow"] <= 0, "the page scrolls sideways on a phone"
    assert phone["injected"] == []

    pdf = page.send("Page.printToPDF", {"printBackground": False})["data"]
    (artifacts / "html-report-print.pdf").write_bytes(base64.b64decode(pdf))
    assert base64.b64decode(pdf).startswith(b"%PDF")

    assert all(u == url for u in requests(chromium)), requests(chromium)


def test_report_reads_without_javascript(chromium, report_file):
    page = Page(chromium)
    facts = page.open(report_file.as_uri(), width=1280, height=900, mobile=False, scripts=False)
    assert facts["rows"] == 13 and len(facts["charts"]) == 3
    # The filter needs script, so without it the controls stay hidden.
    assert not facts["controlsShown"]
    assert facts["injected"] == []
