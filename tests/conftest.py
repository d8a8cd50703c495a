import pytest
from django.db import connection

from galena.accounts.models import Role
from tests.factories import TeamFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def default_stages_after_flush(request):
    """A transactional test ends with a flush that also deletes the pipeline stages a data
    migration seeded; put them back so every such test starts like a fresh database."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if transactional:
        import importlib

        from django.apps import apps

        request.getfixturevalue("transactional_db")
        seeding = importlib.import_module("galena.leads.migrations.0002_seed_default_stages")
        seeding.seed_stages(apps, None)
        reasons = importlib.import_module(
            "galena.leads.migrations.0011_seed_rejection_reasons_stage_requirements"
        )
        reasons.seed(apps, None)
    yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and other cached values do not leak from one test to the next."""
    from django.core.cache import cache

    from galena.matching.weights import match_model_forget

    cache.clear()
    match_model_forget()  # the matching model each process keeps for a while
    yield


@pytest.fixture
def team(db):
    return TeamFactory(name="North")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="South")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def head(team):
    user = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    team.head = user
    team.save()
    return user


@pytest.fixture
def manager(team):
    return UserFactory(username="manager", role=Role.SALES_MANAGER, team=team)


@pytest.fixture
def colleague(team):
    return UserFactory(username="colleague", role=Role.SALES_MANAGER, team=team)


@pytest.fixture
def telemarketer(team):
    return UserFactory(username="telemarketer", role=Role.TELEMARKETER, team=team)


@pytest.fixture
def marketer(team):
    return UserFactory(username="marketer", role=Role.MARKETER, team=team)


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="outsider", role=Role.SALES_MANAGER, team=other_team)


# What a fresh installation seeds in data migrations and the paths below need: the routing
# default and SLA policies, the e-mail templates, the deal stages and client fields, the
# farewell questionnaire. A transactional test (live server, real commits) ends with a flush
# that takes them away, so a later transactional test on the same worker puts them back.
SEEDS = (
    "galena.routing.migrations.0002_seed_defaults",
    "galena.activities.migrations.0002_seed_email_templates",
    "galena.clients.migrations.0002_seed_deal_stages_required_fields",
    "galena.nurture.migrations.0002_seed_farewell_questionnaire",
)


@pytest.fixture
def migration_seeds(transactional_db):
    """The data migrations' seeds, again (each is get_or_create: harmless when present)."""
    import importlib

    from django.apps import apps

    for module in SEEDS:
        importlib.import_module(module).seed(apps, None)
