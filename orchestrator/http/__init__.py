"""The HTTP surface (docs/reference.md §4): API steps, OpenAPI, the admin API."""
