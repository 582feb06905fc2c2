"""sw/drivers/base: as in the Linux tree."""
