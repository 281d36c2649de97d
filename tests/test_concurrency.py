"""Two people saving at the same moment on the default SQLite database: neither is told
"database is locked", and both saves land."""

import contextlib
import threading

import pytest
from django.db import connection, connections, transaction

from fangxian.places.models import Building, Community


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL locks rows, not the database")
def test_two_transactions_that_read_then_write_at_once_both_succeed(transactional_db, world):
    community = Community.objects.get(code=world.xiangchang.code)
    both_have_read = threading.Barrier(2, timeout=10)
    errors = []

    def save(number):
        try:
            with transaction.atomic():
                list(Building.objects.filter(community=community))  # read first, as a form's checks do
                # The other one waits for our lock: that is what we want.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_have_read.wait(timeout=2)
                Building.objects.create(community=community, number=number, floors=3)
        except Exception as exc:  # the failure this test is about: "database is locked"
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("c1", "c2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(Building.objects.filter(number__in=["c1", "c2"]).values_list("number", flat=True)) == {"c1", "c2"}
