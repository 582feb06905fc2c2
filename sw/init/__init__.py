"""sw/init: as in the Linux tree."""
