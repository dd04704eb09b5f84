"""Where the mock's time goes under load: py-spy samples, sorted into the layers a request passes through.

    .venv/bin/python bench/profile.py                       # mock as a user starts it, wrk c32, 20 s
    .venv/bin/python bench/profile.py --mock-args=--quiet   # any mock flags
    .venv/bin/python bench/profile.py --raw FILE            # classify a `py-spy --format raw` file

py-spy (installed into this venv with pip when missing) samples the server's Python stacks while wrk
runs bench/put.lua. Each sample is charged to the innermost layer on its stack (see LAYERS): e.g. a
sample inside `orjson.dumps` called from `answer()` counts for "response: build", one inside uvicorn's
`transport.write` for "uvicorn: send". The figures are shares of wall-clock samples of the server's
one thread; `/proc` user/system CPU over the same window is printed alongside, because time inside
a syscall (socket writes) also includes waiting for a CPU when wrk and the server share the cores.
"""

from __future__ import annotations

import argparse
import collections
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/'s modules: servers, wrk runs, /proc
import options
import probes
import procfs
import servers
import toolchain
import wrk_runs

Frame = str
Rule = tuple[str, Callable[[Frame], bool]]


def _has(*needles: str) -> Callable[[Frame], bool]:
    return lambda frame: any(needle in frame for needle in needles)


# Checked from the innermost frame outwards; the first frame matching a rule decides the layer.
LAYERS: list[Rule] = [
    ("uvicorn: send (HTTP framing + socket write)", _has("RequestResponseCycle.send (uvicorn")),
    ("uvicorn: receive", _has("RequestResponseCycle.receive (uvicorn")),
    ("handler: JSON parse (parse_json)", _has("parse_json (mockserver", "_parse_json_strict (mockserver")),
    ("handler: schema validation (jsonschema-rs)", _has("BodyValidator.")),
    ("handler: body reader (other)", _has("BodyReader.", "xmlcodec")),
    ("handler: store (memory/SQLite)", _has("MemoryStore.", "SqliteStore.", "is_stale (mockserver")),
    ("handler: entity replace (+ dates)", _has("EntityModel.replace", "format_date (mockserver")),
    ("handler: render + $select", _has("EntityModel.render", "apply_select", "parse_select")),
    ("handler: Last-Modified / HTTP dates", _has("last_modified (mockserver", "http_date (mockserver")),
    ("response: build (orjson.dumps + starlette Response())", _has("(mockserver/responses.py")),
    ("handler: auth", _has("Authenticator.", "(mockserver/auth.py", "RelationHandlers._caller")),
    ("handler: Prefer / Accept", _has("(mockserver/prefer.py", "Negotiator.")),
    (
        "starlette Request / Headers / QueryParams",
        _has("(starlette/requests.py", "(starlette/datastructures.py"),
    ),
    ("handler: own lines", _has("RelationHandlers.")),
    ("starlette Response.__call__", _has("Response.__call__ (starlette/responses.py")),
    ("mockserver _Endpoint (Request object)", _has("_Endpoint.__call__")),
    ("journal + access log (RecorderMiddleware)", _has("(mockserver/journal.py")),
    ("CORS (starlette CORSMiddleware)", _has("(starlette/middleware/cors.py")),
    (
        "request guard (body limits, asyncio.timeout)",
        _has("(mockserver/bodyguard.py", "(mockserver/guard.py"),
    ),
    ("hot path dispatch (a prototype's _HotPath)", _has("_HotPath.__call__")),
    (
        "Connexion middleware stack + routing (incl. starlette Router/exception wrappers)",
        _has(
            "(connexion/",
            "(starlette/routing.py",
            "(starlette/middleware/errors.py",
            "(starlette/middleware/exceptions.py",
            "(starlette/_exception_handler.py",
            "(mockserver/app.py",
        ),
    ),
    ("uvicorn: ASGI task + proxy headers", _has("run_asgi (uvicorn", "ProxyHeadersMiddleware")),
    ("uvicorn: HTTP protocol (parse, keep-alive, task start)", _has("(uvicorn/protocols")),
]
OTHER = "event loop (uvloop) / other"

# Within a layer, starlette Request/Headers frames belong to whoever called them unless a handler did.
_HANDLER = _has("RelationHandlers.", "_Endpoint.__call__")


def classify(frames: list[Frame]) -> str:
    under_handler = any(_HANDLER(frame) for frame in frames)
    for frame in reversed(frames):
        for name, match in LAYERS:
            if name.startswith("starlette Request") and not under_handler:
                continue
            if match(frame):
                return name
    return OTHER


def read_raw(path: Path) -> list[tuple[list[Frame], int]]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


def summarize(samples: list[tuple[list[Frame], int]], top: int = 25) -> str:
    total = sum(n for _, n in samples) or 1
    layers: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, n in samples:
        layers[classify(frames)] += n
        leaves[frames[-1]] += n
        for name in {
            frame.rpartition(" (")[0] + " (" + frame.rpartition(" (")[2].split(":")[0] for frame in frames
        }:
            inclusive[name] += n
    lines = [f"{total} samples.", "", "| layer (innermost on the stack) | share |", "|---|---:|"]
    lines += [f"| {name} | {100 * n / total:.1f} % |" for name, n in layers.most_common()]
    lines += ["", f"Top {top} leaf frames (self time):", "", "| frame | share |", "|---|---:|"]
    lines += [f"| `{name}` | {100 * n / total:.1f} % |" for name, n in leaves.most_common(top)]
    lines += ["", "Inclusive time of the request path's main frames:", "", "| frame | share |", "|---|---:|"]
    for name, n in inclusive.most_common():
        if any(
            key in name
            for key in ("mockserver", "connexion", "starlette", "uvicorn/protocols", "uvicorn/middleware")
        ):
            lines.append(f"| `{name})` | {100 * n / total:.1f} % |")
    return "\n".join(lines)


def ensure_py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if Path(found).exists():
        return found
    toolchain.say("installing py-spy into this venv (pip)")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True)
    return str(Path(sys.executable).parent / "py-spy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/profile.py", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=options._seconds, default=20, help="seconds sampled (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second (default 200)")
    parser.add_argument("--mock-args", default="", help="extra mock flags, e.g. '--quiet --state /tmp/s.db'")
    parser.add_argument("--native", action="store_true", help="py-spy --native (C frames too)")
    parser.add_argument(
        "--source", type=Path, help="run `python -m mockserver` from this folder (e.g. a scratch copy)"
    )
    parser.add_argument("--raw", type=Path, help="classify this py-spy raw file instead of running the mock")
    parser.add_argument("--keep", type=Path, help="write the raw samples here")
    args = parser.parse_args(argv)
    if args.raw:
        print(summarize(read_raw(args.raw)))  # noqa: T201
        return 0
    wrk = toolchain.ensure_wrk(no_install=False)
    spy = ensure_py_spy()
    body, headers = probes.seed_request()
    workdir = Path(tempfile.mkdtemp(prefix="relation-profile-"))
    port = servers.free_port()
    cmd = [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(port)]
    server = servers.Server("mock", port, [*cmd, *shlex.split(args.mock_args)], workdir / "mock.log")
    if args.source:
        server.cwd = args.source.resolve()
    raw = args.keep or workdir / "profile.raw"
    server.start(body, headers)
    try:
        wrk_runs.run_wrk(wrk, server, 3, args.connections, 2, workdir, "warmup")
        load = subprocess.Popen(
            wrk_runs.wrk_command(wrk, port, args.duration + 4, args.connections, 2),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(2)
        pids = server.pids()
        cpu0, t0 = procfs.cpu_seconds_split(pids), time.perf_counter()
        spy_cmd = [spy, "record", "--pid", str(server.proc.pid), "--format", "raw", "--nonblocking"]
        spy_cmd += ["-r", str(args.rate), "-d", str(args.duration), "-o", str(raw)]
        spy_cmd += ["--native"] if args.native else []
        subprocess.run(spy_cmd, check=True, capture_output=True)
        cpu1, t1 = procfs.cpu_seconds_split(pids), time.perf_counter()
        out, _ = load.communicate(timeout=args.duration + 60)
    finally:
        server.stop()
    got = wrk_runs.parse_summary(out)
    user, system = ((b - a) / (t1 - t0) for a, b in zip(cpu0, cpu1, strict=True))
    print(f"# Profile: `{shlex.join(server.cmd[1:])}` under wrk c{args.connections}\n")  # noqa: T201
    print(  # noqa: T201
        f"wrk while sampling: {got['rps']:.0f} req/s, p50 {got['p50']:.2f} ms, p99 {got['p99']:.2f} ms "
        f"(py-spy --nonblocking at {args.rate} Hz slows the server a little). Server CPU over the "
        f"window: user {user:.2f} + system {system:.2f} cores. Raw samples: {raw}\n"
    )
    print(summarize(read_raw(raw)))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
