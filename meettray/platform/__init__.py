"""Platform integrations: each behind one interface, with a Null fallback.

OS-specific modules are imported lazily, only on the OS that needs them.
"""
