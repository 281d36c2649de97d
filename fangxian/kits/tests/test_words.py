"""The kits' pages in one language, checked as tests/test_words.py checks the registry's."""

import json
import re

import pytest
from django.conf import settings

from fangxian.accounts.tests.matrix import ACTORS
from fangxian.lib.masking import mask_name
from fangxian.people.models import Resident
from tests.test_words import foreign_words, stored_data

from .test_permissions import PAGE_CASES, targets_for

PAGES = [c for c in PAGE_CASES if c.method == "get"]


@pytest.mark.parametrize("case", PAGES, ids=lambda c: c.name)
def test_every_kit_page_is_in_one_language(world, client_for, case):
    targets = targets_for(world)
    # Names masked (张*) are the residents' names still: data, not the page's words.
    masked = sorted({mask_name(n) for n in Resident.objects.values_list("name", flat=True)}, key=len, reverse=True)
    data = re.compile("|".join([*map(re.escape, masked), stored_data().pattern]))
    found = {}
    for actor in [a for a in ACTORS if case.expect[a] == 200][:4]:
        for language in ("zh-hans", "en"):
            browser = client_for(actor)
            browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = browser.get(case.path(targets))
            assert response.status_code == 200
            if not response["Content-Type"].startswith("text/html"):
                continue
            words = foreign_words(response.content.decode(), data, language)
            if words:
                found[f"{actor} {language}"] = sorted(words)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
