"""What the authentication tests share: the bot's identity, the settings that point it at
the loopback OpenID fakes, and a POST with an ``Authorization`` header as Teams sends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from tests.e2e.harness import BotUnderTest
from tests.support.activities import TENANT_ID
from tests.support.fake_graph import TlsFiles
from tests.support.fake_openid import SigningKey

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "not-a-real-secret-but-long-enough-for-hs256"
APP_TENANTID = "abcdef01-2345-6789-abcd-ef0123456789"
#: The bot's outbound token to the (fake) Bot Connector, in place of Entra's answer.
OUTBOUND_TOKEN = "outbound-token-from-the-bots-own-credentials"


@dataclass(frozen=True)
class Keys:
    channel: SigningKey  # published by the Bot Framework, endorsed for msteams
    skype_only: SigningKey  # published, endorsed for another channel only
    entra: SigningKey  # published by Entra
    stranger: SigningKey  # published by nobody, with the same kid as ``channel``


def auth_settings(tls: TlsFiles, channel_url: str, entra_url: str, **changes: Any) -> Settings:
    """Authentication on, as in production, with the metadata at ``channel_url`` and
    ``entra_url`` and the test tenant listed."""
    values: dict[str, Any] = {
        "APP_ID": APP_ID,
        "APP_PASSWORD": APP_PASSWORD,
        "APP_TENANTID": APP_TENANTID,
        "allowed_tenants": (TENANT_ID,),
        "bot_openid_metadata_url": channel_url,
        "entra_openid_metadata_url": entra_url,
        "openid_ca_file": str(tls.ca),
    }
    values.update(changes)
    return Settings(**values)


async def post(
    bot: BotUnderTest, activity: dict[str, Any], authorization: str | None
) -> tuple[int, Any, dict[str, str]]:
    """POST ``activity`` with ``authorization`` as the header (None: no header); the
    status, the JSON body (None if none) and the answer's headers."""
    activity["serviceUrl"] = bot.connector.url
    headers = {} if authorization is None else {"Authorization": authorization}
    async with bot.session.post(bot.url, json=activity, headers=headers) as response:
        status, text, answer_headers = response.status, await response.text(), response.headers
    await bot.settled()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return status, body, dict(answer_headers)
