import pytest

from galena.accounts.services import api_token_create
from tests.api.helpers import ApiClient


@pytest.fixture
def api_as(db):
    """api_as(user) -> a client authenticated with a fresh personal token of that user."""

    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture
def anonymous_api(db) -> ApiClient:
    return ApiClient()
