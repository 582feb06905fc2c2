"""Software the simulated CPU runs: Linux-like DMA layers and the controller's driver."""
