"""What no request may carry into the databases, refused with a 4xx in the user's language
instead of a 500 from deep inside: NUL characters in a query or a form (PostgreSQL cannot
store them) and invisible ones (`lib.text`: text that looks like other text), API bodies that
are not JSON (a form, for one), and numbers or texts beyond what a column holds (SQLite
raises OverflowError, PostgreSQL a DataError). Pages get the 400 page; the API gets
{"detail": ...}, as it does for an address or a method it does not have. Text inside JSON is
checked field by field by the API's input schemas (`apikit.Input`), so that one unreadable
scan in a batch costs only itself."""

from __future__ import annotations

import json
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.translation import gettext as _
from ninja.parser import Parser

from fangxian.lib.text import has_invisible

API_PREFIX = "/api/"


def unreadable(value: object) -> str | None:
    """Why a text, or a parsed JSON value anywhere inside, cannot be taken, or None: a NUL or a
    lone surrogate (no database stores them), or an invisible character (`lib.text`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            broken = "\x00" in value
        except UnicodeEncodeError:
            broken = True
        if broken:
            return _("The request contains a character that cannot be stored (NUL or broken Unicode).")
        if has_invisible(value):
            return _(
                "The text contains an invisible character (a zero-width space or a text-direction control): type it again."
            )
        return None
    if isinstance(value, dict):
        return next((why for k, v in value.items() if (why := unreadable(k) or unreadable(v))), None)
    if isinstance(value, list):
        return next((why for v in value if (why := unreadable(v))), None)
    return None


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


def unrouted(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An address the API does not have, or a method it does not take there: Django and ninja
    answer those in HTML and plain text; a client of the API gets {"detail"} like any refusal."""
    if response.status_code == 404:
        return JsonResponse(
            {"detail": _("The API has no such address: its operations are listed at /api/v1/docs.")}, status=404
        )
    allowed = response.get("Allow", "")
    answer = JsonResponse(
        {
            "detail": _("%(method)s is not taken here; this address takes %(allowed)s.")
            % {"method": request.method, "allowed": allowed}
        },
        status=405,
    )
    answer["Allow"] = allowed
    return answer


def read_json(request: HttpRequest) -> str | None:
    """Parses an API body once, into request.parsed_json, or says why it cannot. Read whatever
    the Content-Type says, as ninja's own parser would: a script that sends JSON without naming
    it keeps working. A multipart body is refused even when it holds JSON: whatever reads
    request.POST later (the login's lockout) would fail on it."""
    if not request.content_type.startswith("multipart/"):
        try:
            request.parsed_json = json.loads(request.body)
            return None
        except (ValueError, RecursionError):
            if request.content_type == "application/json":
                return _("The request body is not valid JSON.")
    return _("The API reads JSON only: send the body as JSON (Content-Type: application/json).")


class Guard:
    """Checks the query, the form and (for the API) the JSON body once, before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(API_PREFIX)
        fields = list(request.GET.lists())
        # The API reads only JSON (below): parsing a form would consume the body it needs.
        if request.method == "POST" and not api and request.content_type != "application/json":
            try:
                fields += list(request.POST.lists())
            except (MultiPartParserError, ValueError, UnicodeDecodeError) as exc:
                return refusal(request, unreadable_form(exc))
        why = unreadable([[key, *values] for key, values in fields])
        if why:
            return refusal(request, why)
        if api and request.body:
            why = read_json(request)
            if why:
                return refusal(request, why)
        response = self.get_response(request)
        if (
            api
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return unrouted(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OverflowError, DataError)):
            return does_not_fit(request)
        return None


class CheckedJSON(Parser):
    """The API reads the body the guard has already parsed and checked."""

    def parse_body(self, request: HttpRequest) -> Any:
        return request.parsed_json
