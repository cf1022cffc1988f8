"""The agent console: server-rendered pages, a JSON API, health and metrics (one ASGI app)."""
