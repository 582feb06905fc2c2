"""sw/arch/arm64: as in the Linux tree."""
