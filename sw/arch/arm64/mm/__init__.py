"""sw/arch/arm64/mm: as in the Linux tree."""
