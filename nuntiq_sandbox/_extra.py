"""Whether the ``[sandbox]`` extra is installed, and the one line that says how to install it.

A plain ``pip install`` brings the SDK only; the sandbox's server stack
(connexion, uvicorn, PyYAML for the admin spec) comes with the extra. The CLI
and the pytest fixtures ask here first, so a missing extra is one clear line
rather than an ImportError from deep inside connexion.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRA_MODULES", "INSTALL_HINT", "missing_extra"]

# Top-level modules the sandbox's server imports that a plain install does not bring.
EXTRA_MODULES = ("connexion", "uvicorn", "yaml")
INSTALL_HINT = "pip install 'nuntiq-connector-sdk[sandbox]' (from a checkout: pip install -e '.[sandbox]')"


def missing_extra(what: str = "the sandbox") -> str | None:
    """One line naming the extra to install when ``what`` cannot run, or None when everything is there."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return f"{what} needs the [sandbox] extra (missing: {', '.join(missing)}): {INSTALL_HINT}"
