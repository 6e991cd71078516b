"""Icons and other files the app ships (installed as the ``meettray.resources`` package)."""
