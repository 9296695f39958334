"""Timing helpers for the benchmark: CPU and wall time of a command, peak memory of its workers."""

from __future__ import annotations

import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One command run: wall seconds, CPU seconds of it and its children, peak memory."""

    wall: float
    cpu: float
    #: Peak resident memory (MB) of each direct child of the command (its workers).
    workers_mb: list[float]
    #: What the command printed.
    output: str

    @property
    def worker_peak(self) -> float:
        """The largest worker's peak memory (MB); NaN when the command forked none."""
        return max(self.workers_mb, default=float("nan"))


def median_time(action: Callable[[], object], runs: int = 5) -> float:
    """Median wall seconds of ``action``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_rss_of_children(pid: int, stop: threading.Event, peaks: dict[int, int]) -> None:
    """Poll /proc for the peak resident memory (VmHWM, kB) of every child of ``pid``."""
    while not stop.is_set():
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for child in children:
            try:
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[int(child)] = max(peaks.get(int(child), 0), int(line.split()[1]))
            except OSError:
                pass
        time.sleep(0.02)


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to the end; measure it. A failure stops the benchmark with its message."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stop, peaks = threading.Event(), {}
    watcher = threading.Thread(target=_peak_rss_of_children, args=(process.pid, stop, peaks))
    watcher.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, [kb / 1024 for kb in peaks.values()], out.decode())
