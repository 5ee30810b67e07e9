"""The ``nuntiq`` command line: sandbox, run, demo."""
