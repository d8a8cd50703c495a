"""Who sees which lead: admin all, head the team, managers their own and the team's
unassigned, marketers none."""

import pytest

from galena.core.errors import NotFound, PermissionDenied
from galena.leads import access
from tests.factories import LeadFactory, UserFactory


@pytest.fixture
def leads(team, other_team, manager, colleague, outsider):
    return {
        "mine": LeadFactory(owner=manager, team=team),
        "colleague": LeadFactory(owner=colleague, team=team),
        "team_unassigned": LeadFactory(owner=None, team=team),
        "other_team": LeadFactory(owner=outsider, team=other_team),
        "other_unassigned": LeadFactory(owner=None, team=other_team),
    }


def visible(user, leads):
    ids = set(access.leads_visible_to(user).values_list("id", flat=True))
    return {name for name, lead in leads.items() if lead.id in ids}


def test_admin_sees_every_lead(admin_user, leads):
    assert visible(admin_user, leads) == set(leads)


def test_head_of_sales_sees_the_whole_team(head, leads):
    assert visible(head, leads) == {"mine", "colleague", "team_unassigned"}


def test_manager_sees_own_and_team_unassigned(manager, leads):
    assert visible(manager, leads) == {"mine", "team_unassigned"}


def test_telemarketer_sees_team_unassigned_only_when_owning_none(telemarketer, leads):
    assert visible(telemarketer, leads) == {"team_unassigned"}


def test_marketer_has_no_access_to_leads(marketer, leads):
    with pytest.raises(PermissionDenied):
        access.leads_visible_to(marketer)


def test_user_without_profile_has_no_access(db, leads):
    user = UserFactory(username="nobody")
    user.profile.delete()
    user.refresh_from_db()
    with pytest.raises(PermissionDenied):
        access.leads_visible_to(user)


def test_manager_without_team_sees_only_own(db, leads):
    loner = UserFactory(username="loner")
    own = LeadFactory(owner=loner)
    assert set(access.leads_visible_to(loner)) == {own}


def test_reading_a_colleagues_lead_is_not_found(manager, leads):
    with pytest.raises(NotFound):
        access.lead_get_for(user=manager, lead_id=leads["colleague"].id)


def test_inactive_user_sees_nothing(manager, leads):
    manager.is_active = False
    manager.save()
    with pytest.raises(PermissionDenied):
        access.leads_visible_to(manager)


def test_assignable_owners_by_role(admin_user, head, manager, colleague, outsider, marketer):
    assert set(access.assignable_owners(head)) == {head, manager, colleague}
    assert set(access.assignable_owners(manager)) == {manager}
    assert {admin_user, head, manager, colleague, outsider} <= set(
        access.assignable_owners(admin_user)
    )
    assert marketer not in set(access.assignable_owners(admin_user))
    assert list(access.assignable_owners(marketer)) == []
