"""Microsoft Graph: the ``Directory`` interface (``bot.graph.directory``) and its msal +
aiohttp implementation (``bot.graph.client``). Services import the interface only."""

from bot.graph.directory import (
    Directory,
    DirectoryMember,
    DirectoryUser,
    GraphError,
    GraphNotConfigured,
    GraphThrottled,
    NullDirectory,
)

__all__ = [
    "Directory",
    "DirectoryMember",
    "DirectoryUser",
    "GraphError",
    "GraphNotConfigured",
    "GraphThrottled",
    "NullDirectory",
]
