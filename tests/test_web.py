"""leaflets serve, through Flask's test client: routes, headers, CSRF, sign-in, notices, audit."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from test_html_page import _vnu

from conftest import ROOT, edit_po, run
from leaflets.content.brand import load_brand
from leaflets.content.models import DEFAULT_BRAND
from leaflets.content.topics import load_topic
from leaflets.i18n.po_files import catalog_bytes, read_catalog
from leaflets.web import ui_text
from leaflets.web.app import CONTENT_SECURITY_POLICY
from leaflets.web.auth import password_matches
from leaflets.web.leaflet_files import content_disposition
from leaflets.web.renders import RenderPool
from leaflets.web.server import OneLineFormatter
from leaflets.web.ui_text import ui_msgids, ui_po_path, ui_template_path
from web_support import csrf_token, parse, web_app

#: Mail settings that make the form appear (nothing is sent by the tests that use them).
LOOPBACK_MAIL = {
    "LEAFLETS_SMTP_HOST": "127.0.0.1",
    "LEAFLETS_SMTP_SECURITY": "none",
    "LEAFLETS_MAIL_FROM": "desk@clinic.example",
}


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    """One render worker for the module (it lives as long as a server would)."""
    workers = RenderPool(1)
    yield workers
    workers.close()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web") / "output"


@pytest.fixture(scope="module")
def app(out_dir: Path, pool: RenderPool) -> Iterator[Flask]:
    with web_app(out_dir, pool) as made:
        yield made


def audit_lines(out_dir: Path) -> list[dict[str, object]]:
    path = out_dir.with_name("output.audit.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_healthz_and_security_headers(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == "ok"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_is_labelled_semantic_and_has_no_inline_code(app: Flask) -> None:
    response = app.test_client().get("/?topic=breast&lang=es")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert page.startswith('<!doctype html>\n<html lang="en">')
    found = parse(page)
    assert found.controls, "no form controls found"
    unlabelled = [c for c in found.controls if c.get("id") not in found.labelled]
    assert not unlabelled
    assert not found.inline  # no style attribute, inline script, event handler or <style>
    # Native names carry their own language (and direction).
    assert ("es", "Español") in found.lang_spans
    assert ("ar", "العربية") in found.lang_spans
    assert 'lang="ar" dir="rtl"' in page
    for static in ("/static/app.css", "/static/app.js"):
        assert static in page
        assert app.test_client().get(static).status_code == 200
    assert "http://" not in page and "https://" not in page  # nothing from elsewhere


def test_search_finds_a_topic_by_its_title_in_another_language(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/?q=calcificaciones+pr%C3%B3stata").get_data(as_text=True)
    assert 'id="topic-prostate"' in page and 'id="topic-breast"' not in page
    assert '<span class="found" lang="es">' in page
    page = client.get("/?q=PROSTATA").get_data(as_text=True)  # accents and case ignored
    assert 'id="topic-prostate"' in page
    page = client.get("/?q=MAMMOGRAM").get_data(as_text=True)  # English, any case
    assert 'id="topic-breast-follow-up"' in page and 'id="topic-prostate"' not in page
    page = client.get("/?q=zzzz").get_data(as_text=True)
    assert 'id="no-match"' in page


def test_the_page_says_before_printing_that_a_leaflet_is_not_approved(app: Flask) -> None:
    page = app.test_client().get("/?topic=breast&lang=es").get_data(as_text=True)
    assert "Not approved for patient use: the built-in example clinic cannot hold approvals" in page
    assert "Translation not reviewed by a qualified medical translator" in page
    assert 'id="unreviewed-es"' in page and 'id="unreviewed-en"' not in page
    assert "Approved for patient use" not in page
    # The example brand can hold no approval: e-mail is off unless the server allows it.
    assert 'id="mail-form"' not in page and 'id="mail-off"' in page


def test_pdf_route_serves_the_built_leaflet(app: Flask, out_dir: Path) -> None:
    client = app.test_client()
    response = client.get("/leaflets/es/breast.pdf?paper=a4")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == 'inline; filename="Calcificaciones mamarias.pdf"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert reader.metadata is not None and reader.metadata.title == "Calcificaciones mamarias"
    # Through the build's own file and cache: the same bytes are in the output folder.
    assert (out_dir / "es" / "breast.pdf").read_bytes() == response.get_data()
    download = client.get("/leaflets/es/breast.pdf?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment; ")
    # A viewer's later range request, and a HEAD, are the same handout: no new line.
    assert client.get("/leaflets/es/breast.pdf", headers={"Range": "bytes=100-"}).status_code == 206
    assert client.head("/leaflets/es/breast.pdf").status_code == 200
    lines = audit_lines(out_dir)[-2:]
    assert [line["action"] for line in lines] == ["print", "download"]
    assert lines[0]["topic"] == "breast" and lines[0]["lang"] == "es"
    assert lines[0]["variant"] == {"brand": "example", "paper": "a4", "size": "standard"}
    assert "to" not in lines[0]


def test_file_names_in_the_patients_language() -> None:
    """RFC 6266: an ASCII name for old clients, the title itself in filename* (RFC 5987)."""
    assert content_disposition("es", "prostate", download=True) == (
        'attachment; filename="Calcificaciones de la prostata.pdf"; '
        "filename*=UTF-8''Calcificaciones%20de%20la%20pr%C3%B3stata.pdf"
    )
    arabic = content_disposition("ar", "breast", download=False)
    assert arabic.startswith("inline; filename=\"breast-ar.pdf\"; filename*=UTF-8''%D8")


def test_preview_is_a_png_of_page_one(app: Flask) -> None:
    response = app.test_client().get("/preview/es/breast.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = response.get_data()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(image[16:20], "big") == 800  # width in the IHDR chunk


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/leaflets/xx/breast.pdf", 404, "There are no leaflets in that language."),
        ("/leaflets/es/nope.pdf", 404, "There is no leaflet on that topic."),
        ("/preview/es/nope.png", 404, "There is no leaflet on that topic."),
        ("/nothing-here", 404, "There is no such page."),
        ("/?topic=nope", 404, "There is no leaflet on that topic."),
        ("/leaflets/es/breast.pdf?paper=a5", 400, "Paper must be a4 or letter."),
        ("/leaflets/es/breast.pdf?size=huge", 400, "Size must be large"),
        ("/leaflets/es/breast.pdf?brand=nope", 400, "There is no such brand on this server."),
        ("/?paper=%00", 400, "Paper must be a4 or letter."),
    ],
)
def test_bad_requests_get_a_helpful_page(app: Flask, url: str, status: int, text: str) -> None:
    response = app.test_client().get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in page and "Traceback" not in page
    if status == 404 and "/leaflets/" in url:
        assert "<code>breast</code>" in page and "<code>es</code>" in page  # what there is


def test_a_post_without_its_csrf_token_is_refused(app: Flask) -> None:
    response = app.test_client().post(
        "/mail", data={"topic": "breast", "lang": "es", "email": "jane@example.org"}
    )
    assert response.status_code == 400
    assert "Form refused" in response.get_data(as_text=True)


def test_the_staff_page_in_spanish(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/?topic=breast&lang=es", headers={"Accept-Language": "es-ES,es;q=0.9"})
    text = page.get_data(as_text=True)
    assert text.startswith('<!doctype html>\n<html lang="es">')
    assert "Elegir un folleto" in text and "Imprimir" in text
    assert "traducción no revisada" in text
    assert '<label for="topic-prostate">Calcificaciones de la próstata' in text  # titles too
    assert "No aprobado para pacientes" in text
    # ?ui= overrides the browser, and the choice stays for the session.
    assert '<html lang="en">' in client.get("/?ui=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    error = client.get("/leaflets/xx/breast.pdf?ui=es").get_data(as_text=True)
    assert "No hay folletos en ese idioma." in error


def test_sign_in_is_required_when_a_password_is_set(out_dir: Path, pool: RenderPool) -> None:
    with web_app(out_dir, pool, password="correct horse") as app:
        client = app.test_client()
        response = client.get("/leaflets/es/breast.pdf")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin?next=/leaflets/es/breast.pdf")
        assert client.get("/healthz").status_code == 200  # open for monitoring
        token = csrf_token(client, "/signin", "sign-in-csrf")
        wrong = client.post("/signin", data={"csrf_token": token, "password": "wrong"})
        assert wrong.status_code == 401
        right = client.post(
            "/signin", data={"csrf_token": token, "password": "correct horse", "next": "/?q=x"}
        )
        assert right.status_code == 303 and right.headers["Location"] == "/?q=x"
        cookie = right.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        assert client.get("/").status_code == 200


def test_five_failed_sign_ins_lock_the_address_out(out_dir: Path, pool: RenderPool) -> None:
    with web_app(out_dir, pool, password="correct horse") as app:
        client = app.test_client()
        token = csrf_token(client, "/signin", "sign-in-csrf")
        for _ in range(5):
            assert (
                client.post("/signin", data={"csrf_token": token, "password": "no"}).status_code
                == 401
            )
        locked = client.post("/signin", data={"csrf_token": token, "password": "correct horse"})
        assert locked.status_code == 429  # even the right password, for 15 minutes
        assert "Wait 15 minutes" in locked.get_data(as_text=True)
        assert client.get("/").status_code == 302  # still signed out
        other = app.test_client()  # another address is not locked out
        other_token = csrf_token(other, "/signin", "sign-in-csrf")
        allowed = other.post(
            "/signin",
            data={"csrf_token": other_token, "password": "correct horse"},
            environ_base={"REMOTE_ADDR": "127.0.0.2"},
        )
        assert allowed.status_code == 303


def test_https_setting_marks_the_cookie_secure(out_dir: Path, pool: RenderPool) -> None:
    with web_app(out_dir, pool, password="correct horse", https=True) as app:
        client = app.test_client()
        token = csrf_token(client, "/signin", "sign-in-csrf")
        response = client.post("/signin", data={"csrf_token": token, "password": "correct horse"})
        assert "Secure" in response.headers["Set-Cookie"]


def test_no_open_redirect_after_sign_in(out_dir: Path, pool: RenderPool) -> None:
    with web_app(out_dir, pool, password="correct horse") as app:
        client = app.test_client()
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            token = csrf_token(client, "/signin", "sign-in-csrf")  # a new session each time
            response = client.post(
                "/signin", data={"csrf_token": token, "password": "correct horse", "next": target}
            )
            assert response.headers["Location"] == "/"


def test_passwords_are_compared_whole() -> None:
    assert password_matches("correct horse", "correct horse")
    assert not password_matches("correct hors", "correct horse")
    assert not password_matches("", "correct horse")


def test_a_recorded_approval_is_shown_and_only_where_it_holds(
    tmp_path: Path, out_dir: Path, pool: RenderPool
) -> None:
    """Approvals come from the clinic's records: content for every language, review per language."""
    folder = tmp_path / "riverside"
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", folder)
    brand_file = folder / "riverside.toml"
    who = ("--by", "Dr Jane Smith", "--role", "Consultant breast radiologist")
    for extra in ((), ("--lang", "es")):
        result = run("approve", "breast", "--brand", str(brand_file), *who, *extra)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with web_app(out_dir, pool, brands=(DEFAULT_BRAND, load_brand(brand_file))) as app:
        client = app.test_client()
        spanish = client.get("/?topic=breast&lang=es&brand=riverside").get_data(as_text=True)
        assert "Approved for patient use by Dr Jane Smith, Consultant breast radiologist" in spanish
        assert "Translation reviewed by Dr Jane Smith" in spanish
        assert "Not approved" not in spanish and 'id="unreviewed-es"' not in spanish
        assert 'id="unreviewed-fr"' in spanish  # only Spanish was reviewed
        assert 'id="mail-form"' not in spanish  # no SMTP settings in this test
        assert '<select id="brand" name="brand">' in spanish  # two clinics: a choice
        assert (
            "The clinic&#39;s usual paper (US Letter)" in spanish
        )  # escaped, as all text  # Riverside prints on Letter
        french = client.get("/?topic=breast&lang=fr&brand=riverside").get_data(as_text=True)
        assert "Translation not reviewed by a qualified medical translator" in french
        other = client.get("/?topic=prostate&lang=es&brand=riverside").get_data(as_text=True)
        assert "Not approved for patient use at Riverside Breast Imaging." in other
        # The default brand is still the example clinic, which holds no approval.
        assert "Approved for" not in client.get("/?topic=breast&lang=es").get_data(as_text=True)


def test_a_log_line_cannot_be_forged_through_a_url() -> None:
    record = logging.LogRecord(
        "leaflets.web", logging.INFO, "", 0, "%s: %d", ("/x\nFAKE", 404), None
    )
    assert OneLineFormatter("%(message)s").format(record) == "/x\\nFAKE: 404"


def test_page_fonts_are_the_leaflets_own_cut_to_the_page(app: Flask) -> None:
    """A machine without Chinese fonts still shows 中文: the font comes from the package."""
    client = app.test_client()
    response = client.get("/fonts/sc.ttf")
    assert response.status_code == 200 and response.mimetype == "font/ttf"
    font = TTFont(io.BytesIO(response.get_data()))
    cmap = font.getBestCmap()
    assert ord("中") in cmap and ord("腺") in cmap  # 中文, and 前列腺 of a title
    assert len(cmap) < 200 and len(response.get_data()) < 100_000  # cut, not 10 MB
    again = client.get("/fonts/sc.ttf", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/fonts/nope.ttf").status_code == 404


def test_an_incomplete_translation_is_never_offered(
    catalogs: Path, out_dir: Path, pool: RenderPool
) -> None:
    """A fuzzy string in the Spanish breast leaflet: the page says so, and offers no print."""
    po = catalogs / "es" / "LC_MESSAGES" / "messages.po"
    edit_po(po, load_topic("breast").summary, fuzzy=True)
    with web_app(out_dir, pool) as app:
        page = app.test_client().get("/?topic=breast&lang=es").get_data(as_text=True)
        assert "Not available in this language yet: its translation is not complete." in page
        assert 'id="print-link"' not in page and 'id="preview"' not in page
        other = app.test_client().get("/?topic=prostate&lang=es").get_data(as_text=True)
        assert 'id="print-link"' in other  # the other Spanish leaflets are complete
        # The language list marks it once the topic is chosen, in its place: no reordering.
        chosen = app.test_client().get("/?topic=breast").get_data(as_text=True)
        assert 'aria-describedby="incomplete-es"' in chosen
        assert 'id="incomplete-es">not translated yet<' in chosen
        assert 'id="incomplete-fr"' not in chosen and 'id="unreviewed-fr"' in chosen
        assert 'id="incomplete-es"' not in other
        start = app.test_client().get("/").get_data(as_text=True)
        assert re.findall(r'id="(lang-[^"]+)"', chosen) == re.findall(r'id="(lang-[^"]+)"', start)


def test_the_staff_catalogs_are_current_and_spanish_is_complete() -> None:
    template, spanish = read_catalog(ui_template_path()), read_catalog(ui_po_path("es"), "es")
    # The order of the entries may lag behind an edit; the strings themselves may not.
    assert {m.id for m in template if m.id} == ui_msgids(), "run `leaflets i18n web`"
    missing = []
    for message in template:
        entry = spanish.get(message.id) if message.id else None
        if message.id and (entry is None or not entry.string or entry.fuzzy):
            missing.append(message.id)
    assert not missing


def test_other_sites_cannot_use_the_server(app: Flask) -> None:
    """DNS rebinding (another host name) and background requests from another site."""
    client = app.test_client()
    rebound = client.get("/", headers={"Host": "evil.example:8000"})
    assert rebound.status_code == 400 and "Traceback" not in rebound.get_data(as_text=True)
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    image = client.get(
        "/leaflets/es/breast.pdf",
        headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    )
    assert image.status_code == 403
    posted = client.post(
        "/mail", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    )
    assert posted.status_code == 403
    link = client.get("/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert link.status_code == 200  # a link from the intranet still opens the page


def test_a_staff_translation_is_text_never_markup(
    out_dir: Path, pool: RenderPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "translations"
    shutil.copytree(ui_po_path("es").parents[2], folder, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(ui_text, "TRANSLATIONS_DIR", folder)
    po = folder / "es" / "LC_MESSAGES" / "web.po"
    catalog = read_catalog(po, "es")
    catalog["Choose a leaflet"].string = '<a href="/signout">Elegir</a> un folleto'
    po.write_bytes(catalog_bytes(catalog))
    with web_app(out_dir, pool) as app:
        page = app.test_client().get("/?ui=es").get_data(as_text=True)
    assert "&lt;a href=&#34;/signout&#34;&gt;Elegir&lt;/a&gt; un folleto" in page
    assert '<a href="/signout">' not in page


def test_what_anyone_types_comes_back_as_text(app: Flask) -> None:
    """Autoescaping: a search or a form value never becomes markup on the page."""
    client = app.test_client()
    page = client.get('/?q="><img src=x>').get_data(as_text=True)
    assert '"><img src=x>' not in page and "&#34;&gt;&lt;img src=x&gt;" in page
    # Titles with quotation marks stay inside their attribute.
    found = parse(client.get("/").get_data(as_text=True))
    assert not found.inline
    assert 'data-search="breast-follow-up br-fu-01 your follow-up mammogram for &#34;probably' in (
        client.get("/").get_data(as_text=True)
    )


def test_the_pages_are_valid_html(
    app: Flask, out_dir: Path, pool: RenderPool, tmp_path: Path
) -> None:
    """The Nu HTML checker (one Java run) over every kind of page the staff see."""
    client = app.test_client()
    pages = {
        "start": client.get("/"),
        "arabic": client.get("/?topic=breast&lang=ar"),
        "spanish-search": client.get("/?q=mama&topic=breast&lang=es&ui=es"),
        "not-found": client.get("/leaflets/xx/breast.pdf"),
        "bad-request": client.get("/leaflets/es/breast.pdf?paper=a5"),
    }
    with web_app(out_dir, pool, allow_unapproved=True, mail_env=LOOPBACK_MAIL) as mail_app:
        mailer = mail_app.test_client()
        token = csrf_token(mailer, "/?topic=breast&lang=es")
        form = {
            "csrf_token": token,
            "topic": "breast",
            "lang": "es",
            "email": "x",
            "follow_up": "x",
        }
        pages["mail-errors"] = mailer.post("/mail", data=form)
    with web_app(out_dir, pool, password="correct horse") as locked:
        pages["sign-in"] = locked.test_client().get("/signin")
    files = []
    for name, response in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.get_data())
    result = subprocess.run(
        [*_vnu(), "--format", "json", *map(str, files)], capture_output=True, text=True, timeout=300
    )
    output = result.stderr + result.stdout
    messages = json.loads(output[output.index("{") :])["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(
        f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in errors
    )


def test_a_build_that_fails_is_one_log_line_and_a_plain_error_page(
    pool: RenderPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "output"
    blocked.write_text("a file where the output folder should be")
    with web_app(blocked, pool) as app, caplog.at_level(logging.INFO, "leaflets.web"):
        response = app.test_client().get("/leaflets/en/breast.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on the server" in page and "Traceback" not in page
    [line] = [r.getMessage() for r in caplog.records if r.name == "leaflets.web"]
    assert line.startswith("GET /leaflets/en/breast.pdf: ") and "cannot write" in line
    assert "\n" not in line
