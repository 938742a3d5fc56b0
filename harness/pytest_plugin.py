"""pytest plugin: conformance checks as test items (filled in by the conformance layer)."""
