"""Fixtures of the merge tests: one person who wrote twice, and the clients who merge."""

import pytest

from tests.matching.merge_helpers import person, submission_for, with_history


@pytest.fixture
def ana(head):
    """The older lead: Ana Marin, who called."""
    return person(head, "Ana", "Marin", phone="+40722123456", city="Iasi")


@pytest.fixture
def anna(head):
    """The same person writing again: her e-mail, a company, a note, a task, a submission."""
    lead = person(head, "Anna", "Marin", email="ana@solaris.example", company_name="Solaris SRL")
    with_history(head, lead)
    submission_for(lead)
    return lead


@pytest.fixture
def head_client(client, head):
    client.force_login(head)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
