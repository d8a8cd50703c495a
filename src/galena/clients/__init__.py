"""Contacts, accounts and deals: what a lead becomes when it is converted."""
