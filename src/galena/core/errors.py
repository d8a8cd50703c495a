"""Domain errors that every layer (API, pages, commands) knows how to present."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refused action: ``code`` is stable for machines, ``message`` is for people."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)


class PermissionDenied(ApplicationError):
    code = "forbidden"
    status = 403


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Gone(ApplicationError):
    """The thing exists but is switched off (a disabled form)."""

    code = "disabled"
    status = 410


class PayloadTooLarge(ApplicationError):
    code = "too_large"
    status = 413


class RateLimited(ApplicationError):
    code = "throttled"
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
