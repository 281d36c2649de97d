"""Registering swabs through the API, as on a mass-testing morning, on this 2-core machine:
gunicorn (sync workers) on loopback, on SQLite and on PostgreSQL, each registration a typed ID
number into 10-in-1 tubes (ten consecutive people share a tube, so requests fill the same tube
at once), every one a new person.

1. sustained single registrations/s: N client connections back to back (closed loop);
2. p50/p99 latency at 1,000 registrations/s offered (open loop: requests leave on a fixed
   schedule whatever the server does, and latency is counted from the scheduled moment, so a
   slow server is not hidden by a client that waits for it);
3. sustained registrations/s in batches of 100 (a phone syncing what it kept offline).

The load generator is Python asyncio in this process, on the same two cores as gunicorn and
the database: what it spends is taken from the server, so the figures are a floor.

    .venv/bin/python bench/testing_registration.py [--seconds 10] [--workers 4] [--databases sqlite postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.PG_NAME = "fangxian_bench_testing_table"  # its own database: other benches may run beside it
PORT = 18131
RESIDENTS = 40_000


def build_world() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import ApiToken, Role
    from fangxian.lib import idnumber
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.testing.models import Campaign

    community = common.make_community("110102015001", 50, 2, 10, 4)
    dwellings = list(Dwelling.objects.filter(community=community).values_list("id", flat=True))
    birth = datetime.date(1980, 1, 1)
    numbers = [idnumber.make("110102", birth + datetime.timedelta(days=i // 400), i, "M") for i in range(RESIDENTS)]
    Resident.objects.bulk_create(
        [
            Resident(
                community=community, dwelling_id=dwellings[i % len(dwellings)], name=f"居民{i}", sex="M", id_number=n
            )
            for i, n in enumerate(numbers)
        ],
        batch_size=5000,
    )
    sampler = get_user_model().objects.create_user("sampler", password="x")
    Role.objects.create(user=sampler, kind=Role.Kind.VOLUNTEER, community=community)
    now = timezone.now()
    campaigns = [
        Campaign.objects.create(
            community=community,
            name=f"第{n}轮",
            starts_at=now - datetime.timedelta(days=1),
            ends_at=now + datetime.timedelta(days=1),
        ).pk
        for n in range(3)
    ]
    return {"token": ApiToken.issue(sampler), "numbers": numbers, "campaigns": campaigns}


def item(campaign: int, number: str, tube: str, at: str) -> dict:
    return {
        "campaign_id": campaign,
        "client_id": str(uuid.uuid4()),
        "tube": tube,
        "id_number": number,
        "sampled_at": at,
    }


def request_bytes(body: dict, token: str) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST /api/v1/testing/samples HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


async def send(raw: bytes) -> tuple[int, bytes]:
    """(status, answer); (0, b"") when the server refused or dropped the connection (overloaded)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        writer.write(raw)
        await writer.drain()
        answer = await reader.read()
        writer.close()
    except OSError:
        return 0, b""
    status = int(answer[9:12]) if answer[:5] == b"HTTP/" else 0
    return status, answer


def accepted_in(answer: bytes) -> int:
    return answer.count(b'"accepted": true')


async def closed_loop(requests: list[bytes], connections: int, seconds: float) -> tuple[int, int, float, list[float]]:
    queue = iter(requests)
    done, good, latencies = 0, 0, []
    deadline = time.perf_counter() + seconds

    async def device():
        nonlocal done, good
        for raw in queue:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            status, answer = await send(raw)
            latencies.append(time.perf_counter() - t0)
            done += 1
            good += accepted_in(answer) if status == 200 else 0

    started = time.perf_counter()
    await asyncio.gather(*(device() for _ in range(connections)))
    return done, good, time.perf_counter() - started, latencies


async def open_loop(requests: list[bytes], rate: float, seconds: float) -> tuple[int, int, list[float], float]:
    count = int(rate * seconds)
    latencies: list[float] = []
    good = 0
    started = time.perf_counter()

    async def one(index: int, raw: bytes):
        nonlocal good
        scheduled = started + index / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        status, answer = await send(raw)
        latencies.append(time.perf_counter() - scheduled)  # from when it should have left
        good += accepted_in(answer) if status == 200 else 0

    await asyncio.gather(*(one(i, raw) for i, raw in zip(range(count), requests, strict=False)))
    return count, good, latencies, time.perf_counter() - started


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def run(database_url: str, seconds: float, workers: int) -> None:
    common.setup_django(database_url)
    world = build_world()
    from fangxian.testing.models import Sample

    at = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)).isoformat()
    numbers, token = world["numbers"], world["token"]
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench", ALLOWED_HOSTS="127.0.0.1", DEBUG="false")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "fangxian.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--chdir",
            str(common.ROOT),
            "--backlog",
            "4096",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        while True:
            try:
                asyncio.run(send(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
                break
            except OSError:
                time.sleep(0.3)
        first = world["campaigns"][0]
        singles = [
            request_bytes({"samples": [item(first, n, f"S{i // 10:07d}", at)]}, token) for i, n in enumerate(numbers)
        ]
        asyncio.run(closed_loop(singles[:200], 8, 5))  # warm-up: workers import and connect
        done, good, elapsed, latencies = asyncio.run(closed_loop(singles[200:], 16, seconds))
        print(
            f"single registrations, 16 devices back to back, {workers} workers: {done / elapsed:,.0f}/s "
            f"({good:,} accepted of {done:,}), p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms "
            f"(goal 2,000/s: {done / elapsed / 2000:.0%})"
        )
        second = world["campaigns"][1]
        offered = [
            request_bytes({"samples": [item(second, n, f"O{i // 10:07d}", at)]}, token) for i, n in enumerate(numbers)
        ]
        count, good, latencies, elapsed = asyncio.run(open_loop(offered, 1000, seconds))
        print(
            f"1,000/s offered for {seconds:g} s: {count / elapsed:,.0f}/s answered or dropped, {good:,} accepted of {count:,}, "
            f"p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms (goal p99 <= 100 ms)"
        )
        third = world["campaigns"][2]
        batches = [
            request_bytes(
                {"samples": [item(third, numbers[j], f"B{j // 10:07d}", at) for j in range(i, i + 100)]}, token
            )
            for i in range(0, RESIDENTS, 100)
        ]
        done, good, elapsed, latencies = asyncio.run(closed_loop(batches, 4, seconds))
        print(
            f"batches of 100, 4 phones syncing back to back: {good / elapsed:,.0f} registrations/s "
            f"({good:,} accepted in {done:,} requests), p99 {pct(latencies, 0.99):.0f} ms a batch "
            f"(goal 2,000/s: {good / elapsed / 2000:.0%})"
        )
        over = Sample.objects.raw(
            "SELECT t.id FROM testing_tube t WHERE t.size > t.capacity OR t.size <> (SELECT COUNT(*) FROM testing_sample s WHERE s.tube_id = t.id)"
        )
        print(f"tubes overfilled or miscounted: {len(list(over))}; samples stored {Sample.objects.count():,}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--database")
    args = parser.parse_args()
    if args.database:
        run(args.database, args.seconds, args.workers)
    else:
        common.run_per_database(
            __file__, args.databases, "--seconds", str(args.seconds), "--workers", str(args.workers)
        )
