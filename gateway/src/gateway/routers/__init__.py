"""HTTP routers of the gateway.

`ops` (health, readiness, metrics) and `webhooks` (third-party callbacks forwarded untouched to
the service that verifies them) serve the platform. Each domain has its router module here
(auth.py with oauth.py, and billing.py, today; cv.py, jobs.py, social.py, notify.py, blog.py
when their issues land): thin handlers
that validate the HTTP request, call that service's gRPC API through `ServiceClients`
(`ClientsDep`) and turn the reply into JSON: with the shapes of its `<domain>_schemas.py` and
the pieces every router shares (times, money, pages, enum names) from gateway/conversions.py;
a router never imports another router's private names. gRPC errors need no handling there:
problems.py maps every status to problem+json with one table.
"""
