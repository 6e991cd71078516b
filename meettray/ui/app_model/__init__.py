"""The app model: one state, intents in, jobs that own their run; no widget."""
