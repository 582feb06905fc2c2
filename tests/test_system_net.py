"""Runs the peripheral-DMA bench (tb/test_system_net.py: a bus-mastering Ethernet MAC and its
r6040-style driver on the system bench), and checks that the driver's copy of the MAC's
hardware interface agrees with the model's."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.test_system import PARAMS


def test_system_net(bench: Callable[..., None]) -> None:
    """The MAC model and sw/drivers/net/ethernet/sim/simeth.py against the RTL's bench."""
    bench(
        toplevel="dmac",
        test_module="tb.test_system_net",
        build_name="system-net-dw64",
        parameters=PARAMS,
        extra_env={"DMAC_PARAMS": json.dumps(PARAMS)},
    )


def test_simeth_header_matches_model() -> None:
    """sw/ may not import tb/, so the driver carries its own copy of the register map and
    descriptor format (as a driver's header would); every value must equal the model's."""
    from sw.drivers.net.ethernet.sim import simeth as d
    from tb.models import nic as m

    pairs = {
        "SIMETH_ID": "NIC_ID",
        "SIMETH_ID_REG": "NIC_ID_REG",
        "SIMETH_CTRL": "NIC_CTRL",
        "SIMETH_STATUS": "NIC_STATUS",
        "SIMETH_TX_POLL": "NIC_TX_POLL",
        "SIMETH_TX_RING": "NIC_TX_RING",
        "SIMETH_RX_RING": "NIC_RX_RING",
        "SIMETH_RX_BUF_SIZE": "NIC_RX_BUF_SIZE",
        "SIMETH_ISR": "NIC_ISR",
        "SIMETH_IER": "NIC_IER",
        "SIMETH_TX_CUR": "NIC_TX_CUR",
        "SIMETH_RX_CUR": "NIC_RX_CUR",
        "SIMETH_ERR_ADDR": "NIC_ERR_ADDR",
        "SIMETH_ERR_INFO": "NIC_ERR_INFO",
        "SIMETH_TX_PKTS": "NIC_TX_PKTS",
        "SIMETH_RX_PKTS": "NIC_RX_PKTS",
        "SIMETH_RX_MISSED": "NIC_RX_MISSED",
        "SIMETH_RX_ERRORS": "NIC_RX_ERRORS",
        "MCR0_XMTEN": "CTRL_TXEN",
        "MCR0_RCVEN": "CTRL_RXEN",
        "MAC_RST": "CTRL_RST",
        "TM2TX": "TM2TX",
        "RX_FINISH": "INT_RX_FINISH",
        "RX_NO_DESC": "INT_RX_NO_DESC",
        "TX_FINISH": "INT_TX_FINISH",
        "BUS_ERR": "INT_BUS_ERR",
        "ERR_INFO_RESP_SHIFT": "ERR_INFO_RESP_SHIFT",
        "ERR_TX_DESC": "ERR_TX_DESC",
        "ERR_TX_DATA": "ERR_TX_DATA",
        "ERR_TX_STATUS": "ERR_TX_STATUS",
        "ERR_RX_DESC": "ERR_RX_DESC",
        "ERR_RX_DATA": "ERR_RX_DATA",
        "ERR_RX_STATUS": "ERR_RX_STATUS",
        "DESC_SIZE": "DESC_SIZE",
        "DSC_OWNER_MAC": "DSC_OWNER_MAC",
        "DSC_RX_OK": "DSC_RX_OK",
        "DSC_RX_ERR": "DSC_RX_ERR",
        "DSC_RX_ERR_BUF": "DSC_RX_ERR_BUF",
        "MAX_BUF_SIZE": "RX_BUF_SIZE_RESET",
        "ETH_FCS_LEN": "FCS_LEN",
    }
    wrong = {
        k: (getattr(d, k), getattr(m, v))
        for k, v in pairs.items()
        if getattr(d, k) != getattr(m, v)
    }
    assert not wrong, wrong
