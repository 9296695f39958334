"""Brand files: a clinic's name, contacts, logo, colours and paper, validated strictly."""

from __future__ import annotations

import struct
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from leaflets.content.models import Brand, BrandFile
from leaflets.errors import LeafletsError, validation_problem
from leaflets.files import read_small_file

#: WCAG 2.1 AA for normal text.
MIN_CONTRAST = 4.5
#: Body text colour of the stylesheet, shown on the accent background in boxes.
INK = "#1b1b1b"
LOGO_TYPES = {".svg", ".png"}
#: A brand file is a few lines of TOML.
MAX_BRAND_BYTES = 64 * 1024
UNKNOWN_BRAND_KEY = "unknown key; see the README for the keys a brand file holds"
#: A logo prints about 14 mm wide (20 mm in large print): 3000 pixels is far more than enough,
#: and a bigger file only bloats every PDF (a 100 MB logo made 100 MB leaflets).
MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 3000
#: The QR code prints 22 mm wide. Up to version 5 (37 modules, plus the quiet zone) each module
#: is over 0.5 mm, which phone cameras read reliably; version 5 at error level M holds 84 bytes.
QR_SIZE_MM = 22
MAX_QR_VERSION = 5
MAX_QR_CHARACTERS = 84


class BrandError(LeafletsError):
    """A brand file is missing, malformed or unsafe."""


def _contrast(foreground: str, background: str) -> float:
    from coloraide import Color  # imported on use: it costs a tenth of a second

    return float(Color(foreground).contrast(background, method="wcag21"))


def check_contrast(brand: BrandFile) -> list[str]:
    """Problems with text colours against their backgrounds (WCAG AA, 4.5:1)."""
    pairs = [
        ("primary_color", brand.primary_color, "white", "#ffffff"),
        ("primary_color", brand.primary_color, "accent_color", brand.accent_color),
        ("accent_color", INK, "accent_color", brand.accent_color),
    ]
    problems = []
    for key, text, name, background in pairs:
        ratio = _contrast(text, background)
        if ratio < MIN_CONTRAST:
            problems.append(
                f"{key}: text {text} on {name} {background} has contrast {ratio:.2f}:1, "
                f"below {MIN_CONTRAST}:1; choose a darker text or lighter background colour"
            )
    return problems


def _resolve_logo(folder: Path, logo: str) -> Path:
    """The logo file, which must sit inside the brand file's folder."""
    if urlsplit(logo).scheme:
        raise ValueError("must be a file next to the brand file, not a URL")
    candidate = Path(logo)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise ValueError("must be a relative path inside the brand file's folder")
    resolved = (folder / candidate).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ValueError("points outside the brand file's folder (through a symlink)")
    if resolved.suffix.lower() not in LOGO_TYPES:
        raise ValueError("must be an .svg or .png file")
    if not resolved.is_file():
        raise ValueError(f"file not found: {folder / candidate}")
    return resolved


def _check_logo_file(logo: Path) -> None:
    """A logo small enough to print: it is embedded in every PDF as it is."""
    try:
        data = read_small_file(logo, MAX_LOGO_BYTES)
    except OSError as exc:
        raise ValueError(f"cannot read {logo.name} ({exc.strerror})") from None
    except ValueError as exc:
        raise ValueError(f"{logo.name} is {exc}; make the file smaller") from None
    if logo.suffix.lower() == ".png":
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            raise ValueError(f"{logo.name} is not a PNG image")
        width, height = struct.unpack(">II", data[16:24])
        if max(width, height) > MAX_LOGO_PIXELS:
            raise ValueError(
                f"{logo.name} is {width} x {height} pixels; at most {MAX_LOGO_PIXELS} x "
                f"{MAX_LOGO_PIXELS}: scale it down"
            )


def _check_qr_url(url: str) -> None:
    import segno  # only for a brand with a QR code

    if int(segno.make(url, error="m", micro=False).version) > MAX_QR_VERSION:
        raise ValueError(
            f"{len(url)} characters is more than a {QR_SIZE_MM} mm QR code prints legibly "
            f"(at most {MAX_QR_CHARACTERS}); use a shorter address"
        )


def load_brand(path: Path) -> Brand:
    """Read and validate a brand.toml; every problem names the file and the key."""
    try:
        raw = tomllib.loads(read_small_file(path, MAX_BRAND_BYTES).decode("utf-8"))
    except OSError as exc:
        raise BrandError(f"{path}: cannot read brand file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise BrandError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise BrandError(f"{path}: TOML syntax error: {exc}") from None
    except ValueError as exc:  # not a regular file, or too large
        raise BrandError(f"{path}: {exc}; a brand file is a small TOML file") from None
    try:
        data = BrandFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(file)"
            text = validation_problem(err, UNKNOWN_BRAND_KEY)
            problems.append(f"{path}: {key}: {text}")
        raise BrandError("\n".join(problems)) from None
    problems = [f"{path}: {p}" for p in check_contrast(data)]
    logo_file = None
    if data.logo:
        try:
            logo_file = _resolve_logo(path.parent, data.logo)
            _check_logo_file(logo_file)
        except ValueError as exc:
            problems.append(f"{path}: logo: {exc}")
    if data.qr_url:
        try:
            _check_qr_url(data.qr_url)
        except ValueError as exc:
            problems.append(f"{path}: qr_url: {exc}")
    if problems:
        raise BrandError("\n".join(problems))
    return Brand(
        **data.model_dump(),
        logo_src=logo_file.as_uri() if logo_file else None,
        logo_file=logo_file,
        key=path.stem,
        source_file=path.resolve(),
    )
