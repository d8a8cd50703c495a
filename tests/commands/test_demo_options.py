"""`galena demo` on an empty database: its options, its seed, and what it refuses. (What
the loaded demo holds is in test_demo.py, loaded once for that module.)"""

import io
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from galena.demo import catalogue as cat
from galena.demo.catalogue import DEMO_PASSWORD
from galena.demo.models import DemoLoad
from galena.leads.models import Lead
from galena.routing.models import Absence, Holiday, RoutingRule, SlaClock
from tests.commands.test_demo import demo
from tests.factories import LeadFactory


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's price lists are real files


def test_demo_banner_prints_the_url_from_port(db, monkeypatch):
    monkeypatch.setenv("PORT", "8765")
    output = demo("--leads", "5")
    assert "http://127.0.0.1:8765" in output
    assert DEMO_PASSWORD in output


def test_same_seed_gives_the_same_leads(db):
    demo("--leads", "60", "--seed", "7")
    first = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    demo("--leads", "60", "--seed", "7", "--reset")
    again = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    demo("--leads", "60", "--seed", "8", "--reset")
    other = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    assert first == again
    assert first != other
    assert DemoLoad.objects.get().seed == 8
    # the wipe took the previous load's routing with it
    assert RoutingRule.objects.count() == len(cat.ROUTING_RULES) + 1
    assert Absence.objects.count() == 1
    assert Holiday.objects.count() == len(set(Holiday.objects.values_list("team", "date")))
    assert SlaClock.objects.filter(lead__isnull=False).count() == SlaClock.objects.count()


def test_demo_refuses_a_database_with_other_leads(db):
    LeadFactory()

    with pytest.raises(CommandError, match="already holds 1 leads"):
        demo("--leads", "5")

    assert not DemoLoad.objects.exists()
    assert Lead.objects.count() == 1


def test_demo_starts_the_server_unless_told_not_to(db, monkeypatch, settings):
    from galena.core.management.commands import serve

    started = []
    monkeypatch.setattr(serve.GalenaServer, "run", lambda self: started.append(self.cfg.bind))
    monkeypatch.setenv("SITE_URL", "")  # not given: the demo's e-mails link to its server
    settings.SITE_URL = settings.SITE_URL  # put back after the test

    call_command("demo", "--leads", "5", "--port", "8123", stdout=io.StringIO())

    assert started == [["127.0.0.1:8123"]]
    assert settings.SITE_URL == os.environ["SITE_URL"] == "http://127.0.0.1:8123"
