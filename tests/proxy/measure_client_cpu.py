"""CPU per exchange of the HTTP clients the proxy could use, against one local upstream.

    .venv/bin/python -m tests.proxy.measure_client_cpu [--exchanges N] [--concurrency C]

Wall-clock requests per second are noisy on a shared machine; the CPU time this process spends per
exchange is not (the upstream runs in another process, a bare asyncio server answering a 1.1 KB
relation with keep-alive). Measured: the proxy's own client (`mockserver.proxy.upstream`), aiohttp
and httpcore, when installed. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import multiprocessing
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

BODY = json.dumps({"RelationId": 918, "Comment": "x" * 1000}).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class _Upstream(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            self.transport.write(ANSWER)  # type: ignore[attr-defined]


def _serve(sock: socket.socket) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Upstream, sock=sock)
        await server.serve_forever()

    asyncio.run(main())


TRUST_ENV = True
Send = Callable[[], Awaitable[int]]


async def _measure(name: str, send: Send, exchanges: int, concurrency: int) -> None:
    for _ in range(200):  # warm up: connections opened, caches filled
        await send()
    remaining = exchanges
    cpu, wall = time.process_time(), time.perf_counter()

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            assert await send() == 200

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{name:12} c{concurrency:<3} {cpu / exchanges * 1e6:7.1f} us CPU/exchange  {exchanges / wall:8.0f}/s"
    )


async def _run(url: str, exchanges: int, concurrency: int) -> None:
    from mockserver.proxy.upstream import Upstream

    headers = [(b"accept", b"application/json"), (b"authorization", b"Basic dGplMDpUamUw")]
    own = Upstream(url, 30.0)

    async def own_send() -> int:
        answer = await own.send("GET", b"/api/v1/Relation/918", b"", headers, b"")
        return answer.status

    await _measure("own", own_send, exchanges, concurrency)
    await own.aclose()
    try:
        aiohttp: Any = importlib.import_module("aiohttp")  # not a dependency: measured when installed
    except ImportError:
        print("aiohttp: not installed")
    else:
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=False)
        async with aiohttp.ClientSession(
            connector=connector, auto_decompress=False, trust_env=TRUST_ENV
        ) as s:
            plain = {k.decode(): v.decode() for k, v in headers}

            async def aiohttp_send() -> int:
                async with s.get(url + "/api/v1/Relation/918", headers=plain) as response:
                    await response.read()
                    return int(response.status)

            await _measure(f"aiohttp {aiohttp.__version__}", aiohttp_send, exchanges, concurrency)
    try:
        import httpcore
    except ImportError:
        print("httpcore: not installed")
    else:
        async with httpcore.AsyncConnectionPool(max_connections=256) as pool:

            async def httpcore_send() -> int:
                response = await pool.request("GET", url + "/api/v1/Relation/918", headers=headers)
                return response.status

            await _measure(f"httpcore {httpcore.__version__}", httpcore_send, exchanges, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32, 1])
    parser.add_argument("--asyncio", action="store_true", help="asyncio's own loop, not uvloop (uvicorn's)")
    args = parser.parse_args()
    import uvloop

    loop_factory = None if args.asyncio else uvloop.new_event_loop
    sock = socket.create_server(("127.0.0.1", 0))
    upstream = multiprocessing.Process(target=_serve, args=(sock,), daemon=True)
    upstream.start()
    try:
        for concurrency in args.concurrency:
            url = f"http://127.0.0.1:{sock.getsockname()[1]}"
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                runner.run(_run(url, args.exchanges, concurrency))
    finally:
        upstream.terminate()
        upstream.join(5)


if __name__ == "__main__":
    main()
