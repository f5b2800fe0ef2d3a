"""The customer's windows. Each only paints and forwards; the app wires them to the session."""
