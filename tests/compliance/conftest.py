import datetime as dt

import pytest
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.compliance import services
from galena.compliance.models import DataRequest, RequestKind
from tests.api.helpers import ApiClient


@pytest.fixture
def api_as(db):
    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture
def make_request(admin_user):
    """A request in the register, received ``days_ago`` days ago (verified unless told)."""

    def make(
        *, kind=RequestKind.ACCESS, email="ana@example.org", days_ago=0, verified=True
    ) -> DataRequest:
        return services.request_create(
            actor=admin_user,
            kind=kind,
            email=email,
            received_at=timezone.now() - dt.timedelta(days=days_ago),
            verified=verified,
        )

    return make
