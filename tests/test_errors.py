"""What a person sees when something goes wrong, with DEBUG off as in production: our own pages
in their language with a way back, and API errors as JSON without the code's insides."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path

from fangxian.settings import env_file


def fails(request):
    raise RuntimeError("a bug in a page")


# This module is also the URLconf of its tests: the whole site plus a page that fails.
urlpatterns = [path("fails/", fails), path("", include("fangxian.urls"))]
pytestmark = pytest.mark.urls(__name__)


def visitor(**kwargs) -> Client:
    client = Client(**kwargs)
    client.raise_request_exception = False
    return client


def test_a_failing_page_shows_our_500_page_in_chinese_then_in_english(world):
    assert not settings.DEBUG
    client = visitor()
    page = client.get("/fails/")
    assert page.status_code == 500
    assert "出错了" in page.content.decode() and 'href="/"' in page.content.decode()
    assert "Traceback" not in page.content.decode() and "a bug in a page" not in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/fails/")
    assert page.status_code == 500 and "Something went wrong on our side" in page.content.decode()


def test_the_500_page_asks_nothing_of_the_database(world, django_assert_num_queries):
    client = visitor()
    client.force_login(world.users["secretary"])
    with django_assert_num_queries(0):  # the session and the user are never read
        assert client.get("/fails/").status_code == 500


def test_a_missing_page_shows_our_404_page_with_the_way_back(world, client_for):
    page = client_for("secretary").get("/no-such-page/")
    assert page.status_code == 404
    assert "页面没有找到" in page.content.decode() and '<a class="button primary" href="/">' in page.content.decode()
    page = visitor().get("/no-such-page/")
    assert page.status_code == 404 and '<a class="button primary" href="/login/">' in page.content.decode()


def test_a_page_the_role_may_not_open_shows_our_403_page(world, client_for):
    page = client_for("gate_keeper").get("/people/residents/")
    assert page.status_code == 403 and "不允许" in page.content.decode()


def test_a_request_for_another_host_shows_our_400_page(world):
    page = visitor().get("/", headers={"host": "fangxian.example.org"})
    assert page.status_code == 400 and "无法理解" in page.content.decode()


def test_a_form_sent_with_a_stale_token_shows_our_page_in_the_users_language(world, client_for):
    client = visitor(enforce_csrf_checks=True)
    client.force_login(world.users["secretary"])
    page = client.post("/i18n/setlang/", {"language": "en"})
    assert page.status_code == 403 and "表单已过期" in page.content.decode()
    assert '<a class="button primary" href="/">' in page.content.decode()


def test_an_api_failure_answers_json_in_the_users_language_without_a_traceback(world, api_for, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the API")

    monkeypatch.setattr("fangxian.places.api.visible", broken)
    client = api_for("secretary")
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/communities")
    assert response.status_code == 500 and response["Content-Type"] == "application/json; charset=utf-8"
    assert set(response.json()) == {"detail"} and "出错了" in response.json()["detail"]
    assert "Traceback" not in response.content.decode() and "a bug in the API" not in response.content.decode()
    logged = [r for r in caplog.records if r.exc_info and "/api/v1/communities" in r.getMessage()]
    assert len(logged) == 1 and "a bug in the API" in str(logged[0].exc_info[1])
    english = client.get("/api/v1/communities", headers={"accept-language": "en"})
    assert english.json()["detail"].startswith("Something went wrong on our side")


@pytest.mark.slow
def test_production_settings_pass_the_deploy_check_without_warnings_when_https_is_given(tmp_path):
    ours = ("DJANGO_", "FANGXIAN_", "SECRET_KEY", "DEBUG")
    environ = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "fangxian.settings",
        "SECRET_KEY_FILE": str(tmp_path / "key"),
        "ALLOWED_HOSTS": "fangxian.example.org",
        "FANGXIAN_HTTPS": "true",
        "FANGXIAN_BEHIND_PROXY": "true",
    }
    (tmp_path / "key").write_text("k7Hq2-Zp9w_Lr4Tb8Xc1Vn6Md3Gs5Jf0Ya7Ue2Io9Pl4Kh8Rt1Wq6Ez3Bx5Cv0Nm")
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout and "WARNING" not in check.stderr + check.stdout


def test_a_secret_key_file_named_but_missing_or_empty_stops_the_start(tmp_path, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        env_file("SECRET_KEY_FILE", tmp_path / "default")
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "empty"))
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        env_file("SECRET_KEY_FILE", tmp_path / "default")
    monkeypatch.delenv("SECRET_KEY_FILE")
    assert env_file("SECRET_KEY_FILE", tmp_path / "default") == ""  # no file made yet: DEBUG decides


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/residents/", "/api/v2/residents", "/api/"])
def test_an_address_the_api_does_not_have_answers_json_in_the_users_language(world, api_for, path):
    client = api_for("secretary")
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert "接口" in response.json()["detail"]
    english = client.get(path, headers={"accept-language": "en"})
    assert english.json()["detail"].startswith("The API has no such address")


def test_a_method_the_api_does_not_take_there_answers_json_with_what_it_takes(world, api_for):
    client = api_for("secretary")
    response = client.put("/api/v1/permits", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert (
        response["Allow"] == "POST"
        and "PUT" in response.json()["detail"]
        and "只接受 POST" in response.json()["detail"]
    )
    english = client.delete("/api/v1/residents", headers={"accept-language": "en"})
    assert english.status_code == 405 and english.json()["detail"].startswith("DELETE is not taken here")
