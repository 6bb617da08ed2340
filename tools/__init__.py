"""Maintenance scripts (translation catalogue upkeep); not part of the app or of convcore."""
