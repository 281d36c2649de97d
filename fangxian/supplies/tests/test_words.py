"""The supplies pages speak one language, as every other page (tests/test_words.py)."""

import json

import pytest
from django.conf import settings

from fangxian.accounts.tests.matrix import ACTORS
from tests.test_words import foreign_words, stored_data

from .test_permissions import PAGE_CASES, targets_for

PAGES = [c for c in PAGE_CASES if c.method == "get" and not c.name.endswith(("(pdf)", "(xlsx)"))]


@pytest.mark.parametrize("case", PAGES, ids=lambda c: c.name)
def test_every_supplies_page_is_in_one_language(world, client_for, case):
    targets = targets_for(world)
    data = stored_data()
    found = {}
    for actor in [a for a in ACTORS if case.expect[a] == 200][:3]:
        for language in ("zh-hans", "en"):
            browser = client_for(actor)
            browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = browser.get(case.path(targets))
            assert response.status_code == 200
            if response["Content-Type"].startswith("text/html"):
                words = foreign_words(response.content.decode(), data, language)
                if words:
                    found[f"{actor} {language}"] = sorted(words)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
