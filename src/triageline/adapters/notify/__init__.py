"""Notifiers: Twilio SMS and voice pages, SMTP e-mail, Web Push, signed webhooks, capture."""
