"""The HTTP surface (SPEC §4): API steps, OpenAPI, the admin API."""
