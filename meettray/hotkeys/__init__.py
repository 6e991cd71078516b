"""Global hotkeys: one interface (:mod:`.base`), one backend per desktop.

:mod:`.keys` holds the platform-neutral hotkey and its pure translations;
it has no Qt, so the settings loader can validate hotkeys with it.
"""
