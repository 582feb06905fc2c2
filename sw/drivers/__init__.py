"""sw/drivers: as in the Linux tree."""
