"""HTTP routes of /api/v1, one module per area; every route but login and refresh needs a token."""
