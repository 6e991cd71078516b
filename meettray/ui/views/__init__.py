"""The widgets: they render the app state and send intents."""
