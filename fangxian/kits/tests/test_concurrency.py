"""Two people handing the same kit over at the same moment: one wins, the other is told who."""

import threading

from django.db import connections

from fangxian.kits import distributing
from fangxian.supplies.models import Movement

from .conftest import signature_url


def test_two_hand_overs_at_once_issue_one_kit(transactional_db, world, kit, distribution, monkeypatch):
    recipient = distribution.recipients.first()
    both_checked = threading.Barrier(2, timeout=10)
    read_proof = distributing.proof_of

    def proof_then_wait(signature, photo):
        found = read_proof(signature, photo)
        both_checked.wait()  # both are past the first look: the lock decides
        return found

    monkeypatch.setattr(distributing, "proof_of", proof_then_wait)
    results = {}

    def hand_over(actor):
        try:
            distributing.hand_over(recipient, world.users[actor], signature=signature_url())
            results[actor] = "won"
        except distributing.AlreadyHandedOver as exc:
            results[actor] = str(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_over, args=(a,)) for a in ("volunteer", "grid_worker")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = next(a for a, r in results.items() if r == "won")
    loser = next(a for a in results if a != winner)
    assert winner in results[loser]
    assert Movement.objects.filter(kind="issue").count() == 3
