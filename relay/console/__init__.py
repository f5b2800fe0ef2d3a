"""The relay's web console: contact records, the live desk and administration
(docs/console.md). Served by aiohttp inside the relay's event loop."""
