"""What P3, P4 and the load test share: servers in child processes and a closed-loop HTTP client.

Servers: ``jzcredit serve`` (ours, exactly as deployed) and :mod:`benchmarks.bare_asgi` (the
baseline), both uvicorn with the same options, each in its own process, started on a free
loopback port and stopped afterwards. Their CPU time over the measured window is read so that
a figure can be judged against how busy the machine was.

Client: ``clients`` asyncio connections in one process, each sending the next request as soon
as the previous answer is read (HTTP/1.1 keep-alive, raw sockets: httpx would cost several
times more CPU per request than the server under test on a 2-core machine). Latency is from
writing the request to reading the last byte of the answer. :func:`client_ceiling` runs the
same client against a server that answers from a constant, which is the most this client can
measure on this machine, and is printed beside every figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HOST = "127.0.0.1"
SECRET = "bench-" + "k" * 40
AS_OF = "2026-06-30"
REQUEST_TIMEOUT_S = 10.0
# Clients come as many consumers behind a trusted proxy (X-Forwarded-For), so the server's rate
# limiter runs, and is paid for, on every request without refusing any: each address of the pool
# sends far less than its per-minute allowance (p5_postgres.SERVER_CONFIG trusts the loopback proxy).
CONSUMERS = 50_000
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    """One request the client may send: a path (already URL-encoded) and the status it must get."""

    path: str
    expect: int = 200
    accept: str = "application/json"


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # a few samples; ``error_count`` has them all
    error_count: int = 0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    def summary(self) -> str:
        cpu = f" client_cpu={self.client_cpu_s / self.seconds:.2f} cores"
        if self.server_cpu_s is not None:
            cpu += f" server_cpu={self.server_cpu_s / self.seconds:.2f} cores"
        return (f"{self.throughput:,.0f} req/s p50={self.percentile(50):.1f} ms p99={self.percentile(99):.1f} ms "
                f"max={max(self.latencies_ms, default=float('nan')):.1f} ms ({self.requests:,} requests in "
                f"{self.seconds:.0f} s, {self.clients} clients, errors={self.error_count}){cpu}")


# --- servers -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def ours_command(url: str, port: int, config: Path | None = None) -> list[str]:
    """``jzcredit serve`` as deployed (uvicorn, one process), on the benchmark's clock."""
    extra = ["--config", str(config)] if config else []
    return [sys.executable, "-m", "jzcredit", "--db", url, "--as-of", AS_OF, *extra,
            "serve", "--host", HOST, "--port", str(port)]


def bare_command(url: str, port: int, query: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.bare_asgi", "--db", url, "--port", str(port), "--query", query]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)


def _wait_until_up(proc: subprocess.Popen[bytes], port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"benchmark server exited with status {proc.returncode} before answering")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            if s.recv(16).startswith(b"HTTP/1.1 200"):
                return
        time.sleep(0.2)
    raise SystemExit(f"benchmark server did not answer {path} within {timeout:.0f} s")


@contextlib.contextmanager
def serving(command: Sequence[str], *, ready_path: str, port: int, timeout: float = 120.0) -> Iterator[Server]:
    """Run a server in a child process until the block ends (its log goes nowhere, as for both)."""
    env = dict(os.environ, JZCREDIT_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        _wait_until_up(proc, port, ready_path, timeout)
        yield Server(proc, port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fetch(port: int, path: str, accept: str = "application/json") -> tuple[int, bytes]:
    """One request outside any measurement (to look before a run)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the client --------------------------------------------------------------------------------

async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, bytes(body)
            body += chunk[:-2]
    raise ValueError("answer without Content-Length or chunked body")


class _Run:
    def __init__(self, result: LoadResult, pick: Callable[[], Target], port: int, start_at: float, stop_at: float,
                 check: Callable[[Target, int, bytes], str | None] | None) -> None:
        self.result, self.pick, self.port = result, pick, port
        self.start_at, self.stop_at, self.check = start_at, stop_at, check
        self.consumers = random.Random(port)

    def _error(self, message: str, measured: bool) -> None:
        if measured:
            self.result.error_count += 1
            if len(self.result.errors) < 10:
                self.result.errors.append(message)

    async def client(self) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < self.stop_at:
            target = self.pick()
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, self.port)
            assert reader is not None
            consumer = self.consumers.randrange(CONSUMERS)
            request = (f"GET {target.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: {target.accept}\r\n"
                       f"User-Agent: jzbench\r\nX-Forwarded-For: 10.{consumer >> 16}.{(consumer >> 8) & 255}."
                       f"{consumer & 255}\r\n\r\n").encode()
            started = time.perf_counter()
            measured = self.start_at <= started
            try:
                writer.write(request)
                status, body = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                self._error(f"{target.path}: {type(exc).__name__} {exc}", measured)
                writer.close()
                reader = writer = None
                continue
            elapsed = time.perf_counter() - started
            if not measured or started >= self.stop_at:
                continue
            self.result.latencies_ms.append(elapsed * 1000)
            self.result.statuses[status] += 1
            problem = (f"status {status}, expected {target.expect}" if status != target.expect
                       else self.check(target, status, body) if self.check else None)
            if problem:
                self._error(f"{target.path}: {problem}", True)
        if writer is not None:
            writer.close()


def run_load(port: int, pick: Callable[[], Target], *, clients: int, seconds: float, warmup: float = 1.0,
             server: Server | None = None, check: Callable[[Target, int, bytes], str | None] | None = None,
             ) -> LoadResult:
    """``clients`` closed-loop connections for ``warmup`` + ``seconds``; only the last ``seconds`` count."""
    result = LoadResult(clients=clients, seconds=seconds)

    async def main() -> None:
        now = time.perf_counter()
        run = _Run(result, pick, port, now + warmup, now + warmup + seconds, check)
        tasks = [asyncio.create_task(run.client()) for _ in range(clients)]
        await asyncio.sleep(warmup)
        cpu0 = _own_cpu()
        server0 = server.cpu_seconds() if server else None
        await asyncio.sleep(seconds)
        result.client_cpu_s = _own_cpu() - cpu0
        if server is not None and server0 is not None:
            result.server_cpu_s = server.cpu_seconds() - server0
        await asyncio.gather(*tasks)

    asyncio.run(main())
    return result


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the client's own ceiling ----------------------------------------------------------------

CONSTANT_BODY = b'{"worker_code":"JZ0000000000","display_name":"\xe7\x8e\x8b*\xe8\x8a\xb3","grade":"A"}'


def _constant_server(port: int) -> None:
    """An asyncio server that answers every request with the same small JSON (no framework at all)."""
    answer = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
              + str(len(CONSTANT_BODY)).encode() + b"\r\n\r\n" + CONSTANT_BODY)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(answer)
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, HOST, port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def client_ceiling(clients: int, seconds: float) -> LoadResult:
    """The same client against the constant server in its own process: what the client alone costs."""
    port = free_port()
    code = f"from benchmarks.serving import _constant_server; _constant_server({port})"
    with serving([sys.executable, "-c", code], ready_path="/", port=port, timeout=30) as server:
        return run_load(port, lambda: Target("/"), clients=clients, seconds=seconds, warmup=min(1.0, seconds),
                        server=server)
