"""The front desk in a real headless Chromium: keyboard only, preview, PDF, mail, axe-core.

`leaflets serve` runs as a real process (waitress and its render workers) on a free 127.0.0.1
port, with a real SMTP server (aiosmtpd) behind it. One browser serves the whole module.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import attachments, pdf_text, squash
from leaflets.i18n.languages import compile_catalog
from live_server import ROOT, LiveServer, axe_source, chromium, http_status, wait_for_file
from mail_server import Inbox, free_port

#: axe-core impacts that fail a test (issue 17: serious or critical).
FAILING_IMPACTS = {"serious", "critical"}
SPANISH_BREAST = "/?topic=breast&lang=es"
PASSWORD = "front desk 2026"
CLINIC = "Example Community Clinic"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server on loopback that keeps what the app sends it, and its port."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    """The SMTP server's messages, emptied for each test."""
    smtp[0].messages.clear()
    smtp[0].recipients.clear()
    return smtp[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web")


def smtp_env(inbox_port: int) -> dict[str, str]:
    return {
        "LEAFLETS_SMTP_HOST": "127.0.0.1",
        "LEAFLETS_SMTP_PORT": str(inbox_port),
        "LEAFLETS_SMTP_SECURITY": "none",
        "LEAFLETS_MAIL_FROM": "leaflets@clinic.example",
        "LEAFLETS_WEB_PASSWORD": "",
    }


@pytest.fixture(scope="module")
def server(workdir: Path, smtp: tuple[Inbox, int]) -> Iterator[LiveServer]:
    """`leaflets serve` on loopback with a fresh output folder; mail goes to ``smtp``.

    The built-in example brand can never be approved, so mail needs --allow-unapproved, as
    `leaflets mail` does.
    """
    args = ["-o", str(workdir / "out"), "--allow-unapproved"]
    with LiveServer(args, smtp_env(smtp[1]), workdir / "serve.log") as live:
        yield live


@pytest.fixture(scope="module")
def browser(workdir: Path) -> Iterator[webdriver.Chrome]:
    """One Chromium for the whole module: starting one costs seconds."""
    with chromium(workdir / "downloads") as driver:
        driver.set_page_load_timeout(60)
        yield driver


@pytest.fixture
def page(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """The browser with no cookies (signed out, staff interface in English), one window."""
    browser.delete_all_cookies()
    yield browser
    main = browser.window_handles[0]
    for handle in browser.window_handles[1:]:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(main)


@pytest.fixture
def downloads(page: webdriver.Chrome, tmp_path: Path) -> Path:
    """A fresh folder that this test's downloads go to."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    page.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    return folder


def press(driver: webdriver.Chrome, *keys: str) -> None:
    """Keys as a person types them, to whatever has the focus."""
    ActionChains(driver).send_keys(*keys).perform()


def focused_id(driver: webdriver.Chrome) -> str:
    return str(driver.execute_script("return document.activeElement.id"))


def tab_to(driver: webdriver.Chrome, element_id: str, limit: int = 40) -> int:
    """Press Tab until ``element_id`` has the focus; the number of presses."""
    for count in range(1, limit + 1):
        press(driver, Keys.TAB)
        if focused_id(driver) == element_id:
            return count
    raise AssertionError(f"#{element_id} not reached with {limit} presses of Tab")


def wait(driver: webdriver.Chrome, condition: Callable[[webdriver.Chrome], Any], what: str) -> Any:
    return WebDriverWait(driver, 60, poll_frequency=0.1).until(condition, message=what)


def preview_loaded(driver: webdriver.Chrome) -> bool:
    return bool(
        driver.execute_script(
            "const img = document.getElementById('preview');"
            "return img !== null && img.complete && img.naturalWidth > 0;"
        )
    )


def heading_in(lang: str) -> Callable[[webdriver.Chrome], str | None]:
    """The chosen leaflet's title, once the page shows the leaflet in ``lang``."""

    def title(driver: webdriver.Chrome) -> str | None:
        spans = driver.find_elements(By.CSS_SELECTOR, f'#leaflet-heading span[lang="{lang}"]')
        return spans[0].text if spans else None

    return title


def spanish_title() -> str:
    return compile_catalog("es").gettext("Breast calcifications")


def pdf_lang_and_title(data: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(data))
    return str(reader.trailer["/Root"]["/Lang"]), str(
        reader.metadata.title if reader.metadata else ""
    )


def test_axe_reports_what_it_should(browser: webdriver.Chrome) -> None:
    """The checker itself: a page with an unlabelled field and grey-on-white text fails it."""
    browser.get(
        "data:text/html;charset=utf-8,<!doctype html><html lang=en><title>Bad</title>"
        "<main><h1>Bad</h1><p style='color:%23ccc;background:%23fff'>Faint text</p>"
        "<input type=text></main>"
    )
    found = {line.split(" ")[0] for line in serious_violations(run_axe(browser))}
    assert {"label", "color-contrast"} <= found


def test_keyboard_alone_finds_a_topic_picks_spanish_and_downloads(
    server: LiveServer, page: webdriver.Chrome, downloads: Path
) -> None:
    page.get(server.url + "/")
    tab_to(page, "q", limit=6)
    press(page, "calcificaciones mamarias")  # the Spanish title finds the English topic
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('#topic-list li'))"
        ".filter(li => !li.hidden).map(li => li.querySelector('input').id)"
    )
    assert shown[0] == "topic-breast", shown
    assert len(shown) < 7  # the search has hidden the topics it does not match
    tab_to(page, "topic-breast", limit=3)
    press(page, Keys.SPACE)
    press(page, Keys.TAB)
    assert focused_id(page).startswith("lang-")
    for _ in range(12):  # arrow keys move through the languages and choose as they go
        if focused_id(page) == "lang-es":
            break
        press(page, Keys.ARROW_DOWN)
    assert focused_id(page) == "lang-es"
    assert page.find_element(By.ID, "lang-es").is_selected()

    title = wait(page, heading_in("es"), "the Spanish leaflet is shown")
    assert title == spanish_title() != "Breast calcifications"
    wait(page, preview_loaded, "the preview image loads")
    width = page.execute_script("return document.getElementById('preview').naturalWidth")
    assert width >= 400
    assert "/es/breast" in page.find_element(By.ID, "preview").get_attribute("src")

    tab_to(page, "download-link", limit=20)
    press(page, Keys.ENTER)
    pdf = wait_for_file(downloads, ".pdf")
    assert pdf.name == f"{title}.pdf"  # the file name is the title in the patient's language
    assert pdf_lang_and_title(pdf.read_bytes()) == ("es", title)


def opens_spanish_breast_pdf(driver: webdriver.Chrome, before: set[str]) -> None:
    """A new tab shows /leaflets/es/breast.pdf; back to the page afterwards."""
    wait(driver, lambda d: set(d.window_handles) - before, "a new tab with the PDF")
    (tab,) = set(driver.window_handles) - before
    main = driver.current_window_handle
    driver.switch_to.window(tab)
    wait(driver, lambda d: urllib.parse.urlsplit(d.current_url).path.endswith(".pdf"), "a PDF")
    assert urllib.parse.urlsplit(driver.current_url).path == "/leaflets/es/breast.pdf"
    assert driver.execute_script("return document.contentType") == "application/pdf"
    driver.close()
    driver.switch_to.window(main)


@pytest.mark.parametrize("choose_topic", [Keys.ENTER, Keys.SPACE])
def test_keyboard_prints_a_spanish_leaflet_in_three_keys_after_the_topic(
    server: LiveServer, page: webdriver.Chrome, choose_topic: str
) -> None:
    """Issue 17, done when, by keyboard: after the topic, at most three keys print the Spanish
    leaflet. Enter on the topic goes on to the languages (Space stays put: then Tab does);
    "s" chooses Español (Spanish); Enter opens the PDF for printing; the browser's print
    command (Ctrl+P in its PDF viewer, which headless Chromium does not draw) is the last."""
    page.get(server.url + "/")
    tab_to(page, "q", limit=6)
    press(page, "calcificaciones mamarias")
    tab_to(page, "topic-breast", limit=3)
    press(page, choose_topic)
    assert page.find_element(By.ID, "topic-breast").is_selected()
    keys = [Keys.TAB] if choose_topic == Keys.SPACE else []
    keys += ["s", Keys.ENTER]
    before = set(page.window_handles)
    for key in keys[:-1]:
        press(page, key)
    assert focused_id(page) == "lang-es" and page.find_element(By.ID, "lang-es").is_selected()
    press(page, keys[-1])
    opens_spanish_breast_pdf(page, before)
    if choose_topic == Keys.ENTER:
        assert len(keys) + 1 <= 3  # "s", Enter, and the browser's print command
    else:
        assert len(keys) <= 3  # Tab, "s", Enter open it; the print command is a fourth
    # The page has followed too, and the hints say how (the script shows them).
    wait(page, heading_in("es"), "the Spanish leaflet is shown")
    assert page.find_element(By.ID, "language-keys").is_displayed()


def language_positions(driver: webdriver.Chrome) -> dict[str, list[float]]:
    return dict(
        driver.execute_script(
            "return Array.from(document.querySelectorAll('#language-list input')).map(i => {"
            "  const box = i.getBoundingClientRect(); return [i.id, [box.x, box.y]]; });"
        )
    )


def test_choosing_a_topic_moves_no_language(server: LiveServer, page: webdriver.Chrome) -> None:
    """The badges that a topic brings ("translation not reviewed") have their place already:
    a quick click on Español right after the topic lands on Español, not on Deutsch."""
    page.get(server.url + "/")
    before = language_positions(page)
    assert not page.find_elements(By.CSS_SELECTOR, "#language-list .badge")
    page.find_element(By.CSS_SELECTOR, 'label[for="topic-breast"]').click()
    wait(page, lambda d: d.find_elements(By.ID, "unreviewed-es"), "the badges for the topic")
    assert language_positions(page) == before


def test_spanish_leaflet_opens_for_printing_in_two_clicks_after_the_topic(
    server: LiveServer, page: webdriver.Chrome
) -> None:
    """Issue 17, done when: the topic, then Español (1), Print (2): the PDF opens in a new tab,
    where the browser's print command (3) prints it."""
    page.get(server.url + "/")
    page.find_element(By.CSS_SELECTOR, 'label[for="topic-breast"]').click()
    # The page updates itself for the topic (language badges); the address says when it is done.
    wait(page, lambda d: "topic=breast" in d.current_url, "the page shows the topic")
    before = set(page.window_handles)
    clicks = [
        page.find_element(By.CSS_SELECTOR, 'label[for="lang-es"]'),
        page.find_element(By.ID, "print-button"),
    ]
    for element in clicks:
        ActionChains(page).move_to_element(element).click().perform()
    wait(page, lambda d: set(d.window_handles) - before, "Print opens a new tab")
    (tab,) = set(page.window_handles) - before
    page.switch_to.window(tab)
    wait(page, lambda d: urllib.parse.urlsplit(d.current_url).path.endswith(".pdf"), "a PDF")
    assert urllib.parse.urlsplit(page.current_url).path == "/leaflets/es/breast.pdf"
    assert page.execute_script("return document.contentType") == "application/pdf"
    # The same address, fetched outside the browser: the Spanish leaflet, to be shown inline.
    with urllib.request.urlopen(page.current_url, timeout=60) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert pdf_lang_and_title(response.read()) == ("es", spanish_title())


def test_mail_form_sends_the_leaflet_to_a_real_smtp_server(
    server: LiveServer, page: webdriver.Chrome, inbox: Inbox, workdir: Path
) -> None:
    address = "jane.doe@example.org"
    page.get(server.url + SPANISH_BREAST)
    tab_to(page, "mail-email")
    press(page, address, Keys.TAB)
    assert focused_id(page) == "mail-name"
    press(page, "Jane", Keys.TAB)
    assert focused_id(page) == "mail-follow-up"
    press(page, "05212037")  # the date field as an en-US browser shows it: mm/dd/yyyy
    assert page.find_element(By.ID, "mail-follow-up").get_attribute("value") == "2037-05-21"
    press(page, Keys.ENTER)  # submits the form
    message = wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#messages p"), "a message")
    shown = message[0].text
    assert "j***@example.org" in shown and address not in page.page_source

    (mail,) = inbox.messages
    assert inbox.recipients == [address]
    subject = compile_catalog("es").gettext("Your information leaflets from %(clinic)s")
    assert mail["Subject"] == subject % {"clinic": CLINIC}
    ((name, data),) = attachments(mail)
    title = spanish_title()
    assert name == f"{title}.pdf"
    assert pdf_lang_and_title(data) == ("es", title)
    assert "21demayode2037" in squash(pdf_text(data))  # the patient's own follow-up date
    # What the server keeps: the audit line names the leaflet and the masked address only.
    audit = (workdir / "out.audit.jsonl").read_text(encoding="utf-8")
    mailed = [json.loads(line) for line in audit.splitlines() if '"mail"' in line]
    assert mailed[-1]["to"] == "j***@example.org" and mailed[-1]["lang"] == "es"
    assert address not in audit and address not in server.output()


def test_a_post_without_the_csrf_token_is_refused(
    server: LiveServer, page: webdriver.Chrome, inbox: Inbox
) -> None:
    """What another site could make the browser send: its cookie, but not the form's token."""
    page.get(server.url + SPANISH_BREAST)
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.get_cookies())
    assert cookie  # the session that holds the token
    token = page.find_element(By.ID, "mail-csrf").get_attribute("value")
    form = {"topic": "breast", "lang": "es", "email": "jane.doe@example.org"}
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    url = f"{server.url}/mail"
    assert http_status(url, urllib.parse.urlencode(form).encode(), headers) == 400
    assert http_status(url, urllib.parse.urlencode(form).encode()) == 400  # nor without a cookie
    assert inbox.messages == []
    # The same request with the token goes through: the token alone made the difference.
    signed = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
    assert http_status(url, signed, headers) == 303
    assert inbox.recipients == ["jane.doe@example.org"]


def test_off_loopback_staff_sign_in_first(
    page: webdriver.Chrome, workdir: Path, smtp: tuple[Inbox, int]
) -> None:
    env = {**smtp_env(smtp[1]), "LEAFLETS_WEB_PASSWORD": PASSWORD}
    args = ["-o", str(workdir / "out"), "-j", "1"]  # the leaflets the other server built
    with LiveServer(args, env, workdir / "serve-signin.log", host="0.0.0.0") as live:
        assert http_status(f"{live.url}/leaflets/es/breast.pdf") in (302, 303)
        page.get(live.url + SPANISH_BREAST)
        assert urllib.parse.urlsplit(page.current_url).path == "/signin"
        assert page.find_elements(By.ID, "picker") == []
        tab_to(page, "password")
        press(page, "not the password", Keys.ENTER)
        error = wait(page, lambda d: d.find_elements(By.ID, "password-error"), "a refusal")
        assert error[0].text and urllib.parse.urlsplit(page.current_url).path == "/signin"
        tab_to(page, "password")
        press(page, PASSWORD, Keys.ENTER)
        wait(page, lambda d: d.find_elements(By.ID, "picker"), "the page after signing in")
        assert page.find_element(By.ID, "lang-es").is_selected()  # back where it was asked
        assert page.find_elements(By.ID, "sign-out")


FOCUS_STYLE = """
const e = document.activeElement, s = getComputedStyle(e);
return {id: e.id || e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
        shadow: s.boxShadow};
"""


def test_focus_is_visible_on_every_control(server: LiveServer, page: webdriver.Chrome) -> None:
    page.get(server.url + SPANISH_BREAST)
    wait(page, preview_loaded, "the preview image loads")
    seen: list[dict[str, Any]] = []
    for _ in range(60):
        press(page, Keys.TAB)
        style = page.execute_script(FOCUS_STYLE)
        if style["id"] == "BODY" or (seen and style["id"] == seen[0]["id"]):
            break  # past the last control (to the browser's own bar), or round the page once
        seen.append(style)
    ids = [s["id"] for s in seen]
    assert {"q", "topic-breast", "lang-es", "print-link", "mail-send"} <= set(ids)
    hidden = [
        s["id"]
        for s in seen
        if (s["outline"] == "none" or s["width"] < 2) and s["shadow"] in ("none", "")
    ]
    assert hidden == [], f"no visible focus on {hidden}: {seen}"


def run_axe(driver: webdriver.Chrome) -> dict[str, Any]:
    """axe-core's results for the page that is open (every rule it runs by default)."""
    driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    results: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(done, (error) => done({error: String(error)}));"
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


@pytest.mark.parametrize(
    ("path", "ui_lang"),
    [
        ("/", "en"),
        (SPANISH_BREAST, "en"),  # the chosen leaflet: notices, preview, mail form
        (SPANISH_BREAST + "&ui=es", "es"),  # the staff interface in Spanish
        ("/leaflets/xx/breast.pdf", "en"),  # the 404 page
    ],
)
def test_axe_finds_no_serious_problem(
    server: LiveServer, page: webdriver.Chrome, path: str, ui_lang: str
) -> None:
    page.get(server.url + path)
    if "lang=" in path:
        wait(page, preview_loaded, "the preview image loads")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == ui_lang
    results = run_axe(page)
    assert serious_violations(results) == []
    version = results["testEngine"]["version"]
    print(
        f"\naxe-core {version} on {path}: {len(results['passes'])} rules passed, "
        f"{len(results['violations'])} minor/moderate, {len(results['incomplete'])} to review"
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_page_screenshot(server: LiveServer, page: webdriver.Chrome) -> None:
    """The README's picture, taken here: set LEAFLETS_SCREENSHOT=docs/front-desk.png to keep it."""
    page.get(server.url + SPANISH_BREAST)
    wait(page, preview_loaded, "the preview image loads")
    height = page.execute_script("return document.documentElement.scrollHeight")
    shot = page.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 0.625},
        },
    )
    data = base64.b64decode(shot["data"])
    assert png_size(data) == (800, round(height * 0.625))
    target = os.environ.get("LEAFLETS_SCREENSHOT")
    if target:
        (ROOT / target).write_bytes(data)
