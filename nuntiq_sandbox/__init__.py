"""A stateful local sandbox of the Nuntiq Customer API, routed and validated from openapi/."""
