"""OrganizationLoad: organization units with their identifiers and addresses.

Upserted on ``org_code`` (``parent_org_code`` builds the tree); identifiers on
``scheme``, addresses on ``address_type``. Fields: the spec's ``Organization``.

Example::

    load = OrganizationLoad(context)
    unit = load.new(org_code="EMEA", name="Demo Customer EMEA")
    unit.identifiers.new(scheme="VAT", value="NL123456789B01")
    load.save_all()
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.organizations import (
    delete_organizations,
    list_organizations,
    stage_organization_rows,
    upsert_organizations,
)
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import Organization, OrganizationValues

__all__ = ["Organization", "OrganizationLoad", "OrganizationValues"]


class OrganizationLoad(BaseLoad[Organization]):
    """Organization units (``Organization``), keyed by ``org_code``."""

    entity_class = Organization
    full_load_object = "organizations"
    list_operation = list_organizations
    upsert_operation = upsert_organizations
    delete_operation = delete_organizations
    stage_operation = stage_organization_rows

    def new(self, **values: Unpack[OrganizationValues]) -> Organization:
        """A new Organization, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)
