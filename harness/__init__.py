"""chronoedit-harness."""
