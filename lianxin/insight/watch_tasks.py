"""Huey tasks of the warning rules."""
