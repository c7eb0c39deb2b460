"""The guard for botbuilder 4.17's double-serialised invoke responses (platform.md).

In 4.17.0/4.17.1 ``CloudAdapter.process`` passes an invoke response body through
``serializer_helper`` a second time; a body that is already a dict (every
``adaptiveCard/action`` answer) then fails with ``'dict' object has no attribute
'is_xml_model'`` and Teams sees HTTP 500 for every card button. Passing dicts and lists
straight through restores 4.16's behaviour. A test in tests/teams fails without this.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import cloud_adapter

_original = cloud_adapter.serializer_helper


def _serialise_unless_plain(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return _original(value)


def install_invoke_response_guard() -> None:
    """Idempotent; called by the app factory before the first request."""
    cloud_adapter.serializer_helper = _serialise_unless_plain


def remove_invoke_response_guard() -> None:
    """For the test that shows the guard is needed."""
    cloud_adapter.serializer_helper = _original
