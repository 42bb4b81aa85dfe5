"""Contracts shared by every service: the message envelope, events, commands, subjects and streams."""
