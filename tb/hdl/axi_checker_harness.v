// SPDX-License-Identifier: Apache-2.0
// Inert port harness for the protocol-checker self-test: every AXI4 and AXI4-Lite signal is an input driven from cocotb.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_checker_harness #(
    // AXI4 ID width
    parameter ID_WIDTH = 4,
    // AXI4 address width
    parameter ADDR_WIDTH = 32,
    // AXI4 data width
    parameter DATA_WIDTH = 64,
    // AXI4 strobe width (one bit per data byte)
    parameter STRB_WIDTH = DATA_WIDTH / 8,
    // AXI4-Lite address width
    parameter AXIL_ADDR_WIDTH = 12,
    // AXI4-Lite data width
    parameter AXIL_DATA_WIDTH = 32,
    // AXI4-Lite strobe width (one bit per data byte)
    parameter AXIL_STRB_WIDTH = AXIL_DATA_WIDTH / 8
) (
    input  wire                       clk,
    input  wire                       rst,

    /*
     * AXI4-Lite slave port (the bench is the master)
     */
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]                 s_axil_awprot,
    input  wire                       s_axil_awvalid,
    input  wire                       s_axil_awready,
    input  wire [AXIL_DATA_WIDTH-1:0] s_axil_wdata,
    input  wire [AXIL_STRB_WIDTH-1:0] s_axil_wstrb,
    input  wire                       s_axil_wvalid,
    input  wire                       s_axil_wready,
    input  wire [1:0]                 s_axil_bresp,
    input  wire                       s_axil_bvalid,
    input  wire                       s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]                 s_axil_arprot,
    input  wire                       s_axil_arvalid,
    input  wire                       s_axil_arready,
    input  wire [AXIL_DATA_WIDTH-1:0] s_axil_rdata,
    input  wire [1:0]                 s_axil_rresp,
    input  wire                       s_axil_rvalid,
    input  wire                       s_axil_rready,

    /*
     * AXI4 master port (the bench is the slave)
     */
    input  wire [ID_WIDTH-1:0]        m_axi_awid,
    input  wire [ADDR_WIDTH-1:0]      m_axi_awaddr,
    input  wire [7:0]                 m_axi_awlen,
    input  wire [2:0]                 m_axi_awsize,
    input  wire [1:0]                 m_axi_awburst,
    input  wire                       m_axi_awlock,
    input  wire [3:0]                 m_axi_awcache,
    input  wire [2:0]                 m_axi_awprot,
    input  wire                       m_axi_awvalid,
    input  wire                       m_axi_awready,
    input  wire [DATA_WIDTH-1:0]      m_axi_wdata,
    input  wire [STRB_WIDTH-1:0]      m_axi_wstrb,
    input  wire                       m_axi_wlast,
    input  wire                       m_axi_wvalid,
    input  wire                       m_axi_wready,
    input  wire [ID_WIDTH-1:0]        m_axi_bid,
    input  wire [1:0]                 m_axi_bresp,
    input  wire                       m_axi_bvalid,
    input  wire                       m_axi_bready,
    input  wire [ID_WIDTH-1:0]        m_axi_arid,
    input  wire [ADDR_WIDTH-1:0]      m_axi_araddr,
    input  wire [7:0]                 m_axi_arlen,
    input  wire [2:0]                 m_axi_arsize,
    input  wire [1:0]                 m_axi_arburst,
    input  wire                       m_axi_arlock,
    input  wire [3:0]                 m_axi_arcache,
    input  wire [2:0]                 m_axi_arprot,
    input  wire                       m_axi_arvalid,
    input  wire                       m_axi_arready,
    input  wire [ID_WIDTH-1:0]        m_axi_rid,
    input  wire [DATA_WIDTH-1:0]      m_axi_rdata,
    input  wire [1:0]                 m_axi_rresp,
    input  wire                       m_axi_rlast,
    input  wire                       m_axi_rvalid,
    input  wire                       m_axi_rready
);

// Nothing to do: the ports exist only so cocotb can drive and the checkers can sample them.
wire unused = &{1'b0, clk, rst,
    s_axil_awaddr, s_axil_awprot, s_axil_awvalid, s_axil_awready,
    s_axil_wdata, s_axil_wstrb, s_axil_wvalid, s_axil_wready,
    s_axil_bresp, s_axil_bvalid, s_axil_bready,
    s_axil_araddr, s_axil_arprot, s_axil_arvalid, s_axil_arready,
    s_axil_rdata, s_axil_rresp, s_axil_rvalid, s_axil_rready,
    m_axi_awid, m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst,
    m_axi_awlock, m_axi_awcache, m_axi_awprot, m_axi_awvalid, m_axi_awready,
    m_axi_wdata, m_axi_wstrb, m_axi_wlast, m_axi_wvalid, m_axi_wready,
    m_axi_bid, m_axi_bresp, m_axi_bvalid, m_axi_bready,
    m_axi_arid, m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst,
    m_axi_arlock, m_axi_arcache, m_axi_arprot, m_axi_arvalid, m_axi_arready,
    m_axi_rid, m_axi_rdata, m_axi_rresp, m_axi_rlast, m_axi_rvalid, m_axi_rready};

endmodule

`resetall
