#!/bin/bash
# A GNOME custom keyboard shortcut: Ctrl+Alt+I makes an incident bridge (the incident
# preset), its link on the clipboard.  Run once; GNOME Settings → Keyboard → Custom
# Shortcuts shows it afterwards.  (meettray's own Meet now hotkey needs nothing of this.)
set -euo pipefail
name=${1:-"meettray: incident bridge"}
command=${2:-"meettray now --preset incident"}
binding=${3:-"<Control><Alt>i"}
base=org.gnome.settings-daemon.plugins.media-keys
path=/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/meettray-incident/
existing=$(gsettings get $base custom-keybindings)
if [[ $existing != *"$path"* ]]; then
    if [[ $existing == "@as []" || $existing == "[]" ]]; then
        gsettings set $base custom-keybindings "['$path']"
    else
        gsettings set $base custom-keybindings "${existing%]}, '$path']"
    fi
fi
gsettings set "$base.custom-keybinding:$path" name "$name"
gsettings set "$base.custom-keybinding:$path" command "$command"
gsettings set "$base.custom-keybinding:$path" binding "$binding"
echo "$binding now runs: $command"
