"""Network device drivers (drivers/net/)."""
