"""`leaflets serve`: the front desk in a browser (the app itself is leaflets.web)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click

from leaflets.cli.support import FILE, load_brand_option, output_option
from leaflets.content.models import DEFAULT_BRAND
from leaflets.errors import LeafletsError, UsageError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option(
    "--brand",
    "brand_files",
    multiple=True,
    type=FILE,
    help="A clinic's brand.toml (repeatable; the first is the default).",
)
@output_option("Folder of built leaflets: reused, and built into on demand.")
@click.option(
    "-j",
    "--jobs",
    "workers",
    type=click.IntRange(min=1),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Render worker processes.",
)
@click.option(
    "--allow-unapproved",
    is_flag=True,
    help="Let staff e-mail leaflets that are not approved (they carry the 'not approved' band).",
)
def serve(
    host: str,
    port: int,
    brand_files: tuple[Path, ...],
    out_dir: Path,
    workers: int,
    allow_unapproved: bool,
) -> None:
    """Serve the front desk page: find, preview, print and e-mail leaflets in a browser.

    It listens on 127.0.0.1 only, unless LEAFLETS_WEB_PASSWORD is set (staff then sign in).

    \b
    Environment variables (see README, "Front desk in a browser"):
      LEAFLETS_WEB_PASSWORD    the staff password; needed for any --host but loopback
      LEAFLETS_WEB_SECRET_KEY  signs sessions (32+ characters); default: random per start
      LEAFLETS_WEB_HTTPS       1 behind an https proxy: cookies are then Secure
      LEAFLETS_WEB_TRUSTED_PROXY  that proxy's address: its X-Forwarded-For names the client
      LEAFLETS_SMTP_*, LEAFLETS_MAIL_FROM   as for `leaflets mail`
    """
    from leaflets.web.server import serve as run_server
    from leaflets.web.settings import (
        PROXY_VARIABLE,
        ServeSettings,
        brand_name,
        mail_environment,
        mail_problem,
        security_from_env,
    )

    password, secret_key, https = security_from_env(host)
    brands = tuple(load_brand_option(path) for path in brand_files) or (DEFAULT_BRAND,)
    names = [brand_name(brand) for brand in brands]
    if len(set(names)) < len(names):
        raise UsageError("two --brand files have the same name; rename one of them")
    settings = ServeSettings(
        out_dir=out_dir,
        brands=brands,
        host=host,
        port=port,
        password=password,
        https=https,
        workers=workers,
        allow_unapproved=allow_unapproved,
        mail_env=mail_environment(),
        trusted_proxy=os.environ.get(PROXY_VARIABLE) or None,
    )
    problem = mail_problem(settings.mail_env)
    if problem:
        click.echo(f"note: e-mail is off: {problem}", err=True)
    if secret_key:
        settings = dataclasses.replace(settings, secret_key=secret_key)
    try:
        # Found now, not by the first patient's leaflet failing with a server error.
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LeafletsError(
            f"cannot use {out_dir} as the output folder: {exc.strerror or exc}; choose another -o"
        ) from None
    run_server(settings, click.echo)
