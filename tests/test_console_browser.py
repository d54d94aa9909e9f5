"""The console in a real browser: Debian's headless Chromium driven by Playwright. An
operator logs in, reads the dashboard, finds an account and sees its timeline, opens a file
with a finding and sees it at its segment, resolves a work item; a viewer gets no action; a
supplier sees only its own rows. Each test saves screenshots at 1280 px and at phone width
under the pytest temporary folder (look at them: `pytest --basetemp=/tmp/console-shots`).

Skipped, saying why, when /usr/bin/chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_support import BAD_FILE, PASSWORD, Store, console_app, swept_store

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"wide": 1280, "phone": 390}

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install '.[test]')"
)
if shutil.which(CHROMIUM) is None and os.environ.get("EBT_REQUIRE_BROWSER"):
    pytest.fail(f"{CHROMIUM} is missing and EBT_REQUIRE_BROWSER is set (.ci/run sets it)")
if shutil.which(CHROMIUM) is None:
    pytest.skip(
        f"{CHROMIUM} is missing: `apt-get install -y chromium` (CI's .ci/run does)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("browser-store")
    return swept_store(folder, f"sqlite:///{folder / 'ebt.db'}")


@pytest.fixture(scope="module")
def base_url(store: Store) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(console_app(store), host="127.0.0.1", port=0, log_level="warning")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Person:
    """One user at one screen width, with a page to act on and screenshots to keep."""

    def __init__(self, browser: Any, base_url: str, folder: Path, width: str) -> None:
        self.page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
        self.base_url = base_url
        self.folder = folder
        self.width = width

    def go(self, path: str) -> Any:
        self.page.goto(self.base_url + path)
        return self.page

    def log_in(self, name: str) -> None:
        self.go("/login")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.page.keyboard.press("Enter")  # by keyboard, as a person at a desk would
        self.page.wait_for_url("**/today")

    def shot(self, name: str) -> Path:
        path = self.folder / f"{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(params=list(WIDTHS))
def person(
    request: pytest.FixtureRequest, browser: Any, base_url: str, tmp_path: Path
) -> Iterator[Person]:
    made = Person(browser, base_url, tmp_path, request.param)
    yield made
    made.page.close()


def test_an_operator_logs_in_and_reads_the_dashboard(person: Person) -> None:
    person.log_in("otto")
    page = person.page
    assert page.locator("h1").first.inner_text().startswith("Today")
    assert page.locator("svg.chart").count() == 3
    cards = page.locator(".card")
    assert "Files in today" in cards.nth(0).inner_text() and "5" in cards.nth(0).inner_text()
    assert "A13" in page.locator("text=Rejects over the last").locator("..").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    person.shot("today")


def test_an_analyst_finds_an_account_and_sees_its_timeline(person: Person) -> None:
    person.log_in("vera")
    page = person.go("/accounts")
    page.select_option("select[name=by]", "name")
    page.fill("input[name=q]", "margaret l thibodeau")
    page.click("button:has-text('Find')")
    page.wait_for_url("**/accounts/00412345678")
    timeline = page.locator("svg.timeline")
    assert timeline.is_visible()
    assert timeline.locator("g.period.standard-offer.active").count() == 1
    assert timeline.locator("g.period.ces.pending").count() == 1  # set apart in its lane
    assert "PINE TREE POWER SUPPLY" in page.locator("table").first.inner_text()
    person.shot("account")


def test_a_file_with_a_finding_shows_it_at_its_segment(person: Person) -> None:
    person.log_in("vera")
    page = person.go("/files?direction=in")
    page.click(f"text={BAD_FILE}")
    flagged = page.locator("ol.listing li.flagged")
    assert flagged.count() == 1
    assert flagged.locator("code b").inner_text() == "DTM"
    assert flagged.locator("mark").inner_text() == "20261131"
    assert "ELEMENT-DATE" in flagged.locator(".finding").inner_text()
    assert "AK9 R" in page.locator("#h-acks").locator("..").inner_text()
    flagged.scroll_into_view_if_needed()
    person.shot("file")


def test_an_operator_resolves_a_work_item(person: Person) -> None:
    person.log_in("otto")
    page = person.go("/workitems")
    open_items = page.locator("tbody tr")
    before = open_items.count()
    open_items.first.locator("a").first.click()
    page.fill("#note", f"Read taken by the field crew ({person.width}).")
    page.click("button:has-text('Resolve')")
    assert "resolved." in page.locator(".flash").inner_text()
    assert "Resolved by otto" in page.locator("main").inner_text()
    person.shot("workitem-resolved")
    page = person.go("/workitems")
    after = page.locator("tbody tr").count() if before > 1 else 0
    assert after == before - 1


def test_a_viewer_gets_no_action(person: Person) -> None:
    person.log_in("vera")
    page = person.go("/workitems?status=all")
    page.locator("tbody tr a").first.click()
    assert page.locator("form[action$='/resolve']").count() == 0
    assert page.locator("button:has-text('Resolve')").count() == 0
    page = person.go("/files?direction=out")
    page.locator("tbody tr a").first.click()
    assert page.locator("button:has-text('Resend')").count() == 0
    person.shot("viewer-sent-file")


def test_a_supplier_sees_only_its_own_rows(person: Person) -> None:
    person.log_in("pine")
    page = person.go("/files")
    partners = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert partners == ["081234567"]
    assert page.locator("nav >> text=Work items").count() == 0
    person.shot("supplier-files")
    page = person.go("/accounts/00398765432")
    assert page.locator("h1").inner_text() == "Not found"
    person.shot("supplier-404")
    page = person.go("/today")
    assert "Open work items" not in page.locator("main").inner_text()
    person.shot("supplier-today")


def test_the_decision_and_rules_diagrams_draw(person: Person) -> None:
    person.log_in("vera")
    page = person.go("/decisions?reference=ACA-RIN-20261105-0003")
    page.wait_for_url("**/decisions/*")
    diagram = page.locator("svg.diagram")
    assert diagram.locator("g.outcome.lit").count() == 1
    assert "reject A13" in diagram.locator("g.outcome.lit").text_content()
    assert diagram.locator("g.step.lit").count() == page.locator("ol.steps li").count()
    person.shot("decision")
    page = person.go("/rules/move/1.0")
    assert page.locator("svg.diagram g.step").count() > 3
    person.shot("rules-move")


def test_an_operator_replays_a_range_of_days_from_the_decisions_page(person: Person) -> None:
    person.log_in("otto")
    page = person.go("/decisions")
    form = page.locator('form[action="/decisions/replay"]')
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-11-30")
    form.locator("select[name=rules]").select_option("now")
    form.locator("button").click()
    page.wait_for_url("**/decisions/replay?*")
    assert "replayed under the rules now" in page.locator("main").inner_text()
    pairs = page.locator("table").last
    assert "Outcome pairs" in pairs.locator("caption").inner_text()
    assert pairs.locator("tbody tr").count() >= 2  # accepted and rejected outcomes at least
    person.shot("replay")
