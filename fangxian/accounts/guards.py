"""What no request may carry into the databases, refused with a 4xx in the user's language
instead of a 500 from deep inside: NUL characters in a query or a form (PostgreSQL cannot
store them), JSON that does not parse, and numbers or texts beyond what a column holds
(SQLite raises OverflowError, PostgreSQL a DataError). Pages get the 400 page; the API gets
{"detail": ...}. Text inside JSON is checked field by field by the API's input schemas
(`apikit.Input`), so that one unreadable scan in a batch costs only itself."""

from __future__ import annotations

import json
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.translation import gettext as _
from ninja.parser import Parser

API_PREFIX = "/api/"


def unreadable(value: object) -> bool:
    """A NUL or a lone surrogate anywhere in a parsed JSON value."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(unreadable(k) or unreadable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unreadable(v) for v in value)
    return False


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """The 400 page, saying why: the message is ours, not an exception's text."""
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"reason": message}, request=request))


def refusal(request: HttpRequest, message: str) -> HttpResponse:
    """400: the request cannot be read as sent."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400)
    return bad_request(request, message)


def unreadable_form(exc: Exception) -> str:
    # Django's multipart parser reads at most 1 KB of a part's headers; of what a browser
    # sends, only a file's name grows so long (a few hundred Chinese characters).
    if isinstance(exc, MultiPartParserError) and "header size" in str(exc):
        return _(
            "The file's name is too long to upload: rename the file with a shorter name (100 characters at most) and choose it again."
        )
    return _("The request's form data cannot be read.")


def does_not_fit(request: HttpRequest) -> HttpResponse:
    """A value that reads well but that no column holds: 422 for the API, as for any value it refuses."""
    message = _("A value in the request does not fit: a number too large or a text too long.")
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=422)
    return bad_request(request, message)


class Guard:
    """Checks the query, the form and (for the API) the JSON body once, before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = list(request.GET.lists())
        if request.method == "POST" and request.content_type != "application/json":
            try:
                fields += list(request.POST.lists())
            except (MultiPartParserError, ValueError, UnicodeDecodeError) as exc:
                return refusal(request, unreadable_form(exc))
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in fields):
            return refusal(request, _("The request contains a character that cannot be stored (NUL)."))
        if request.path.startswith(API_PREFIX) and request.content_type == "application/json" and request.body:
            try:
                request.parsed_json = json.loads(request.body)
            except (ValueError, RecursionError):
                return refusal(request, _("The request body is not valid JSON."))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OverflowError, DataError)):
            return does_not_fit(request)
        return None


class CheckedJSON(Parser):
    """The API reads the body the guard has already parsed and checked."""

    def parse_body(self, request: HttpRequest) -> Any:
        if hasattr(request, "parsed_json"):
            return request.parsed_json
        return super().parse_body(request)
