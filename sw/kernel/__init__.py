"""sw/kernel: as in the Linux tree."""
