"""The web application (webhooks, chat, portal, API)."""
