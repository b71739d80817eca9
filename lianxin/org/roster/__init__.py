"""Roster import: people and units from the files an HR system exports."""
