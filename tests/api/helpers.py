"""Helpers shared by the API tests."""

from django.test import Client


class ApiClient(Client):
    """A test client that sends JSON bodies and, when given one, a bearer token."""

    def __init__(self, token: str | None = None, *, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        super().__init__(headers=headers, **kwargs)

    def post(self, path, data=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return super().post(path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return super().patch(path, data, **kwargs)


def error(code: str, message: str, field: str | None = None, fields: dict | None = None) -> dict:
    """The API's error envelope, for exact comparisons."""
    if fields is None:
        fields = {field: message} if field else {}
    return {"error": {"code": code, "message": message, "field": field, "fields": fields}}
