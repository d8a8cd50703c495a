from galena.accounts.models import Role
from tests.factories import LeadFactory


def test_user_factory_gives_the_profile_its_role_and_team(manager, team):
    assert manager.profile.role == Role.SALES_MANAGER
    assert manager.profile.team == team


def test_lead_factory_starts_in_the_initial_stage(db):
    lead = LeadFactory()
    assert lead.stage.code == "new"
