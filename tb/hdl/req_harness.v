// SPDX-License-Identifier: Apache-2.0
// Bench harness for the peripheral models: two AXI4 slave ports muxed onto one m_axi, and the DMA request lines as inputs.
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * The peripheral self-test (tb/test_peripherals.py) has no DMA controller: a
 * Python stand-in serves the request lines with cocotbext-axi's AxiMaster on
 * s_axi (INCR memory traffic) and with bare channel models on s_raw_axi
 * (narrow FIXED bursts to FIFO registers).  sel_raw picks which port reaches
 * m_axi, where the memory model answers; the bench switches it only while both
 * ports are idle.  The unselected port sees READY and VALID low.  The request
 * vectors are driven by the device models and dma_ack/dma_tc by the stand-in,
 * so all of them are inputs here.
 */
module req_harness #(
    // AXI4 ID width
    parameter ID_WIDTH = 4,
    // AXI4 address width
    parameter ADDR_WIDTH = 32,
    // AXI4 data width
    parameter DATA_WIDTH = 64,
    // AXI4 strobe width (one bit per data byte)
    parameter STRB_WIDTH = DATA_WIDTH / 8,
    // DMA request lines
    parameter NUM_REQ = 8
) (
    input  wire                    clk,
    input  wire                    rst,

    // 1: s_raw_axi drives m_axi; 0: s_axi does
    input  wire                    sel_raw,

    /*
     * AXI4 slave port for the bench's AxiMaster
     */
    input  wire [ID_WIDTH-1:0]     s_axi_awid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_awaddr,
    input  wire [7:0]              s_axi_awlen,
    input  wire [2:0]              s_axi_awsize,
    input  wire [1:0]              s_axi_awburst,
    input  wire                    s_axi_awlock,
    input  wire [3:0]              s_axi_awcache,
    input  wire [2:0]              s_axi_awprot,
    input  wire [3:0]              s_axi_awqos,
    input  wire [3:0]              s_axi_awregion,
    input  wire                    s_axi_awvalid,
    output wire                    s_axi_awready,
    input  wire [DATA_WIDTH-1:0]   s_axi_wdata,
    input  wire [STRB_WIDTH-1:0]   s_axi_wstrb,
    input  wire                    s_axi_wlast,
    input  wire                    s_axi_wvalid,
    output wire                    s_axi_wready,
    output wire [ID_WIDTH-1:0]     s_axi_bid,
    output wire [1:0]              s_axi_bresp,
    output wire                    s_axi_bvalid,
    input  wire                    s_axi_bready,
    input  wire [ID_WIDTH-1:0]     s_axi_arid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_araddr,
    input  wire [7:0]              s_axi_arlen,
    input  wire [2:0]              s_axi_arsize,
    input  wire [1:0]              s_axi_arburst,
    input  wire                    s_axi_arlock,
    input  wire [3:0]              s_axi_arcache,
    input  wire [2:0]              s_axi_arprot,
    input  wire [3:0]              s_axi_arqos,
    input  wire [3:0]              s_axi_arregion,
    input  wire                    s_axi_arvalid,
    output wire                    s_axi_arready,
    output wire [ID_WIDTH-1:0]     s_axi_rid,
    output wire [DATA_WIDTH-1:0]   s_axi_rdata,
    output wire [1:0]              s_axi_rresp,
    output wire                    s_axi_rlast,
    output wire                    s_axi_rvalid,
    input  wire                    s_axi_rready,

    /*
     * AXI4 slave port for the bench's bare channel models
     */
    input  wire [ID_WIDTH-1:0]     s_raw_axi_awid,
    input  wire [ADDR_WIDTH-1:0]   s_raw_axi_awaddr,
    input  wire [7:0]              s_raw_axi_awlen,
    input  wire [2:0]              s_raw_axi_awsize,
    input  wire [1:0]              s_raw_axi_awburst,
    input  wire                    s_raw_axi_awlock,
    input  wire [3:0]              s_raw_axi_awcache,
    input  wire [2:0]              s_raw_axi_awprot,
    input  wire [3:0]              s_raw_axi_awqos,
    input  wire [3:0]              s_raw_axi_awregion,
    input  wire                    s_raw_axi_awvalid,
    output wire                    s_raw_axi_awready,
    input  wire [DATA_WIDTH-1:0]   s_raw_axi_wdata,
    input  wire [STRB_WIDTH-1:0]   s_raw_axi_wstrb,
    input  wire                    s_raw_axi_wlast,
    input  wire                    s_raw_axi_wvalid,
    output wire                    s_raw_axi_wready,
    output wire [ID_WIDTH-1:0]     s_raw_axi_bid,
    output wire [1:0]              s_raw_axi_bresp,
    output wire                    s_raw_axi_bvalid,
    input  wire                    s_raw_axi_bready,
    input  wire [ID_WIDTH-1:0]     s_raw_axi_arid,
    input  wire [ADDR_WIDTH-1:0]   s_raw_axi_araddr,
    input  wire [7:0]              s_raw_axi_arlen,
    input  wire [2:0]              s_raw_axi_arsize,
    input  wire [1:0]              s_raw_axi_arburst,
    input  wire                    s_raw_axi_arlock,
    input  wire [3:0]              s_raw_axi_arcache,
    input  wire [2:0]              s_raw_axi_arprot,
    input  wire [3:0]              s_raw_axi_arqos,
    input  wire [3:0]              s_raw_axi_arregion,
    input  wire                    s_raw_axi_arvalid,
    output wire                    s_raw_axi_arready,
    output wire [ID_WIDTH-1:0]     s_raw_axi_rid,
    output wire [DATA_WIDTH-1:0]   s_raw_axi_rdata,
    output wire [1:0]              s_raw_axi_rresp,
    output wire                    s_raw_axi_rlast,
    output wire                    s_raw_axi_rvalid,
    input  wire                    s_raw_axi_rready,

    /*
     * AXI4 master port (answered by the bench's memory model)
     */
    output wire [ID_WIDTH-1:0]     m_axi_awid,
    output wire [ADDR_WIDTH-1:0]   m_axi_awaddr,
    output wire [7:0]              m_axi_awlen,
    output wire [2:0]              m_axi_awsize,
    output wire [1:0]              m_axi_awburst,
    output wire                    m_axi_awlock,
    output wire [3:0]              m_axi_awcache,
    output wire [2:0]              m_axi_awprot,
    output wire [3:0]              m_axi_awqos,
    output wire [3:0]              m_axi_awregion,
    output wire                    m_axi_awvalid,
    input  wire                    m_axi_awready,
    output wire [DATA_WIDTH-1:0]   m_axi_wdata,
    output wire [STRB_WIDTH-1:0]   m_axi_wstrb,
    output wire                    m_axi_wlast,
    output wire                    m_axi_wvalid,
    input  wire                    m_axi_wready,
    input  wire [ID_WIDTH-1:0]     m_axi_bid,
    input  wire [1:0]              m_axi_bresp,
    input  wire                    m_axi_bvalid,
    output wire                    m_axi_bready,
    output wire [ID_WIDTH-1:0]     m_axi_arid,
    output wire [ADDR_WIDTH-1:0]   m_axi_araddr,
    output wire [7:0]              m_axi_arlen,
    output wire [2:0]              m_axi_arsize,
    output wire [1:0]              m_axi_arburst,
    output wire                    m_axi_arlock,
    output wire [3:0]              m_axi_arcache,
    output wire [2:0]              m_axi_arprot,
    output wire [3:0]              m_axi_arqos,
    output wire [3:0]              m_axi_arregion,
    output wire                    m_axi_arvalid,
    input  wire                    m_axi_arready,
    input  wire [ID_WIDTH-1:0]     m_axi_rid,
    input  wire [DATA_WIDTH-1:0]   m_axi_rdata,
    input  wire [1:0]              m_axi_rresp,
    input  wire                    m_axi_rlast,
    input  wire                    m_axi_rvalid,
    output wire                    m_axi_rready,

    /*
     * DMA request lines (driven by the device models and the stand-in controller)
     */
    input  wire [NUM_REQ-1:0]      dma_req_burst,
    input  wire [NUM_REQ-1:0]      dma_req_single,
    input  wire [NUM_REQ-1:0]      dma_req_last,
    input  wire [NUM_REQ-1:0]      dma_ack,
    input  wire [NUM_REQ-1:0]      dma_tc
);

// clk and rst only name the clock domain; the request lines are only watched from the bench.
wire unused = &{1'b0, clk, rst, dma_req_burst, dma_req_single, dma_req_last, dma_ack, dma_tc};

assign m_axi_awid        = sel_raw ? s_raw_axi_awid      : s_axi_awid;
assign m_axi_awaddr      = sel_raw ? s_raw_axi_awaddr    : s_axi_awaddr;
assign m_axi_awlen       = sel_raw ? s_raw_axi_awlen     : s_axi_awlen;
assign m_axi_awsize      = sel_raw ? s_raw_axi_awsize    : s_axi_awsize;
assign m_axi_awburst     = sel_raw ? s_raw_axi_awburst   : s_axi_awburst;
assign m_axi_awlock      = sel_raw ? s_raw_axi_awlock    : s_axi_awlock;
assign m_axi_awcache     = sel_raw ? s_raw_axi_awcache   : s_axi_awcache;
assign m_axi_awprot      = sel_raw ? s_raw_axi_awprot    : s_axi_awprot;
assign m_axi_awqos       = sel_raw ? s_raw_axi_awqos     : s_axi_awqos;
assign m_axi_awregion    = sel_raw ? s_raw_axi_awregion  : s_axi_awregion;
assign m_axi_awvalid     = sel_raw ? s_raw_axi_awvalid   : s_axi_awvalid;
assign m_axi_wdata       = sel_raw ? s_raw_axi_wdata     : s_axi_wdata;
assign m_axi_wstrb       = sel_raw ? s_raw_axi_wstrb     : s_axi_wstrb;
assign m_axi_wlast       = sel_raw ? s_raw_axi_wlast     : s_axi_wlast;
assign m_axi_wvalid      = sel_raw ? s_raw_axi_wvalid    : s_axi_wvalid;
assign m_axi_bready      = sel_raw ? s_raw_axi_bready    : s_axi_bready;
assign m_axi_arid        = sel_raw ? s_raw_axi_arid      : s_axi_arid;
assign m_axi_araddr      = sel_raw ? s_raw_axi_araddr    : s_axi_araddr;
assign m_axi_arlen       = sel_raw ? s_raw_axi_arlen     : s_axi_arlen;
assign m_axi_arsize      = sel_raw ? s_raw_axi_arsize    : s_axi_arsize;
assign m_axi_arburst     = sel_raw ? s_raw_axi_arburst   : s_axi_arburst;
assign m_axi_arlock      = sel_raw ? s_raw_axi_arlock    : s_axi_arlock;
assign m_axi_arcache     = sel_raw ? s_raw_axi_arcache   : s_axi_arcache;
assign m_axi_arprot      = sel_raw ? s_raw_axi_arprot    : s_axi_arprot;
assign m_axi_arqos       = sel_raw ? s_raw_axi_arqos     : s_axi_arqos;
assign m_axi_arregion    = sel_raw ? s_raw_axi_arregion  : s_axi_arregion;
assign m_axi_arvalid     = sel_raw ? s_raw_axi_arvalid   : s_axi_arvalid;
assign m_axi_rready      = sel_raw ? s_raw_axi_rready    : s_axi_rready;

assign s_axi_awready     = m_axi_awready & ~sel_raw;
assign s_raw_axi_awready = m_axi_awready & sel_raw;
assign s_axi_wready      = m_axi_wready & ~sel_raw;
assign s_raw_axi_wready  = m_axi_wready & sel_raw;
assign s_axi_bid         = m_axi_bid;
assign s_raw_axi_bid     = m_axi_bid;
assign s_axi_bresp       = m_axi_bresp;
assign s_raw_axi_bresp   = m_axi_bresp;
assign s_axi_bvalid      = m_axi_bvalid & ~sel_raw;
assign s_raw_axi_bvalid  = m_axi_bvalid & sel_raw;
assign s_axi_arready     = m_axi_arready & ~sel_raw;
assign s_raw_axi_arready = m_axi_arready & sel_raw;
assign s_axi_rid         = m_axi_rid;
assign s_raw_axi_rid     = m_axi_rid;
assign s_axi_rdata       = m_axi_rdata;
assign s_raw_axi_rdata   = m_axi_rdata;
assign s_axi_rresp       = m_axi_rresp;
assign s_raw_axi_rresp   = m_axi_rresp;
assign s_axi_rlast       = m_axi_rlast;
assign s_raw_axi_rlast   = m_axi_rlast;
assign s_axi_rvalid      = m_axi_rvalid & ~sel_raw;
assign s_raw_axi_rvalid  = m_axi_rvalid & sel_raw;

endmodule

`resetall
