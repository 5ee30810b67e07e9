"""Code written by ``nox -s generate`` from the spec; never edited by hand."""
