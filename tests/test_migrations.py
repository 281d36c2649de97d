from io import StringIO

from django.core.management import call_command


def test_the_models_and_migrations_agree(db):
    # A model change without its migration would work in tests (which build from models)
    # and fail on a real database.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
