"""sw/kernel/dma: as in the Linux tree."""
