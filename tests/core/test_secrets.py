"""Secrets come from NAME or NAME_FILE (Docker secrets); placeholders stop a production start."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bma.core.secrets import secret_is_placeholder, secret_read, secret_refuse_placeholder, url_with_password


def test_a_secret_file_wins_over_the_variable_and_loses_its_trailing_newline(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("from-the-file\n")
    assert secret_read({"SECRET_KEY": "from-env", "SECRET_KEY_FILE": str(path)}, "SECRET_KEY") == "from-the-file"
    assert secret_read({"SECRET_KEY": "from-env"}, "SECRET_KEY") == "from-env"
    assert secret_read({}, "SECRET_KEY") is None


def test_an_alias_is_read_when_the_first_name_is_unset(tmp_path):
    path = tmp_path / "pg"
    path.write_text("s3cr3t-pg")
    assert secret_read({"POSTGRES_PASSWORD_FILE": str(path)}, "DATABASE_PASSWORD", "POSTGRES_PASSWORD") == "s3cr3t-pg"
    assert (
        secret_read({"DATABASE_PASSWORD": "a", "POSTGRES_PASSWORD": "b"}, "DATABASE_PASSWORD", "POSTGRES_PASSWORD")
        == "a"
    )


def test_an_unreadable_secret_file_is_named_in_the_error(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="REDIS_PASSWORD_FILE names .*missing"):
        secret_read({"REDIS_PASSWORD_FILE": str(tmp_path / "missing")}, "REDIS_PASSWORD")


@pytest.mark.parametrize("value", [None, "", "  ", "change-me", "CHANGE-ME-secret-key", "changeme", "bma", "password"])
def test_placeholders_are_recognised(value):
    assert secret_is_placeholder(value)


def test_a_random_secret_is_not_a_placeholder():
    assert not secret_is_placeholder("hT4o_0f9Qm2v-Lk8Zp3wX7yR1sN6aB5cD")


def test_a_placeholder_is_refused_outside_debug_with_the_variable_named():
    with pytest.raises(ImproperlyConfigured, match="REDIS_PASSWORD is a placeholder.*REDIS_PASSWORD_FILE"):
        secret_refuse_placeholder("REDIS_PASSWORD", "change-me", debug=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        secret_refuse_placeholder("SECRET_KEY", "", debug=False)
    secret_refuse_placeholder("SECRET_KEY", "change-me", debug=True)  # a demo may use anything


def test_the_password_goes_into_the_url_quoted():
    assert url_with_password("redis://redis:6379/0", "p@ss/w:rd") == "redis://:p%40ss%2Fw%3Ard@redis:6379/0"
    assert url_with_password("redis://redis:6379/0", None) == "redis://redis:6379/0"
    assert url_with_password("redis://:old@redis/1", "new") == "redis://:new@redis/1"
