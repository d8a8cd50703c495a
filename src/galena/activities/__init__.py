"""Calls, e-mails, offers and meetings: the work a manager does on a lead."""
