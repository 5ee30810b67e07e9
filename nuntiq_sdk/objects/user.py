"""UserLoad: human and service-account users of the customer's tenant.

Upserted on ``email``; ``deactivate_inactive()`` deactivates, in one request,
every active user whose last activity is older than ``inactive_days``.
Fields: the spec's ``User``.

Example::

    load = UserLoad(context)
    load.new(email="jane@example.com", display_name="Jane Doe", kind="human", roles=["AP_CLERK"])
    load.save_all()
    preview = load.deactivate_inactive(inactive_days=90, dry_run=True)
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.users import (
    deactivate_inactive_users,
    delete_users,
    list_users,
    stage_user_rows,
    upsert_users,
)
from generated_client.models import DeactivateInactiveRequest
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import User, UserValues
from nuntiq_sdk._generated.views import DeactivateInactiveResult
from nuntiq_sdk._http import call_view
from nuntiq_sdk._validation import RequestSchema

__all__ = ["DeactivateInactiveResult", "User", "UserLoad", "UserValues"]


class UserLoad(BaseLoad[User]):
    """Users (``User``), keyed by ``email``."""

    entity_class = User
    full_load_object = "users"
    list_operation = list_users
    upsert_operation = upsert_users
    delete_operation = delete_users
    stage_operation = stage_user_rows

    def new(self, **values: Unpack[UserValues]) -> User:
        """A new User, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)

    def deactivate_inactive(
        self, inactive_days: int, kind: str | None = None, dry_run: bool = False
    ) -> DeactivateInactiveResult:
        """Deactivate every active user (of ``kind``, if given) inactive for ``inactive_days``.

        ``dry_run=True`` only lists them. Arguments are checked against the
        spec before the request.
        """
        body: dict[str, object] = {"inactive_days": inactive_days, "dry_run": dry_run}
        if kind is not None:
            body["kind"] = kind
        RequestSchema.of("DeactivateInactiveRequest").check(body)
        return call_view(
            DeactivateInactiveResult.from_dict,
            deactivate_inactive_users.sync_raw,
            client=self.context.api,
            body=DeactivateInactiveRequest.from_dict(body),
        )
