"""gRPC bootstrap: a server with health, reflection and interceptors; clients with deadlines
and retries."""
