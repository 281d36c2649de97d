import pytest
from django.core.exceptions import ImproperlyConfigured

from fangxian.settings import env_bool, env_int


def test_a_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)


def test_a_bad_number_fails_loudly(monkeypatch):
    monkeypatch.setenv("X_DAYS", "thirty")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_DAYS", 30)
    monkeypatch.setenv("X_DAYS", "-1")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_DAYS", 30)
