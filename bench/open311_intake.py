"""Open311 POST intake against a bare Django view that inserts one row, on PostgreSQL.

    MINQING_DATABASE_URL=postgres://postgres@127.0.0.1:55433/minqing \\
        .venv/bin/python bench/open311_intake.py [--requests 3000] [--clients 8] [--workers 2]

What it does, in one run and with the same server settings for both endpoints:

1. makes a scratch database ``<name>_bench`` on the same server (dropped at the end), migrates
   it and adds a small district, a category and an integrator's API key;
2. serves minqing with Django's threaded WSGI server in ``--workers`` forked processes sharing
   one socket on 127.0.0.1 (persistent database connections, DEBUG off), plus one extra URL,
   ``/bench/bare``: a view that inserts one row with the ORM and answers 201;
3. sends ``--requests`` POSTs to each endpoint from ``--clients`` keep-alive connections
   (after a warm-up), bare view first, then Open311 ``requests.json`` (each intake writes the
   case, its event, its outbox row and the Open311 record, and answers 201);
4. prints both rates, their ratio, and p50/p99 latency, and checks that every intake wrote
   exactly one case, one event and one outbox row.

Traffic goes to 127.0.0.1 only, and the run is bounded by ``--requests``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_KEY = "mq311_bench_key_for_the_scratch_database_only"
BUILDINGS = 20


# --- the scratch database -------------------------------------------------------------


def scratch_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "minqing") + "_bench"
    return urlunsplit(parts._replace(path="/" + name)), name


def recreate_database(url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["MINQING_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import minqing.settings as base

    # Production-like: persistent connections for both endpoints alike.
    base.DATABASES["default"]["CONN_MAX_AGE"] = 600
    base.ROOT_URLCONF = "bench_open311_urls"
    import django

    django.setup()
    sys.modules["bench_open311_urls"] = _urlconf()


def _urlconf() -> types.ModuleType:
    from django.urls import include, path

    def bare(request):
        """The baseline: parse nothing, insert one row with the ORM, answer 201."""
        from django.http import HttpResponse

        from minqing.lib import clock
        from minqing.notify.models import OutboxMessage

        moment = clock.now()
        row = OutboxMessage.objects.create(
            topic="bench.bare", payload={}, created_at=moment, available_at=moment
        )
        return HttpResponse(f'{{"id": {row.pk}}}', status=201, content_type="application/json")

    from django.views.decorators.csrf import csrf_exempt

    module = types.ModuleType("bench_open311_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/bare", csrf_exempt(bare)),
        path("", include("minqing.urls")),
    ]
    return module


def seed() -> None:
    from django.core.management import call_command

    from minqing.cases.models import Category
    from minqing.open311.keys import api_key_install
    from minqing.open311.models import Integrator
    from minqing.places.models import Department, Place, PlaceKind

    call_command("migrate", verbosity=0)
    district = Place.objects.create(
        code="120101", name="和平区", kind=PlaceKind.DISTRICT, short="HP"
    )
    street = Place.objects.create(
        code="WDD", name="五大道街", kind=PlaceKind.SUBDISTRICT, parent=district
    )
    community = Place.objects.create(
        code="HYNL", name="华荫南里社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    grid = Place.objects.create(
        code="HYNL-G1", name="第一网格", kind=PlaceKind.GRID, parent=community
    )
    for n in range(1, BUILDINGS + 1):
        Place.objects.create(
            code=f"HYNL-G1-B{n:02d}",
            name=f"义顺里{n}号",
            kind=PlaceKind.BUILDING,
            parent=grid,
            address=f"天津市和平区义顺里{n}号",
            lat=39.11 + n * 0.0005,
            lng=117.20 + n * 0.0005,
        )
    housing = Department.objects.create(
        code="D-RENOV", name="区老旧房屋改造办公室", level="district", place=district
    )
    top = Category.objects.create(code="C01", name="城乡建设", level=1)
    mid = Category.objects.create(code="C01.01", name="住房与物业", level=2, parent=top)
    Category.objects.create(
        code="C01.01.01", name="楼门楼道设施", level=3, parent=mid, default_department=housing
    )
    integrator = Integrator.objects.create(name="bench")
    api_key_install(integrator=integrator, raw=API_KEY, rate_limit_per_minute=10**9)


# --- the server -----------------------------------------------------------------------


def serve(workers: int, threads: bool) -> tuple[int, list[int]]:
    """Pre-forked workers on one socket: each serves one request at a time (like gunicorn's
    sync workers; the answer closes the connection), or with ``threads`` one thread per
    kept-alive connection (Django's runserver)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, WSGIServer
    from django.db import connections

    class QuietHandler(WSGIRequestHandler):
        def setup(self) -> None:
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every answer on a kept-alive socket.
            connection: socket.socket = self.request  # type: ignore[assignment]
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().setup()

        def log_message(self, format, *args):
            pass

    server_class = ThreadedWSGIServer if threads else WSGIServer
    server = server_class(("127.0.0.1", 0), QuietHandler)
    server.request_queue_size = 128
    server.set_app(WSGIHandler())
    connections.close_all()
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker: serve until told to stop
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                server.serve_forever(poll_interval=0.5)
            finally:
                os._exit(0)
        children.append(pid)
    return server.server_address[1], children


# --- the load -------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


def body_for(path: str, n: int) -> bytes:
    if path == "/bench/bare":
        return b"n=%d" % n
    return urlencode(
        {
            "api_key": API_KEY,
            "service_code": "C01.01.01",
            "address_id": f"HYNL-G1-B{n % BUILDINGS + 1:02d}",
            "description": f"义顺里单元门关不上，晚上外人随意进出。第{n}次反映。",
            "first_name": "阿姨",
            "last_name": "王",
            "phone": "13812345678",
        }
    ).encode()


def load(port: int, path: str, requests: int, clients: int, name: str) -> Result:
    result = Result(name)
    lock = threading.Lock()
    counter = iter(range(requests))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def connect() -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def client() -> None:
        conn = connect()
        mine: list[float] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            conn.request("POST", path, body=body_for(path, n), headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status == 201:
                mine.append(elapsed)
            else:
                with lock:
                    result.errors[response.status] = result.errors.get(response.status, 0) + 1
            if response.getheader("Connection") == "close":
                conn.close()
                conn = connect()
        conn.close()
        with lock:
            result.latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def report(bare: Result, intake: Result) -> None:
    print(f"{'endpoint':<28}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for r in (bare, intake):
        print(
            f"{r.name:<28}{r.rate:>12.0f}{r.percentile(0.50):>10.1f}"
            f"{r.percentile(0.99):>10.1f}{sum(r.errors.values()):>8}"
        )
    ratio = intake.rate / bare.rate if bare.rate else 0.0
    print(f"ratio: Open311 intake runs at {ratio:.0%} of the bare view's rate (target ≥ 60%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="per endpoint")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=8, help="server processes")
    parser.add_argument(
        "--threads", action="store_true", help="threaded workers with kept-alive connections"
    )
    parser.add_argument("--warmup", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    url = os.environ.get("MINQING_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set MINQING_DATABASE_URL to a PostgreSQL server (see the docstring).")
    bench_url, name = scratch_url(url)
    recreate_database(url, name)
    children: list[int] = []
    try:
        setup_django(bench_url)
        seed()
        port, children = serve(args.workers, args.threads)
        time.sleep(0.5)
        kind = "threaded, kept-alive connections" if args.threads else "one request at a time"
        print(
            f"PostgreSQL database {name}; {args.workers} server processes ({kind}; persistent "
            f"database connections); {args.clients} clients; "
            f"{args.requests} requests per endpoint after {args.warmup} to warm up"
        )
        load(port, "/bench/bare", args.warmup, args.clients, "warm-up")
        load(port, "/open311/requests.json", args.warmup, args.clients, "warm-up")

        from minqing.cases.models import Case, CaseEvent
        from minqing.notify.models import OutboxMessage

        before = (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count())
        bare = load(port, "/bench/bare", args.requests, args.clients, "bare view (1 INSERT)")
        bare_rows = OutboxMessage.objects.count() - before[2]
        intake = load(
            port,
            "/open311/requests.json",
            args.requests,
            args.clients,
            "Open311 POST requests.json",
        )
        written = (
            Case.objects.count() - before[0],
            CaseEvent.objects.count() - before[1],
            OutboxMessage.objects.count() - before[2] - bare_rows,
        )
        report(bare, intake)
        ok = len(intake.latencies)
        print(
            f"written by the intake: {written[0]} cases, {written[1]} events, "
            f"{written[2]} outbox rows for {ok} answers of 201"
        )
        if written != (ok, ok, ok) or intake.errors or bare.errors:
            sys.exit(f"unexpected: errors {bare.errors} {intake.errors}, written {written}")
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(url, name, drop_only=True)


if __name__ == "__main__":
    main()
