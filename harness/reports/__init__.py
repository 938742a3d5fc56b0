"""Report writers: handlers of run events (console, JSON, JUnit)."""
