"""The Ethernet MAC of the system bench's SoC (the model is tb/models/nic.py)."""
