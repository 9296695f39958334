"""Benchmark: `leaflets serve` under 20 concurrent clients, as issue 17 item 5 asks.

Run with `make bench` (or alone: .venv/bin/python bench/web_load.py). It starts the server on a
free 127.0.0.1 port with a fresh output folder, times the first render of a leaflet against
`leaflets build` of the same leaflet, warms the cache, then runs about 1,000 GETs of PDFs from
20 client threads and prints the latency percentiles and the server's memory. Every loop is
bounded in count and time; only 127.0.0.1 is contacted. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEAFLETS = str(Path(sys.executable).with_name("leaflets"))
HOST = "127.0.0.1"
#: The leaflet whose first render is timed, and the ones the clients ask for (all warm).
FIRST = ("es", "breast")
WARM = [
    f"/leaflets/{lang}/{topic}.pdf"
    for topic in ("breast", "prostate", "coronary-calcium")
    for lang in ("en", "es", "ar", "zh-Hans", "vi")
]
TARGET_P95_MS = 50.0
#: However slow the machine, the load phase stops after this long.
LOAD_DEADLINE_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 120.0) -> tuple[int, int]:
    """(status, body length) of one GET on a new connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def rss_kb(pid: int) -> int:
    """Resident memory of one process (kB), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (the render workers and the forkserver)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server process has used so far (not its workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> str:
    """The server's own RSS and that of its workers, in MB."""
    workers = sum(rss_kb(child) for child in descendants(pid))
    return f"server {rss_kb(pid) / 1024:.0f} MB, workers {workers / 1024:.0f} MB"


class Server:
    """`leaflets serve` on a free port, in its own process group; stopped with Ctrl+C."""

    def __init__(self, out_dir: Path) -> None:
        self.port = free_port()
        # A file, not a pipe: waitress warns about its queue under load, and a pipe nobody
        # reads would fill up and stop the server in the middle of the run.
        self.log = out_dir.with_name(f"{out_dir.name}.log")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [LEAFLETS, "serve", "--host", HOST, "--port", str(self.port), "-o", str(out_dir)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ends = time.monotonic() + 60
        while time.monotonic() < ends:
            if self.process.poll() is not None:
                raise SystemExit(f"leaflets serve exited: {self.log.read_text()}")
            with contextlib.suppress(OSError):
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise SystemExit("leaflets serve did not answer /healthz within 60 s")

    def warnings(self) -> list[str]:
        """What the server said beyond its start and stop lines (waitress's queue warnings)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if not line.startswith(("Serving leaflets", "Stopped"))]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def first_render(tmp: Path) -> None:
    """The first GET of a leaflet (cold cache) against `leaflets build` of that leaflet."""
    lang, topic = FIRST
    start = time.perf_counter()
    subprocess.run(
        [LEAFLETS, "build", "-o", str(tmp / "cli"), "-l", lang, topic],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    build = time.perf_counter() - start
    server = Server(tmp / "cold")
    try:
        time.sleep(3)  # let the workers finish starting, as they would before a first visitor
        start = time.perf_counter()
        status, size = get(server.port, f"/leaflets/{lang}/{topic}.pdf")
        served = time.perf_counter() - start
    finally:
        server.stop()
    print(
        f"first render of {lang}/{topic} (cold cache): GET {served:.2f} s (HTTP {status}, "
        f"{size // 1024} KB) vs `leaflets build` {build:.2f} s  (target: GET <= build)"
    )


def run_clients(port: int, requests: int, clients: int) -> list[float]:
    """``requests`` GETs of warm PDFs from ``clients`` threads, one keep-alive connection each;
    the latency of each successful one (s)."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()
    ends = time.monotonic() + LOAD_DEADLINE_S

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            while time.monotonic() < ends:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                path = WARM[(n + number) % len(WARM)]
                start = time.perf_counter()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=60)
                    with lock:
                        errors.append(f"{path}: {exc}")
                    continue
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status == 200:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"{path}: HTTP {response.status}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"   {len(errors)} failed requests, e.g. {errors[0]}")
    return latencies


#: wrk (a C load generator, if installed): the same PDFs in turn, and the percentiles at the end.
WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "   wrk: %%d requests in %%.1f s, %%d errors/non-2xx; latency p50 %%.1f ms, p95 %%.1f ms, "
    .. "p99 %%.1f ms, max %%.1f ms\\n",
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def wrk_load(port: int, clients: int, seconds: int, tmp: Path) -> None:
    """The same load from wrk, whose clients cost far less CPU than Python threads."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("   (wrk is not installed: apt-get install wrk for a second opinion)")
        return
    script = tmp / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{path}"' for path in WARM))
    result = subprocess.run(
        [
            wrk,
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "-s",
            str(script),
            f"http://{HOST}:{port}/",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    )
    print(result.stdout.splitlines()[-1] if result.returncode == 0 else result.stderr.strip())


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"web: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, 127.0.0.1 only, "
        f"load average {load} at the start"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        first_render(tmp)
        server = Server(tmp / "warm")
        try:
            for path in WARM:  # build each once; the load below finds them all up to date
                status, _ = get(server.port, path)
                if status != 200:
                    raise SystemExit(f"warm-up: GET {path} answered HTTP {status}")
            pid = server.process.pid
            print(f"memory, cache warm ({len(WARM)} leaflets):   {memory(pid)}")
            for round_number in (1, 2):
                start, cpu = time.perf_counter(), cpu_seconds(pid)
                latencies = sorted(run_clients(server.port, args.requests, args.clients))
                seconds = time.perf_counter() - start
                cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / max(1, len(latencies))
                if not latencies:
                    raise SystemExit("no request succeeded")
                p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.95, 0.99))
                print(
                    f"round {round_number}: {len(latencies)} GETs of warm PDFs, {args.clients} "
                    f"clients, {seconds:.1f} s ({len(latencies) / seconds:.0f} requests/s)"
                )
                print(
                    f"   latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
                    f"max {latencies[-1] * 1000:.1f} ms, mean "
                    f"{statistics.mean(latencies) * 1000:.1f} ms  (target p95 <= "
                    f"{TARGET_P95_MS:.0f} ms)"
                )
                print(f"   server CPU per request: {cpu_ms:.1f} ms")
                print(f"   memory after {round_number * args.requests} requests: {memory(pid)}")
            wrk_load(server.port, args.clients, 5, tmp)
            print(f"memory at the end: {memory(pid)}")
            said = server.warnings()
            if said:
                print(f"the server logged {len(said)} lines, the last: {said[-1]}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
