"""Brand files: a clinic's name, contacts, logo, colours and paper, validated strictly."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from leaflets.errors import LeafletsError
from leaflets.models import Brand, BrandFile

#: WCAG 2.1 AA for normal text.
MIN_CONTRAST = 4.5
#: Body text colour of the stylesheet, shown on the accent background in boxes.
INK = "#1b1b1b"
LOGO_TYPES = {".svg", ".png"}


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


def load_brand(path: Path) -> Brand:
    """Read and validate a brand.toml; every problem names the file and the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandError(f"{path}: cannot read brand file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise BrandError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise BrandError(f"{path}: TOML syntax error: {exc}") from None
    try:
        data = BrandFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(file)"
            kind = err["type"]
            text = {
                "extra_forbidden": "unknown key; see the README for the keys a brand file holds",
                "missing": "required key is missing",
            }.get(kind, str(err["msg"]))
            problems.append(f"{path}: {key}: {text}")
        raise BrandError("\n".join(problems)) from None
    problems = [f"{path}: {p}" for p in check_contrast(data)]
    logo_file = None
    if data.logo:
        try:
            logo_file = _resolve_logo(path.parent, data.logo)
        except ValueError as exc:
            problems.append(f"{path}: logo: {exc}")
    if problems:
        raise BrandError("\n".join(problems))
    return Brand(
        **data.model_dump(),
        logo_src=logo_file.as_uri() if logo_file else None,
        logo_file=logo_file,
        key=path.stem,
        source_file=path.resolve(),
    )
