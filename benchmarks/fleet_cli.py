"""What users run: ``scorekeeper assess --all-tenants`` as a new process, against N served tenants, beside its floors.

``benchmarks/fleet.py`` calls the engine inside a process it set up; this script runs the
command a person types, in a process of its own, after a first run has assessed every tenant
once (the steady state: no Secure Score history to import). For each run it prints

- the command's CPU per tenant: user + system time of the client process and its threads, read
  from ``/proc/PID/stat`` when it has exited (before it is reaped), including start-up (imports,
  config, plugins, opening the history), which a user pays on every run;
- the command's wall time, beside the latency limit: latency × round trips × tenants ÷
  concurrency, where the round trips are those one tenant alone waits for;
- its peak RSS (``ru_maxrss`` of the reaped child);
- two measured floors, each in a process of its own:

  * **wire floor**: the same HTTP requests the command sent (captured from one tenant through the
    real transport, replayed for every tenant with that tenant's own tokens) sent over raw asyncio
    sockets with kept-alive connections, and each answer's JSON parsed with orjson — what the
    requests cost with no client library at all;
  * **sqlite floor**: the rows the measured run added to the history database (every table, found
    by rowid), inserted again by the ``sqlite3`` module alone into an empty copy of the schema
    (same indexes, WAL, ``synchronous = NORMAL``), one transaction per tenant — what the history
    rows cost with no ORM or SQLAlchemy. Rows the run *updated* (the ``latest_results``
    pointers) are not in it, so the floor is a little low.

It also prints the first run's CPU per tenant as a multiple of the steady one (issue 30 asks for
at most 2×) and the ``[scorekeeper] concurrency`` a user gets without setting it.

``--all-controls`` runs every installed control (``assess --all-tenants`` with no ``--control``,
as a user who names none); the default is the SSPR + PWAgePolicyNew pair that the figures in
docs/performance.md were measured with since issue 14. ``--concurrency default`` leaves the key
out of the config, so the command runs at the default.

``--profile`` runs the measured command under cProfile (written to ``--profile-out``) or, with
``--py-spy`` and py-spy installed, samples it. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/fleet_cli.py [--tenants 300 1000] [--latency 100] [--concurrency 64|default]
        [--repeat 3] [--controls SelfServicePasswordReset PWAgePolicyNew | --all-controls] [--profile] [--py-spy]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from fleet import CONTROLS, start_server  # the same served fleet as benchmarks/fleet.py

SCOREKEEPER = str(Path(sys.executable).with_name("scorekeeper"))


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (all its threads), from ``/proc/PID/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_command(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run ``command`` to its end; its wall time, CPU (from /proc, read while it is a zombie) and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: /proc still has its times
    wall = time.perf_counter() - started
    cpu = proc_cpu_seconds(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1, 3):  # 3: a setting fails, as on a weak tenant; 1: one could not be read
        raise SystemExit(f"{' '.join(command[:4])}... exited {proc.returncode}:\n{stderr[-3000:]}")
    return {"wall": wall, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024, "exit": proc.returncode}


def table_high_water(db: Path) -> dict[str, int]:
    """Each rowid table's largest rowid: what a later run adds is above it."""
    with sqlite3.connect(db) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        marks = {}
        for name in names:
            if name.startswith("sqlite_"):
                continue
            try:
                marks[name] = connection.execute(f'SELECT coalesce(max(rowid), 0) FROM "{name}"').fetchone()[0]
            except sqlite3.OperationalError:  # WITHOUT ROWID
                continue
    return marks


def sqlite_floor(db: Path, before: dict[str, int], tenants: int) -> dict[str, float]:
    """CPU of writing the rows the run added with ``sqlite3`` alone, one transaction per tenant (own process)."""
    script = {"db": str(db), "before": before, "tenants": tenants}
    out = subprocess.run(
        [sys.executable, __file__, "--sqlite-floor", json.dumps(script)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout))


def _sqlite_floor_child(spec: dict[str, Any]) -> dict[str, float]:
    source = sqlite3.connect(spec["db"])
    schema = [
        r[0] for r in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")
    ]
    added: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for table, mark in spec["before"].items():
        cursor = source.execute(f'SELECT * FROM "{table}" WHERE rowid > ?', (mark,))
        rows = cursor.fetchall()
        if rows:
            added[table] = ([d[0] for d in cursor.description], rows)
    source.close()
    tenants = max(1, int(spec["tenants"]))
    with tempfile.TemporaryDirectory() as tmp:
        target = sqlite3.connect(Path(tmp) / "floor.db", isolation_level=None)
        target.execute("PRAGMA journal_mode = WAL")
        target.execute("PRAGMA synchronous = NORMAL")
        for statement in schema:
            target.execute(statement)
        statements = {
            table: f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
            for table, (columns, _) in added.items()
        }
        started = time.process_time()
        for tenant in range(tenants):
            target.execute("BEGIN")
            for table, (_, rows) in added.items():
                share = rows[tenant::tenants]
                if share:
                    target.executemany(statements[table], share)
            target.execute("COMMIT")
        cpu = time.process_time() - started
        target.close()
    return {"cpu": cpu, "rows": sum(len(rows) for _, rows in added.values()), "tables": len(added)}


# --- the wire floor -----------------------------------------------------------------------------


def capture_requests(
    config: Path, tenant: str, controls: list[str] | None, env: dict[str, str]
) -> list[dict[str, Any]]:
    """The HTTP requests one steady-state assessment of ``tenant`` sends, as they reach the socket (own process)."""
    which = ["--controls", *controls] if controls else ["--all-controls"]
    out = subprocess.run(
        [sys.executable, __file__, "--capture", str(config), tenant, *which],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"capture failed:\n{out.stderr[-3000:]}")
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


async def _capture_child(config_path: Path, tenant: str, controls: list[str] | None) -> list[dict[str, Any]]:
    import httpx

    from scorekeeper.config.model import load_config
    from scorekeeper.engine import Engine
    from scorekeeper.graph.transport import AiohttpTransport
    from scorekeeper.plugin.manager import load_plugins
    from scorekeeper.store import HistoryStore

    seen: list[dict[str, Any]] = []
    original = AiohttpTransport.handle_async_request

    async def recording(self: Any, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        seen.append(
            {
                "method": request.method,
                "url": str(request.url),
                "headers": [[k, v] for k, v in request.headers.multi_items()],
                "body": body.decode("latin-1"),
            }
        )
        return await original(self, request)

    original_exchange = AiohttpTransport.exchange  # the lean request path's (graph/lean.py)

    async def recording_exchange(self: Any, method: str, url: Any, headers: Any, body: Any, timeout: Any) -> Any:
        seen.append(
            {
                "method": method,
                "url": str(url),
                "headers": [[k, v] for k, v in headers],
                "body": (body or b"").decode("latin-1"),
            }
        )
        return await original_exchange(self, method, url, headers, body, timeout)

    AiohttpTransport.handle_async_request = recording  # type: ignore[method-assign]
    AiohttpTransport.exchange = recording_exchange  # type: ignore[method-assign]
    config = load_config(config_path, data_dir=config_path.parent)
    store = HistoryStore.open(str(config_path.parent / "history.db"))
    engine = Engine(config, load_plugins(), store, config_path.parent)
    await engine.assess([tenant], controls)  # steady state: the tenant was assessed before
    seen.clear()
    await engine.assess([tenant], controls)
    store.close()
    return seen


def tenant_tokens(config: Path) -> list[tuple[str, str]]:
    """(Graph token, portal token) of every served tenant, in name order."""
    tables = tomllib.loads(config.read_text())["tenants"]
    return [(tables[n]["token"], tables[n]["portal_token"]) for n in sorted(tables) if n.startswith("sim-")]


def wire_floor(requests: list[dict[str, Any]], config: Path, concurrency: int) -> dict[str, float]:
    """CPU of the same requests for every tenant over raw sockets (own process)."""
    spec = {"requests": requests, "config": str(config), "concurrency": concurrency}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--wire-floor", handle.name], capture_output=True, text=True, check=False
        )
    finally:
        Path(handle.name).unlink()
    if out.returncode != 0:
        raise SystemExit(f"wire floor failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout))


class _Connection:
    """One kept-alive HTTP/1.1 connection: write a prepared request, read its answer (Content-Length or chunked)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return status, b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


async def _wire_child(spec: dict[str, Any]) -> dict[str, float]:
    import orjson

    config = Path(spec["config"])
    tokens = tenant_tokens(config)
    first_graph, first_portal = tokens[0]
    templates = []
    for request in spec["requests"]:
        parts = urlsplit(request["url"])
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{request['method']} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        body = request["body"].encode("latin-1")
        for name, value in request["headers"]:
            if name.lower() not in ("host", "content-length", "transfer-encoding", "connection"):
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        text = "\r\n".join(lines) + "\r\n\r\n"
        templates.append((parts.hostname or "127.0.0.1", parts.port or 80, text, body))
    # Each tenant's requests, with its own tokens in place of the captured tenant's, built before timing.
    prepared = [
        [
            (host, port, text.replace(first_graph, graph).replace(first_portal, portal).encode("latin-1") + body)
            for host, port, text, body in templates
        ]
        for graph, portal in tokens
    ]
    idle: list[_Connection] = []

    async def send(host: str, port: int, raw: bytes) -> None:
        connection = idle.pop() if idle else _Connection(*await asyncio.open_connection(host, port))
        status, body = await connection.exchange(raw)
        if status >= 400:
            raise SystemExit(f"the wire floor's request was answered {status}: {body[:200]!r}")
        if body:
            orjson.loads(body)
        idle.append(connection)

    queue: asyncio.Queue[list[tuple[str, int, bytes]]] = asyncio.Queue()
    for requests in prepared:
        queue.put_nowait(requests)

    async def worker() -> None:
        while not queue.empty():
            requests = queue.get_nowait()
            await asyncio.gather(*(send(*r) for r in requests))

    started_cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(int(spec["concurrency"]))))
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    for connection in idle:
        connection.writer.close()
    return {"cpu": cpu, "wall": wall, "requests": len(templates) * len(prepared)}


# --- the benchmark --------------------------------------------------------------------------------


def assess_command(controls: list[str] | None) -> list[str]:
    """The command a user types: the named controls, or (``None``) every installed one."""
    return [SCOREKEEPER, "assess", "--all-tenants", *(a for c in controls or () for a in ("--control", c))]


def default_concurrency() -> int:
    """``[scorekeeper] concurrency`` when the config does not set it."""
    from scorekeeper.config.model import Settings

    return int(Settings.model_fields["concurrency"].default)


def controls_of(args: argparse.Namespace) -> list[str] | None:
    return None if args.all_controls else list(args.controls)


def measure(count: int, args: argparse.Namespace) -> dict[str, Any]:
    server, snippet, _ = start_server(count, args.latency, args.profile_name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            config = data / "scorekeeper.toml"
            concurrency = default_concurrency() if args.concurrency == "default" else int(args.concurrency)
            settings = "" if args.concurrency == "default" else f"[scorekeeper]\nconcurrency = {concurrency}\n\n"
            config.write_text(f"{settings}{snippet}")
            env = {**os.environ, "SCOREKEEPER_DATA_DIR": tmp, "SCOREKEEPER_CONFIG": str(config)}
            env.pop("SCOREKEEPER_DB", None)
            command = assess_command(controls_of(args))
            first = run_command(command, env)  # every tenant assessed once: imports its score history
            runs = []
            db = data / "history.db"
            floors: list[dict[str, float]] = []
            for _ in range(args.repeat):
                before = table_high_water(db)
                runs.append(run_command(command, env))
                floors.append(sqlite_floor(db, before, count))
            requests = capture_requests(config, "sim-0001", controls_of(args), env)
            wires = [wire_floor(requests, config, concurrency) for _ in range(args.repeat)]
            profile = None
            if args.py_spy or args.profile:
                profile = profile_command(command, env, args)
            return {
                "tenants": count,
                "first": first,
                "runs": runs,
                "sqlite": floors,
                "wire": wires,
                "requests_per_tenant": len(requests),
                "concurrency": concurrency,
                "controls": "every installed control" if args.all_controls else " + ".join(args.controls),
                "profile": profile,
            }
    finally:
        server.terminate()
        server.wait()


def profile_command(command: list[str], env: dict[str, str], args: argparse.Namespace) -> str:
    """Run the command once more under a profiler; returns where its output went."""
    out = Path(args.profile_out).resolve()
    if args.py_spy:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        profiled = [spy, "record", "--rate", "250", "--format", "raw", "--output", str(out), "--", *command]
    else:
        profiled = [sys.executable, "-c", _CPROFILE, str(out), *command[1:]]
    subprocess.run(profiled, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return str(out)


#: Where a sampled stack's time goes: the first rule whose pattern is in the stack wins (order matters:
#: rendering and history are checked before the HTTP layers they may call into).
BREAKDOWN = (
    ("printing the result tables (rich)", ("scorekeeper/cli/render.py", "rich/")),
    ("history writes and reads", ("scorekeeper/store/", "sqlalchemy/", "sqlite3")),
    ("imports (start-up)", ("_find_and_load",)),
    ("config, credentials, tokens", ("scorekeeper/config/", "azure/identity", "get_token", "kiota_authentication")),
    ("portal requests (client, httpx, the socket under it)", ("graph/portal.py",)),
    (
        "Graph requests (kiota adapter, middleware, httpx, the socket under them)",
        ("kiota_http", "msgraph_core", "httpx/"),
    ),
    ("aiohttp transport", ("aiohttp/", "graph/transport.py")),
    ("SDK models and parsing", ("kiota_serialization", "msgraph/generated")),
    ("plugins' evaluation", ("scorekeeper_",)),
    ("engine (sessions, shared reads, results)", ("scorekeeper/engine/", "scorekeeper/graph/")),
    ("threads (other)", ("concurrent/futures/thread.py", "threading.py")),
)
IDLE = "idle threads (sampled waiting)"
#: Leaf frames of a thread that is only waiting (py-spy samples some waits as busy).
IDLE_LEAVES = ("Condition.wait", "Event.wait", "_worker (concurrent/futures/thread.py", "select (selectors.py")


def breakdown(raw: Path) -> list[tuple[str, float]]:
    """Share of py-spy's busy samples per :data:`BREAKDOWN` (``--format raw``: one ``frame;...;frame count`` a line)."""
    shares: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        leaf = stack.rsplit(";", 1)[-1]
        if any(wait in leaf for wait in IDLE_LEAVES):  # a thread sampled while it waits (a heartbeat's timer)
            name = IDLE
        else:
            name = next(
                (n for n, marks in BREAKDOWN if any(m in stack for m in marks)), "other (event loop, asyncio, gc)"
            )
        shares[name] = shares.get(name, 0) + int(count)
    busy = max(total - shares.get(IDLE, 0), 1)  # shares of the CPU: waiting threads are not in it
    return sorted(((n, c / busy) for n, c in shares.items() if n != IDLE), key=lambda item: -item[1])


_CPROFILE = """
import cProfile, sys
out = sys.argv[1]
sys.argv = ["scorekeeper", *sys.argv[2:]]
from scorekeeper.cli.main import main
profiler = cProfile.Profile()
profiler.enable()
try:
    main()
except SystemExit:
    pass
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def report(result: dict[str, Any], latency: float) -> None:
    n, conc = result["tenants"], result["concurrency"]
    runs = result["runs"]
    cpu = sorted(r["cpu"] / n * 1000 for r in runs)
    wall = sorted(r["wall"] for r in runs)
    rss = max(r["rss_mb"] for r in runs)
    sqlite_ms = sorted(f["cpu"] / n * 1000 for f in result["sqlite"])
    wire_ms = sorted(w["cpu"] / n * 1000 for w in result["wire"])
    wire_wall = sorted(w["wall"] for w in result["wire"])
    # The round trips one tenant alone waits for: every request of a tenant goes out at once.
    limit = latency * n / min(conc, n)

    def span(values: list[float], unit: str, digits: int = 1) -> str:
        return f"{values[0]:.{digits}f} / {statistics.median(values):.{digits}f} {unit} (min / median of {len(values)})"

    first = result["first"]
    first_ms = first["cpu"] / n * 1000
    print(f"scorekeeper assess --all-tenants: {n} tenants, concurrency {conc}, {latency * 1000:.0f} ms latency")
    print(f"  controls:             {result['controls']}")
    print(f"  default concurrency:  {default_concurrency()}   ([scorekeeper] concurrency when the config sets none)")
    print(f"  exit codes:           {sorted({r['exit'] for r in runs})} (3: a setting fails; 1: one was unknown)")
    print(f"  first run:            {first['wall']:.2f} s wall, {first_ms:.1f} ms CPU per tenant")
    steady = statistics.median(cpu)
    print(f"  first / steady:       {first_ms / steady:.2f}x   (first run's CPU per tenant ÷ the steady median)")
    print(f"  CPU per tenant:       {span(cpu, 'ms')}   (the whole process: start-up included)")
    print(f"  wire floor:           {span(wire_ms, 'ms', 2)}   ({result['requests_per_tenant']} requests, raw sockets)")
    print(f"  sqlite floor:         {span(sqlite_ms, 'ms', 2)}   ({result['sqlite'][0]['rows'] / n:.0f} rows)")
    floor = wire_ms[0] + sqlite_ms[0]
    print(f"  command / floors:     {cpu[0] / floor:.1f}x   (min CPU ÷ (wire + sqlite floor))")
    print(f"  wall:                 {span(wall, 's', 2)}")
    print(
        f"  latency limit:        {limit:.2f} s   (1 round trip × tenants ÷ concurrency; "
        f"wall / limit = {wall[0] / limit:.1f})"
    )
    print(f"  wire floor wall:      {wire_wall[0]:.2f} s")
    print(f"  peak RSS:             {rss:.0f} MB")
    if result["profile"]:
        print(f"  profile:              {result['profile']}")
        if result["profile"].endswith(".raw"):
            for name, share in breakdown(Path(result["profile"])):
                print(f"    {share * 100:5.1f} %  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--latency", type=float, default=100.0, help="milliseconds per HTTP exchange")
    parser.add_argument("--concurrency", default="64", help="tenants at once, or 'default' (the config's default)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--controls", nargs="+", default=CONTROLS)
    parser.add_argument("--all-controls", action="store_true", help="every installed control (no --control)")
    parser.add_argument("--profile-name", default="weak-cloud", help="the simulator profile of the tenants")
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    parser.add_argument("--py-spy", action="store_true", help="one more run sampled by py-spy (raw stacks)")
    parser.add_argument("--profile-out", default="fleet_cli.prof", help="use a .raw name with --py-spy")
    parser.add_argument("--breakdown", type=Path, default=None, help="print the breakdown of a py-spy raw file")
    parser.add_argument("--sqlite-floor", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--wire-floor", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--capture", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.concurrency != "default" and not args.concurrency.isdigit():
        parser.error("--concurrency: a number of tenants, or 'default'")
    if args.breakdown is not None:
        for name, share in breakdown(args.breakdown):
            print(f"{share * 100:5.1f} %  {name}")
        return
    if args.sqlite_floor is not None:
        print(json.dumps(_sqlite_floor_child(json.loads(args.sqlite_floor))))
        return
    if args.wire_floor is not None:
        spec = json.loads(Path(args.wire_floor).read_text())
        print(json.dumps(asyncio.run(_wire_child(spec))))
        return
    if args.capture is not None:
        config, tenant = args.capture
        from scorekeeper.util import eventloop

        print(json.dumps(eventloop.run(_capture_child(Path(config), tenant, controls_of(args)))))
        return
    for count in args.tenants:
        report(measure(count, args), args.latency / 1000)


if __name__ == "__main__":
    main()
