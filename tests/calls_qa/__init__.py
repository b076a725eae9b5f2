"""Calls QA: ordering of safety lines in TwiML, end-to-end matrix over HTTP, browser chat."""
