"""Blueprints: one per area of the UI. Views parse, call a service, render."""
