"""The API gateway: the SPA's only door, an HTTP API in front of the services' gRPC APIs."""
