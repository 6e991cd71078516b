"""The process: start-up, the socket server, the clipboard hand-off, hotkeys."""
