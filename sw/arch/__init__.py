"""sw/arch: as in the Linux tree."""
