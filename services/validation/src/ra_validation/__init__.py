"""Email validation service: checks contacts' addresses before outreach (SOP §4)."""
