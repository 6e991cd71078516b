"""The tray app: everything here may use Qt; the core (one level up) may not."""
