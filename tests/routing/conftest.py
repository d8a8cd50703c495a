import datetime as dt

import pytest

from galena.accounts.models import Role
from galena.routing.models import RoutingRule, Strategy, TargetKind
from tests.factories import UserFactory

ALL_DAY = {str(day): ["00:00", "24:00"] for day in range(1, 8)}


def member(username, team, **profile):
    """A sales manager of the team who works around the clock unless told otherwise."""
    user = UserFactory(username=username, role=profile.pop("role", Role.SALES_MANAGER), team=team)
    profile.setdefault("working_hours", ALL_DAY)
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    return user


@pytest.fixture
def team_rule(team):
    """Every lead to the team, round robin (before the seeded default rule)."""
    return RoutingRule.objects.create(
        name="Everyone → North",
        order=10,
        target_kind=TargetKind.TEAM,
        team=team,
        strategy=Strategy.ROUND_ROBIN,
    )


@pytest.fixture
def now():
    return dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)
