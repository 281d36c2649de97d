"""Every page speaks one language: no Chinese left on an English page, no English on a Chinese one.

Each page of the permission matrix is opened, in both languages, by every actor who may open it.
What people read is taken from it: the text, the attributes a reader sees or hears, the data-*
words and JSON blobs that scripts put on screen. Data is told from interface text by what is stored:
every string typed into the database (names, places, reasons) is removed first, longest first.
What is left is the interface's own words, and they must all be in the page's language."""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from fangxian.accounts.tests.test_permissions import ACTORS, PAGE_CASES, Case, statuses, targets_for
from fangxian.casework.tests import test_permissions as casework_matrix
from fangxian.casework.tests import test_permissions_hotline as hotline_matrix
from fangxian.errands.tests import test_permissions as errands_matrix
from fangxian.inspections.tests import test_permissions as inspections_matrix
from fangxian.kits.tests import test_permissions as kits_matrix
from fangxian.lib.masking import mask_name
from fangxian.people.models import Resident
from fangxian.reports.tests import test_permissions as reports_matrix
from fangxian.stations.tests import test_permissions as stations_matrix
from fangxian.supplies.tests import test_permissions as supplies_matrix
from fangxian.testing.tests import test_matrix_campaigns as testing_campaigns_matrix
from fangxian.testing.tests import test_matrix_results as testing_results_matrix
from fangxian.testing.tests import test_matrix_table as table_matrix
from fangxian.tracing.tests import test_permissions as tracing_matrix
from fangxian.whistle.tests import test_permissions as whistle_matrix

# Attributes read on screen or aloud; `value` only where it is a button's face.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "label"}
BUTTON_INPUTS = {"submit", "button", "reset"}
# data-* attributes that hand scripts a code or an address, never a word to show.
CODE_ATTRIBUTES = {
    "data-csrf",
    "data-outcome",
    "data-state",
    "data-field",
    "data-r",
    "data-k",
    "data-go",
    "data-sw",
    "data-why",
    "data-error",
    "data-action",
    "data-zone",
}

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Blanks a script fills in, "%(building)s", name what goes there: no word on the screen.
BLANK = re.compile(r"%\(\w+\)s")
# One of a thing counted as many ("1 communities"): a count without its plural forms.
ONE_OF_MANY = re.compile(r"(?<![\d.,:/-])\b1 (?:[a-z]+s|people)\b")
# Latin a Chinese page writes as it is: file formats and standards with no Chinese name in use,
# the permit code's prefix as printed on the card (FX1:…), and pinyin initials shown as what to type.
CHINESE_PAGES_SAY = {
    w.casefold()
    for w in ("PDF", "Excel", "XLSX", "CSV", "QR", "API", "PNG", "SVG", "JSON", "HL7", "Open311", "FX", "zsm")
}

# Pages no one logs in for.
PUBLIC_CASES = [
    Case("login", "get", lambda t: "/login/", statuses(200)),
    Case("watch:self_report", "get", lambda t: f"/watch/r/{t['observation'].report_token}/", statuses(200)),
    Case("households:page", "get", lambda t: f"/h/{t['household_link'].token}/", statuses(200)),
]


class Reading(HTMLParser):
    """The words of a page a person reads, one piece per text node or attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.inside: list[str] = []  # "skip" in a script or style, "json" in a JSON blob

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            kind = "json" if attrs.get("type") == "application/json" else "skip"
            # Rules a page checks entries by (apikit.device_rules): field names, limits and
            # patterns for the script, and the words it shows when one is broken.
            self.inside.append("rules" if kind == "json" and attrs.get("id", "").endswith("-rules") else kind)
        for name, value in attrs.items():
            if not value or value.startswith("/"):
                continue
            if (
                name in READ_ATTRIBUTES
                or (name == "value" and tag == "input" and attrs.get("type") in BUTTON_INPUTS)
                or (name.startswith("data-") and name not in CODE_ATTRIBUTES)
            ):
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.inside:
            self.inside.pop()

    def handle_data(self, data):
        if not self.inside:
            self.pieces.append(data)
        elif self.inside[-1] == "json" and data.strip():
            self.pieces.extend(strings_in(json.loads(data)))
        elif self.inside[-1] == "rules" and data.strip():
            self.pieces.extend(rule_words(json.loads(data)))


def rule_words(blob) -> list[str]:
    """The words of device rules: {"name": {"maxLength": [50, words]}}, nested by form."""
    if isinstance(blob, dict):
        return [w for value in blob.values() for w in rule_words(value)]
    if isinstance(blob, list) and blob and isinstance(blob[-1], str):
        return [blob[-1]]
    return []


def strings_in(blob) -> list[str]:
    # Keys are codes the script looks words up by; the values are the words.
    if isinstance(blob, str):
        return [blob]
    if isinstance(blob, dict):
        blob = list(blob.values())
    if isinstance(blob, list):
        return [s for item in blob for s in strings_in(item)]
    return []


def stored_data() -> re.Pattern:
    """Every string people typed into the database (not Django's own tables, whose names of apps
    and permissions are English words), as one pattern, longest first so that a name goes
    before its part. Fields with choices hold codes ("home", "vacant"): no one's data on a page.
    A Latin value matches a whole word only, so that "test" leaves "latest" alone; a value with
    no letters ("1", a date) can be taken for no word and stays, for "1 buildings" to be seen."""
    found = {name for code, name in settings.LANGUAGES}  # on the switcher, each in its own language
    for model in [m for m in apps.get_models() if m.__module__.startswith("fangxian.")] + [get_user_model()]:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.choices
        ]
        for row in model._base_manager.values_list(*fields) if fields else []:
            found.update(s.strip() for s in strings_in(list(row)) if re.search(r"[^\W\d_]", s))
    # Names as pages show them to those who may not read them whole: 张*明.
    found.update(mask_name(name) for name in Resident.objects.values_list("name", flat=True))
    return re.compile(
        "|".join(
            re.escape(v) if CJK.search(v) else rf"(?<![A-Za-z]){re.escape(v)}(?![A-Za-z])"
            for v in sorted(found, key=len, reverse=True)
        )
    )


def foreign_words(html: str, data: re.Pattern, language: str) -> set[str]:
    reading = Reading()
    reading.feed(html)
    text = BLANK.sub(" ", data.sub(" ", "\0".join(reading.pieces)))
    pieces = [" ".join(p.split()) for p in text.split("\0")]
    if language == "en":
        return {p for p in pieces if CJK.search(p)} | set(ONE_OF_MANY.findall(" ".join(pieces)))
    return {w for p in pieces for w in LATIN_WORD.findall(p) if w.casefold() not in CHINESE_PAGES_SAY}


def things_happened(targets: dict) -> dict:
    """What the fixtures leave undone and the pages then have words for: a solved roster with
    a place left empty and why."""
    roster = targets["roster"]
    roster.result = {
        "status": "partial",
        "shortfall": 1,
        "seconds": 0.5,
        "explanations": [
            {
                "code": "short",
                "params": {
                    "post": targets["post"].name,
                    "day": roster.starts_on.isoformat(),
                    "start": 8,
                    "seated": 1,
                    "needed": 2,
                    "reason": "rest",
                },
            },
            {
                "code": "mix_short",
                "params": {
                    "post": targets["post"].name,
                    "day": roster.starts_on.isoformat(),
                    "start": 8,
                    "need": "health",
                },
            },
        ],
    }
    roster.save(update_fields=["result"])
    return targets


def pages():
    seen = set()
    for case in PAGE_CASES + PUBLIC_CASES:
        if case.method == "get" and case.name not in seen:
            seen.add(case.name)
            yield case


@pytest.mark.parametrize("case", list(pages()), ids=lambda c: c.name)
def test_every_page_is_in_one_language(world, client, client_for, case):
    readers = [a for a in ACTORS if case.expect[a] == 200] if case in PAGE_CASES else [None]
    assert_one_language(case, things_happened(targets_for(world)), readers, client, client_for)


# The services keep their cases and targets beside their code (each app's tests/test_permissions.py).
SERVICES = [
    supplies_matrix,
    kits_matrix,
    stations_matrix,
    errands_matrix,
    casework_matrix,
    hotline_matrix,
    whistle_matrix,
    reports_matrix,
    inspections_matrix,
    testing_campaigns_matrix,
    tracing_matrix,
    testing_results_matrix,
    table_matrix,
]
SERVICE_PAGES = [
    (matrix, case)
    for matrix in SERVICES
    for case in matrix.CASES
    if not case.api and case.method == "get" and case.anonymous == 302 and 200 in case.expect.values()
]


@pytest.mark.parametrize("matrix, case", SERVICE_PAGES, ids=lambda c: getattr(c, "name", ""))
def test_every_service_page_is_in_one_language(world, client, client_for, matrix, case):
    # Three readers of each page: the words are the page's, whoever reads them.
    readers = [a for a in ACTORS if case.expect[a] == 200][:3]
    assert_one_language(case, matrix.targets_for(world), readers, client, client_for)


def assert_one_language(case, targets: dict, readers: list, client, client_for) -> None:
    data = stored_data()
    found = {}
    for actor in readers:
        for language in ("zh-hans", "en"):
            browser = client_for(actor) if actor else client
            browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = browser.get(case.path(targets))
            assert response.status_code == 200
            if not response["Content-Type"].startswith("text/html"):
                continue
            words = foreign_words(response.content.decode(), data, language)
            if words:
                found[f"{actor} {language}"] = sorted(words)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def translated_on_loading(tree: ast.Module) -> list[int]:
    """Lines calling gettext (not gettext_lazy) outside any function: run once, on import."""
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    lines = []

    def visit(node, in_function):
        in_function = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if not in_function and isinstance(node, ast.Call) and getattr(node.func, "id", None) in names:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return lines


def test_no_words_are_translated_once_when_a_module_loads():
    # Translated on import, a word keeps the language of that moment for every later request.
    source = Path(__file__).resolve().parent.parent / "fangxian"
    found = {
        f"{path.relative_to(source)}:{line}"
        for path in source.rglob("*.py")
        if "migrations" not in path.parts
        for line in translated_on_loading(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not found
