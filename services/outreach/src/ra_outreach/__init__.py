"""Outreach (SOP §5): mail-merge exports and direct SMTP sending, never twice."""
