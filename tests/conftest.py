import pytest
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from galena.accounts.models import Role
from tests.factories import TeamFactory, UserFactory

# Property tests check what is true, not how fast: speed is measured by benchmarks/, and on a
# loaded machine hypothesis's per-example deadline and its "too slow to generate" check fail
# tests that are right (seen with two workers beside other jobs).
hypothesis_settings.register_profile(
    "galena", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("galena")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


# Every data migration's seed, as (module, function).
SEEDS = (
    ("galena.leads.migrations.0002_seed_default_stages", "seed_stages"),
    ("galena.leads.migrations.0011_seed_rejection_reasons_stage_requirements", "seed"),
    ("galena.routing.migrations.0002_seed_defaults", "seed"),
    ("galena.activities.migrations.0002_seed_email_templates", "seed"),
    ("galena.clients.migrations.0002_seed_deal_stages_required_fields", "seed"),
    ("galena.nurture.migrations.0002_seed_farewell_questionnaire", "seed"),
    ("galena.matching.migrations.0002_seed_weights", "seed"),
    ("galena.privacy.migrations.0002_seed_retention_periods", "seed"),
    ("galena.quality.migrations.0002_seed_quality_checks", "seed"),
    ("galena.scoring.migrations.0002_seed_defaults", "seed"),
)


def _transactional(item):
    marker = item.get_closest_marker("django_db")
    return bool(marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in getattr(item, "fixturenames", ())
        or "live_server" in getattr(item, "fixturenames", ())
    )


def _seed():
    """What the data migrations seeded, again: each seed leaves what is already there."""
    import importlib

    from django.apps import apps

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


FLUSHED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, seeded: one kept from an earlier run (``--reuse-db``: ``make
    test``'s browser run on PostgreSQL) ended with a transactional test's flush, which the
    teardown below does not follow for a session's last test."""
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture(autouse=True)
def _flush_noted(request):
    """Note the tests whose database is flushed at their end (those that really set it up:
    not one skipped before its fixtures ran, when the test database may not exist yet)."""
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        request.node.stash[FLUSHED] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush that also deletes what the data migrations
    seeded (the pipeline stages, the rejection reasons, the routing defaults…). Put it back
    once the flush is done, so the next test on this worker — whatever file it is in, as
    ``--dist loadfile`` does not run the transactional tests last — starts like a fresh
    database."""
    result = yield
    # the last test of the session (nextitem None) has torn the test database down with its
    # session fixtures: the settings point at the real database again, so nothing is written
    if nextitem is not None and item.stash.get(FLUSHED, False):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _seed()
    return result


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a language one test activated (a command,
    a task, a page in the reader's language) does not stay for the next on this worker."""
    from django.utils import translation

    translation.deactivate()
    yield


@pytest.fixture(autouse=True)
def _task_results_readable():
    """Each test may read an in-process task's result (``task.apply().get()``).

    Celery keeps one process-wide flag, set while an eager task runs, that makes ``get()``
    refuse ("Never call result.get() within a task!"). Two threads running eager tasks at
    once (an import thread or a live server's thread of an earlier test beside the test's
    own) can leave it set for good: each restores the value it found. Galena's code never
    reads a result, so only tests see it; each starts with the flag clear."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch):
    """Rate limits count per minute (intake.throttle): every request of a test falls in the
    middle of one minute, else a slow run crossing a minute's end starts a new count and a
    test of a limit fails by the clock."""
    from galena.intake import throttle

    class Clock:
        @staticmethod
        def time() -> float:
            return 1_800_000_030.0

    monkeypatch.setattr(throttle, "time", Clock)


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
def officer(db):
    """The data protection officer: the people's data, nothing of sales."""
    return UserFactory(username="officer", role=Role.DATA_PROTECTION_OFFICER)


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="outsider", role=Role.SALES_MANAGER, team=other_team)


# What a fresh installation seeds in data migrations and the paths below need: the routing
# default and SLA policies, the e-mail templates, the deal stages and client fields, the
# farewell questionnaire. A transactional test (live server, real commits) ends with a flush
# that takes them away, so a later transactional test on the same worker puts them back.
@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """One transaction around a whole test module, rolled back at its end: what a
    module-scoped fixture writes once (a demo load) is seen by each of the module's tests,
    each in a savepoint of its own. Files go to a folder of the module's. ``make test``
    sends each file to one worker (``--dist loadfile``), so a module loads once; keep tests
    that need an empty database in another module."""
    from django.db import transaction
    from django.test import override_settings

    root = tmp_path_factory.mktemp("module")
    with (
        override_settings(STATIC_ROOT=root / "static", MEDIA_ROOT=root / "media"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)
