"""gRPC bootstrap: server with health, reflection and interceptors; clients with deadlines and retries."""
