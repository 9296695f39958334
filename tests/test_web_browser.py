"""The front desk in a real headless Chromium: keyboard only, preview, PDF, mail, axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from live_server import axe_source, chromium

#: axe-core impacts that fail a test (issue 17: serious or critical).
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    """One Chromium for the whole module: starting one costs seconds."""
    with chromium(downloads) as driver:
        driver.set_page_load_timeout(60)
        yield driver


def run_axe(driver: webdriver.Chrome) -> dict[str, Any]:
    """axe-core's results for the page that is open (WCAG 2.x A and AA rules, and best practice)."""
    driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    results: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        "  .then(done, (error) => done({error: String(error)}));"
    )
    assert "error" not in results, results.get("error")
    return results


def serious_violations(results: dict[str, Any]) -> list[str]:
    """One line per serious or critical violation: rule, impact, and where."""
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} {rule['help']}"
        for rule in results["violations"]
        if rule["impact"] in FAILING_IMPACTS
        for node in rule["nodes"]
    ]


def test_axe_reports_what_it_should(browser: webdriver.Chrome) -> None:
    """The checker itself: a page with an unlabelled field and grey-on-white text fails it."""
    browser.get(
        "data:text/html;charset=utf-8,<!doctype html><html lang=en><title>Bad</title>"
        "<main><h1>Bad</h1><p style='color:%23ccc;background:%23fff'>Faint text</p>"
        "<input type=text></main>"
    )
    found = {line.split(" ")[0] for line in serious_violations(run_axe(browser))}
    assert {"label", "color-contrast"} <= found
