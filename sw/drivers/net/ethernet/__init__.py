"""Ethernet drivers (drivers/net/ethernet/), one folder per vendor as in Linux."""
