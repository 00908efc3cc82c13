"""JSON schemas made by scripts/generate_schemas.py; API_VERSION is the version they match."""
