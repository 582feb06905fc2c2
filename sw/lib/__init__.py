"""sw/lib: as in the Linux tree."""
