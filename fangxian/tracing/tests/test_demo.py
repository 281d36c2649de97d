"""The demo's trace, as the demo's health worker opens it."""

from __future__ import annotations

from fangxian.demo.tests.test_demo import demo, login  # noqa: F401 (the fixture)
from fangxian.tracing.models import Trace


def test_the_demo_has_a_traced_case_with_contacts(demo):  # noqa: F811
    trace = Trace.objects.get()
    reasons = {r["reason"] for c in trace.contacts.all() for r in c.reasons}
    assert {"household", "gate", "errand"} <= reasons
    assert trace.contacts.filter(key="phone:13911112222").exists()  # the courier
    assert trace.contacts.filter(resident__community=trace.community).exclude(resident=None).count() >= 5
    assert trace.contacts.exclude(resident__community=trace.community).exclude(resident=None).exists()
    page = login("demo-health").get(f"/tracing/{trace.pk}/")
    assert page.status_code == 200 and "快递员李师傅" in page.content.decode()
    assert login("demo-other").get(f"/tracing/{trace.pk}/").status_code == 404
