"""Run the app with waitress (a production WSGI server that also runs on Windows)."""

from __future__ import annotations

import logging
import signal
import sys
import warnings
from collections.abc import Callable
from types import FrameType

from leaflets.errors import LeafletsError, Terminated
from leaflets.web.app import create_app
from leaflets.web.renders import RenderPool
from leaflets.web.settings import ServeSettings

#: Requests handled at once; renders wait in the pool, so threads are cheap.
THREADS = 16
#: Bytes a response collects before waitress sends it. Its default (1) sends the headers and
#: each part of a PDF as they come; collecting a whole leaflet (about 50 KB) first cut the
#: server's CPU per cached PDF from about 2.0 to 1.5 ms and p95 under 20 clients from 50-56
#: to 38-44 ms (bench/web_load.py, same idle machine, alternating runs). waitress 3 marks the
#: setting deprecated but keeps it; pyproject pins waitress below 4.
SEND_BYTES = 256 * 1024


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


class OneLineFormatter(logging.Formatter):
    """Each event on one line: control characters (a newline in a requested path) are escaped,
    so nobody can forge a log line through a URL."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def configure_logging() -> None:
    """One line per event on stderr. There is no access log: URLs are never logged with their
    query strings, and forms (which hold patients' addresses) never at all."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("leaflets.web", "waitress"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # waitress warns "Task queue depth is N" for every request that waits for a free thread:
    # under a burst that is a line per request (1,886 in one load test), and nothing a clinic
    # can act on (a request that waits is still answered). Its errors still show.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def serve(settings: ServeSettings, say: Callable[[str], None]) -> None:
    """Serve until Ctrl+C or SIGTERM; then stop the render workers and remove their files."""
    import waitress

    configure_logging()
    try:
        pool = RenderPool(settings.workers)
    except OSError as exc:
        raise _start_error("cannot make the render workers' temporary folder", exc) from None
    app = create_app(settings, pool)
    previous = signal.signal(signal.SIGTERM, _on_terminate)
    try:
        proxy: dict[str, object] = {}
        if settings.trusted_proxy:
            # The client's address (for the lockout and the mail limit) comes from the proxy.
            proxy = {
                "trusted_proxy": settings.trusted_proxy,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "send_bytes", DeprecationWarning)
            server = waitress.create_server(
                app,
                host=settings.host,
                port=settings.port,
                threads=THREADS,
                send_bytes=SEND_BYTES,
                ident="leaflets",
                clear_untrusted_proxy_headers=True,
                **proxy,
            )
    except OSError as exc:
        pool.close()
        raise LeafletsError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}; "
            "choose another --port"
        ) from None
    try:
        try:
            pool.warm_up()
        except OSError as exc:
            raise _start_error("cannot start the render workers", exc) from None
        say(
            f"Serving leaflets from {settings.out_dir} on http://{_host(settings.host)}:"
            f"{settings.port}/ (Ctrl+C to stop); audit log: {settings.audit_log}"
        )
        server.run()  # returns on Ctrl+C or SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
        pool.close()
    say("Stopped.")


def _start_error(what: str, exc: OSError) -> LeafletsError:
    """One line for the operating system's refusal at start (a full disk, too many processes,
    a TMPDIR that cannot be written)."""
    where = f" ({exc.filename})" if exc.filename else ""
    return LeafletsError(f"{what}{where}: {exc.strerror or exc}; check TMPDIR and free space")


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
