"""Practice configuration files: YAML parsed and validated by pydantic schemas."""
