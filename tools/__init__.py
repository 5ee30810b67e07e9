"""Repository tooling: client generation (nox -s generate). Not shipped."""
