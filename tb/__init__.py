"""cocotb side of the project: benches, bus checkers and the models in tb.models."""
