"""The pages: what chat shows badly (reading, charts, the map), in Teams tabs and in any
browser, served by the same aiohttp app as the bot.

One process, one store, the same services and access rules as chat: a page handler
resolves who is signed in (``bot.web.identity``), calls a service with that person as
the actor, and renders what comes back. A page never queries tables itself, so the
deny-by-default checks, the audit of every view and the encryption at rest are those of
chat, not a second copy of them.
"""
