"""The HTTP API: routes, authentication and the error bodies agencies read."""
