"""Unit tests of nuntiq_sdk: fast, no network (httpx.MockTransport, fake sleep)."""
