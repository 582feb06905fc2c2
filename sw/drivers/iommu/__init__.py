"""sw/drivers/iommu: as in the Linux tree."""
