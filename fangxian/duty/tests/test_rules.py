"""The duty pages and the duty API share one set of rules (fangxian/duty/forms.py): the same
input is refused by both, with the same words in the user's language, and nothing is saved."""

import datetime
import html
import json

import pytest
from django.utils import timezone

from fangxian.duty.models import Person, Post, Roster


def api_refusal(client, path, body, field):
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    return response.json()["detail"][field]


def page_says(client, path, form, words):
    page = html.unescape(client.post(path, form, follow=True).content.decode())
    assert all(w in page for w in words), words


@pytest.mark.parametrize(
    "field, page_value, api_value",
    [
        ("max_hours_week", "0", 0),
        ("max_hours_week", "85", 85),
        ("birth_year", "1800", 1800),
        ("phone", "1" * 25, "1" * 25),
        ("name", "", ""),
        ("level", "province", "province"),
    ],
)
def test_a_person_the_rules_refuse_is_refused_by_page_and_api_alike(
    world, client_for, api_for, field, page_value, api_value
):
    words = api_refusal(
        api_for("secretary"),
        "/api/v1/duty/people",
        {"community_id": world.xiangchang.id, "name": "王阿姨", field: api_value},
        field,
    )
    page_says(
        client_for("secretary"),
        "/duty/people/",
        {"community": world.xiangchang.id, "name": "王阿姨", field: page_value},
        words,
    )
    assert not Person.objects.exists()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words)  # in Chinese, the user's language


def test_availability_outside_the_week_is_refused_by_page_and_api_alike(world, client_for, api_for):
    words = api_refusal(
        api_for("secretary"),
        "/api/v1/duty/people",
        {"community_id": world.xiangchang.id, "name": "王阿姨", "availability": {"0": [6]}},
        "availability",
    )
    page_says(
        client_for("secretary"),
        "/duty/people/",
        {"community": world.xiangchang.id, "name": "王阿姨", "day0": ["6"]},
        words,
    )
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    "start, hours, headcount", [("24", "4", "2"), ("8", "0", "2"), ("8", "4", "51"), ("-1", "4", "2")]
)
def test_a_shift_the_rules_refuse_is_refused_by_page_and_api_alike(world, client_for, api_for, start, hours, headcount):
    pattern = {"start": int(start), "hours": int(hours), "headcount": int(headcount)}
    words = api_refusal(
        api_for("secretary"),
        "/api/v1/duty/posts",
        {"community_id": world.xiangchang.id, "name": "北门", "patterns": [pattern]},
        "patterns",
    )
    page_says(
        client_for("secretary"),
        "/duty/posts/",
        {
            "community": world.xiangchang.id,
            "name": "北门",
            "preset": "",
            "start": start,
            "hours": hours,
            "headcount": headcount,
        },
        words,
    )
    assert not Post.objects.exists()


@pytest.mark.parametrize("days", [40, 0])
def test_a_roster_of_days_out_of_range_is_refused_by_page_and_api_alike(world, client_for, api_for, days):
    Post.objects.create(community=world.xiangchang, name="南门").patterns.create(start=8, hours=4)
    starts_on = str(timezone.localdate() + datetime.timedelta(days=1))
    words = api_refusal(
        api_for("secretary"),
        "/api/v1/duty/rosters",
        {"community_id": world.xiangchang.id, "starts_on": starts_on, "days": days},
        "days",
    )
    page_says(
        client_for("secretary"),
        "/duty/",
        {"community": world.xiangchang.id, "starts_on": starts_on, "days": str(days)},
        words,
    )
    assert not Roster.objects.exists()


def test_what_the_rules_accept_is_saved_the_same_from_page_and_api(world, client_for, api_for):
    client_for("secretary").post(
        "/duty/people/",
        {
            "community": world.xiangchang.id,
            "name": "王阿姨",
            "phone": "13900001111",
            "kind": "volunteer",
            "birth_year": "1953",
            "max_hours_week": "20",
            "day0": ["2", "3"],
            "is_new": "on",
        },
    )
    api_for("secretary").post(
        "/api/v1/duty/people",
        json.dumps(
            {
                "community_id": world.xiangchang.id,
                "name": "王阿姨",
                "phone": "13900001111",
                "kind": "volunteer",
                "birth_year": 1953,
                "max_hours_week": 20,
                "availability": {"0": [3, 2]},
                "is_new": True,
            }
        ),
        content_type="application/json",
    )
    fields = [
        "name",
        "phone",
        "kind",
        "level",
        "birth_year",
        "max_hours_week",
        "availability",
        "preferred",
        "is_new",
        "team_id",
    ]
    page, api = (
        Person.objects.filter(pk=pk).values(*fields).get()
        for pk in Person.objects.order_by("id").values_list("pk", flat=True)
    )
    assert page == api
