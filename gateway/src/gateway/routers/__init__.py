"""HTTP routers of the gateway.

`ops` (health, readiness, metrics) and `webhooks` (third-party callbacks forwarded untouched to
the service that verifies them) exist today. Each domain gets its router module here (auth.py,
cv.py, jobs.py, social.py, billing.py, notify.py, blog.py) when its issue lands: thin handlers
that validate the HTTP request, call that service's gRPC API through `ServiceClients`
(`ClientsDep`) and turn the reply into JSON. gRPC errors need no handling there: problems.py
maps every status to problem+json with one table.
"""
