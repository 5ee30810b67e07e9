"""Repository tooling: code generation and cassette recording. Not shipped."""
