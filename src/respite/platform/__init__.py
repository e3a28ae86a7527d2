"""OS adapters, each behind a small protocol and chosen at start-up.

* `idle`: seconds since the last keyboard or mouse input (`choose_idle_source`).
* `notify`: desktop notifications with the nudge's choices as buttons
  (`FreedesktopNotifier`; elsewhere the app's own popup).
* `autostart`: start at login (`autostart_for`).
* `fullscreen`: is a fullscreen app in front (`fullscreen_probe_for`).
* `sleep`: suspend/resume, lock/unlock and wall-clock jumps.

Modules load OS libraries (ctypes, winreg, D-Bus connections) only when an adapter is
built, so importing them is safe everywhere.
"""
