"""Entrypoints: web app, worker and command line."""
