"""Huey tasks of trend detection."""
