"""The JSON API: one NinjaAPI, each app's router mounted here, OpenAPI at /api/v1/openapi.json."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth
from ninja.errors import AuthenticationError

from fangxian.accounts.api import router as accounts_router
from fangxian.accounts.apikit import BearerAuth
from fangxian.duty.api import router as duty_router
from fangxian.gate.api import router as gate_router
from fangxian.jobs.api import router as jobs_router
from fangxian.people.api import router as people_router
from fangxian.places.api import router as places_router
from fangxian.watch.api import router as watch_router

# Bearer tokens for devices and scripts; the session (with its CSRF token) for our own pages.
api = NinjaAPI(title="Fangxian", version="1", urls_namespace="api", auth=[BearerAuth(), django_auth])
api.add_router("", accounts_router)
api.add_router("", places_router)
api.add_router("", people_router)
api.add_router("", gate_router)
api.add_router("", watch_router)
api.add_router("", duty_router)
api.add_router("", jobs_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Log in first: send Authorization: Bearer <token>.")}, status=401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found, or not yours to see.")}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(IntegrityError)
def conflict(request, exc):
    return api.create_response(request, {"detail": _("This conflicts with a record that already exists.")}, status=409)
