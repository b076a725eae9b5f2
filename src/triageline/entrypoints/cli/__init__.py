"""The triageline command line."""
