"""The JSON API: one NinjaAPI, each app's router mounted here, OpenAPI at /api/v1/openapi.json."""

import ninja.errors
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.log import log_response
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from fangxian.accounts.api import router as accounts_router
from fangxian.accounts.apikit import BearerAuth, ErrorOut, field_errors
from fangxian.accounts.guards import CheckedJSON, does_not_fit
from fangxian.casework.api import router as cases_router
from fangxian.casework.hotline_api import router as hotline_router
from fangxian.duty.api import router as duty_router
from fangxian.errands.api import router as errands_router
from fangxian.gate.api import router as gate_router
from fangxian.inspections.api import router as inspections_router
from fangxian.jobs.api import router as jobs_router
from fangxian.kits.api import router as kits_router
from fangxian.people.api import router as people_router
from fangxian.places.api import router as places_router
from fangxian.reports.api import router as reports_router
from fangxian.stations.api import router as stations_router
from fangxian.supplies.api import router as supplies_router
from fangxian.testing.api import router as testing_router
from fangxian.tracing.api import router as tracing_router
from fangxian.watch.api import router as watch_router
from fangxian.whistle.api import router as whistle_router

# What the shared layers may answer for any operation, besides what each declares itself.
SHARED_ANSWERS = {
    "400": "The request cannot be read: NUL characters, broken Unicode, a body that is not JSON (a form, for one).",
    "401": "Not logged in: send Authorization: Bearer <token>.",
    "403": "The role may not do this here (or a browser session sent no CSRF token).",
    "404": "Not found, or not yours to see.",
    "422": "A value is missing, of the wrong kind, out of range, or refused with a reason.",
}


class FangxianAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ninja.errors.ValidationErrorContext]
    ) -> ninja.errors.ValidationError:
        """Each error located as the client names the field: `name`, not `body.data.name` (the
        body's fields without the view's parameter that holds them), `limit`, not `query.limit`."""
        errors = []
        for context in error_contexts:
            holder = getattr(context.model, "__read_from_single_attr__", None)
            for e in super().validation_error_from_error_contexts([context]).errors:
                loc = e["loc"][1:]  # the source: body, query or path
                errors.append(e | {"loc": loc[1:] if holder and loc[:1] == (holder,) else loc})
        return ninja.errors.ValidationError(errors)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Every operation lists what the layers in front of it can answer: 400 from the guard,
        401 when it needs a login, 403 when it changes something (the role, or the CSRF check
        of a session), 404 when a path names a row, 422 when it takes input."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                parameters = operation.get("parameters", [])
                shared = {"400"}
                if operation.get("security"):
                    shared.add("401")
                    if method != "get":
                        shared.add("403")
                if any(p["in"] == "path" for p in parameters):
                    shared.add("404")
                if parameters or operation.get("requestBody"):
                    shared.add("422")
                # ninja keys its own answers by number: a "404" beside a 404 is one key twice
                # in the JSON, which Swagger UI refuses to read.
                for status in sorted(shared - {str(code) for code in operation["responses"]}):
                    operation["responses"][status] = {"description": SHARED_ANSWERS[status], **error}
        return schema


# Bearer tokens for devices and scripts; the session (with its CSRF token) for our own pages.
api = FangxianAPI(
    title="Fangxian", version="1", urls_namespace="api", auth=[BearerAuth(), django_auth], parser=CheckedJSON()
)
api.add_router("", accounts_router)
api.add_router("", places_router)
api.add_router("", people_router)
api.add_router("", gate_router)
api.add_router("", watch_router)
api.add_router("", duty_router)
api.add_router("", supplies_router)
api.add_router("", kits_router)
api.add_router("", stations_router)
api.add_router("", errands_router)
api.add_router("", jobs_router)
api.add_router("", cases_router)
api.add_router("", hotline_router)
api.add_router("", whistle_router)
api.add_router("", inspections_router)
api.add_router("", testing_router)
api.add_router("", tracing_router)
api.add_router("", reports_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Log in first: send Authorization: Bearer <token>.")}, status=401)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": _("Your role may not do this.")}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found, or not yours to see.")}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ninja.errors.ValidationError)
def refused(request, exc: ninja.errors.ValidationError):
    """422 for what the schemas refuse, keyed by field like the refusals of our own rules."""
    return api.create_response(request, {"detail": field_errors(exc.errors)}, status=422)


@api.exception_handler(IntegrityError)
def conflict(request, exc):
    return api.create_response(request, {"detail": _("This conflicts with a record that already exists.")}, status=409)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def does_not_fit_a_column(request, exc):
    return does_not_fit(request)


@api.exception_handler(Exception)
def unforeseen(request, exc: Exception):
    """A bug or an outage: logged here with its traceback, answered in the user's language with
    nothing of the code's insides (ninja would send the traceback under DEBUG, HTML without)."""
    if isinstance(exc, (SuspiciousOperation, BadRequest)):
        raise exc  # Django answers these 403 and 400 itself
    detail = _("Something went wrong on our side. It has been recorded; try again in a moment.")
    response = api.create_response(request, {"detail": detail}, status=500)
    log_response("Unhandled error in the API: %s", request.path, response=response, request=request, exception=exc)
    return response
