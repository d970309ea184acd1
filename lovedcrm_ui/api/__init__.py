"""FastAPI routers (LovedCRM-compatible REST + WebSocket API) and the tenancy guard."""
