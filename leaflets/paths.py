"""Where the package finds its templates, catalogs and topics (source tree or installed wheel)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_WHEEL_DATA = PACKAGE_DIR / "_data"
_SOURCE_ROOT = PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    installed = _WHEEL_DATA / name
    return installed if installed.is_dir() else _SOURCE_ROOT / name


TOPICS_DIR = PACKAGE_DIR / "topics"
TEMPLATES_DIR = _data_dir("templates")
ASSETS_DIR = TEMPLATES_DIR / "assets"
TRANSLATIONS_DIR = _data_dir("translations")
DOMAIN = "messages"
