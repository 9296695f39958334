"""The audit log: one JSON line per leaflet handed out, with the address masked."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Literal

from leaflets.build.matrix import Job
from leaflets.i18n.languages import bcp47
from leaflets.web.settings import brand_name

Action = Literal["print", "download", "mail"]


class AuditLog:
    """Appends to a JSON-lines file (0600); one write per line, so lines never interleave."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, action: Action, job: Job, masked_address: str | None = None) -> None:
        """Time (UTC), topic, language, variant, action, and for mail the masked address."""
        variant = job.variant
        entry: dict[str, object] = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "action": action,
            "topic": job.topic,
            "lang": bcp47(job.lang),
            "variant": {
                "brand": brand_name(variant.brand),
                "paper": variant.style.paper,
                "size": "large" if variant.large_print else "standard",
            },
        }
        if masked_address is not None:
            entry["to"] = masked_address
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
