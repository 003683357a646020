"""The pieces of scripts/services.py: backing services (PostgreSQL, Redis) and the app supervisor."""
