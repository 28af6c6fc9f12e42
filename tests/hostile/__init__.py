"""The adversarial suite (issue 16): named hostile inputs to every command, each asserting its exit code,
that no traceback escapes, that the file at fault is named, and that nothing outside the package changed."""
