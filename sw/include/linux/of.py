"""Device-tree nodes (include/linux/of.h), as far as DMA channel lookup needs them.

A client's node names its channels the way a .dts does::

    uart0: serial@10020000 {
        dmas = <&dmac 0>, <&dmac 1>;
        dma-names = "tx", "rx";
    };

``DeviceNode("serial@10020000", {"dmas": [(dmac_node, 0), (dmac_node, 1)],
"dma-names": ["tx", "rx"]})``: each ``dmas`` entry is the provider's node (the phandle)
followed by its cells (here one: the request line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class DeviceNode:
    full_name: str
    properties: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.full_name


def of_property_read_string_index(np: DeviceNode, propname: str, index: int) -> str | None:
    values = np.properties.get(propname)
    if values is None or not 0 <= index < len(values):
        return None
    return str(values[index])


def of_property_match_string(np: DeviceNode, propname: str, string: str) -> int:
    """Index of ``string`` in the string list ``propname``; -EINVAL (-22) if the property
    is missing, -ENODATA (-61) if the string is not in it."""
    values = np.properties.get(propname)
    if values is None:
        return -22
    try:
        return list(values).index(string)
    except ValueError:
        return -61
