"""The agent's windows and widgets. They paint and forward; the logic is in the QObjects."""
