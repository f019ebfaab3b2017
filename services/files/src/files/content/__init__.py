"""What an upload holds and what it becomes: its kind decided from its bytes (`sniff`), its
structure checked and its variants made (`process`, by bucket), without touching storage or
the database. Everything here is synchronous and CPU-bound: the service runs it in a thread."""
