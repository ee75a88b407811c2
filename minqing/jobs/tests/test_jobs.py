"""The job runner (docs/decisions/0011): the schedules run tick and deliver; a worker killed
mid-delivery and started again delivers every message exactly once per channel; with Redis
as the broker, a queued task is run by a real cluster."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule, Success, Task
from django_q.scheduler import scheduler

from minqing.jobs.schedules import ensure_schedules
from minqing.jobs.tasks import DELIVER, TICK, deliver_soon
from minqing.lib import clock
from minqing.notify.models import Delivery, OutboxMessage, OutboxStatus
from minqing.notify.services import AFTER_PUT, outbox_put

T0 = dt.datetime(2026, 8, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ROOT = Path(__file__).resolve().parents[3]


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_schedules_are_there_after_migrate(db):
    ensure_schedules()  # and again: nothing doubles
    rows = {s.name: (s.func, s.schedule_type, s.minutes) for s in Schedule.objects.all()}
    assert rows["minqing tick"] == (TICK, Schedule.MINUTES, 1)
    assert rows["minqing deliver"] == (DELIVER, Schedule.MINUTES, 1)
    assert Schedule.objects.filter(name__startswith="minqing ").count() == 2


def test_the_tick_schedule_runs_tick_on_time(world, cases, time_machine, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs in this process, in this test
    time_machine.move_to(T0, tick=False)
    ensure_schedules()
    Schedule.objects.update(next_run=T0 + dt.timedelta(minutes=1))
    case = cases.in_state("dispatched")  # a broken door: 2 hours, at the grid
    broker = get_broker()

    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)
    scheduler(broker=broker)
    assert not Task.objects.filter(func=TICK).exists()  # not due yet

    time_machine.move_to(T0 + dt.timedelta(hours=3), tick=False)
    scheduler(broker=broker)
    case.refresh_from_db()
    assert (case.level, case.was_overdue) == ("community", True)
    run = Success.objects.get(func=TICK)
    assert run.result["escalated"] == 1
    tick_schedule = Schedule.objects.get(name="minqing tick")
    assert tick_schedule.next_run > timezone.now()  # the next minute, not a backlog

    scheduler(broker=broker)  # the same minute again: nothing more
    assert Success.objects.filter(func=TICK).count() == 1


def test_a_write_asks_for_one_delivery_after_commit(db, django_capture_on_commit_callbacks):
    assert deliver_soon in AFTER_PUT
    with django_capture_on_commit_callbacks() as callbacks:
        outbox_put(topic="test.one", payload={})
        outbox_put(topic="test.two", payload={})
    assert len(callbacks) == 1  # one task for the transaction, however many messages


# --- a worker killed mid-delivery --------------------------------------------------------


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MINQING_REDIS_URL", None)
    env.update(
        MINQING_DATABASE_URL=database_url(),
        MINQING_NOTIFY_OUTBOX_DIR=str(tmp_path / "outbox"),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def lines(tmp_path: Path) -> list[dict]:
    found = []
    for name in ("sms.log", "wechat.log"):
        path = tmp_path / "outbox" / name
        if path.exists():
            found += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    return found


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_and_restarted_delivers_each_message_once(tmp_path):
    moment = clock.now()
    messages = [
        OutboxMessage.objects.create(
            topic="test.kill", payload={"n": n}, created_at=moment, available_at=moment
        )
        for n in range(3)
    ]
    for n, message in enumerate(messages):
        for channel, to in (("sms", f"1390000000{n}"), ("wechat", f"wx-{n}")):
            Delivery.objects.create(
                message=message,
                channel=channel,
                recipient=to,
                audience="reporter",
                event="accepted",
                language="en",
                text=f"message {n}",
                created_at=moment,
                available_at=moment,
            )
    mark = tmp_path / "started"
    common = {
        "MINQING_SMS_BACKEND": "slow",
        "MINQING_WECHAT_BACKEND": "slow",
        "MINQING_NOTIFY_LEASE_SECONDS": "2",
        "MINQING_TEST_MARK": str(mark),
    }
    command = [sys.executable, "-m", "minqing.jobs.tests.slow_worker"]

    worker = subprocess.Popen(
        command, env=subprocess_env(tmp_path, MINQING_TEST_SLOW_SECONDS="60", **common)
    )
    try:
        wait_for(lambda: mark.exists() and mark.read_text().strip() != "", 60, "a send to start")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    taken = int(mark.read_text().split()[0])
    assert lines(tmp_path) == []  # it died while the provider had it
    assert Delivery.objects.get(pk=taken).status == OutboxStatus.PENDING

    again = subprocess.Popen(
        command, env=subprocess_env(tmp_path, MINQING_TEST_SLOW_SECONDS="0", **common)
    )
    try:
        wait_for(
            lambda: not Delivery.objects.exclude(status=OutboxStatus.SENT).exists(),
            60,
            "every delivery to be sent",
        )
    finally:
        again.send_signal(signal.SIGKILL)
        again.wait(10)

    sent = Counter(line["delivery"] for line in lines(tmp_path))
    deliveries = Delivery.objects.all()
    assert sent == {d.pk: 1 for d in deliveries}  # each exactly once
    per_message = Counter((d.message_id, d.channel) for d in deliveries)
    assert set(per_message.values()) == {1} and len(per_message) == 6
    assert Delivery.objects.get(pk=taken).attempts == 2  # taken again after the lease
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()


# --- Redis ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    url = os.environ.get("MINQING_REDIS_URL", "")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("no Redis: neither MINQING_REDIS_URL nor redis-server on PATH (.ci/run has)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    try:
        wait_for(lambda: _pings(client), 10, "redis-server to start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.mark.django_db(transaction=True)
def test_with_redis_a_queued_delivery_is_run_by_a_cluster(redis_url, tmp_path, monkeypatch):
    from django_q.brokers.redis_broker import Redis
    from django_q.tasks import async_task

    monkeypatch.setattr(Conf, "REDIS", redis_url)
    broker = Redis(list_key=Conf.CLUSTER_NAME)
    broker.purge_queue()
    Schedule.objects.all().delete()  # only the task queued here
    moment = clock.now()
    message = OutboxMessage.objects.create(  # not outbox_put: its hook would queue a task too
        topic="test.redis", payload={}, created_at=moment, available_at=moment
    )
    task_id = async_task(DELIVER, broker=broker)
    assert broker.queue_size() == 1

    cluster = subprocess.Popen(
        [sys.executable, "-m", "minqing.cli", "qcluster"],
        env=subprocess_env(tmp_path, MINQING_REDIS_URL=redis_url, MINQING_JOB_WORKERS="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: Success.objects.filter(id=task_id).exists(), 60, "the task to run")
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(10)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert broker.queue_size() == 0
