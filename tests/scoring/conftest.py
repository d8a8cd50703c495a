# the intake's form fixtures: scoring's tests send submissions through the real capture API
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
