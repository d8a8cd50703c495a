"""Shared setup for the activities tests: leads made through the services, as in life."""

from tests.quality.verification_helpers import create_lead, manual

__all__ = ["RefusingBackend", "create_lead", "manual"]


class RefusingBackend:
    """A mail backend whose server refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("Connection refused by mail.example:25")
