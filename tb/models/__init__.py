"""Hardware models around the controller (memory, interconnect, CPU, peripherals)."""
