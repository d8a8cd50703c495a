"""Notifications: built by the notifications work (in-app, e-mail, webhooks)."""
