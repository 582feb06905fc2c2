"""include/: constants of the kernel headers (Python modules beside the generated C headers)."""
