"""Rejected and deferred leads: reasons, the farewell questionnaire, nurture sequences and reactivation."""
