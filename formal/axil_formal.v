// SPDX-License-Identifier: Apache-2.0
// Formal top for an unbounded proof: the AXI4-Lite slave alone with the s_axil_* properties.
//
// The s_axil_* handshakes and responses of rtl/dmac.v come from
// dmac_axil_slave alone (the register file only supplies read data, a free
// input here), so what k-induction proves here holds for the top's port.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_formal #(
    parameter AXIL_ADDR_WIDTH = 12
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]                 s_axil_awprot,
    input  wire                       s_axil_awvalid,
    input  wire [31:0]                s_axil_wdata,
    input  wire [3:0]                 s_axil_wstrb,
    input  wire                       s_axil_wvalid,
    input  wire                       s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]                 s_axil_arprot,
    input  wire                       s_axil_arvalid,
    input  wire                       s_axil_rready,
    input  wire [31:0]                reg_rd_data
);

`ifdef FORMAL

wire                       s_axil_awready;
wire                       s_axil_wready;
wire [1:0]                 s_axil_bresp;
wire                       s_axil_bvalid;
wire                       s_axil_arready;
wire [31:0]                s_axil_rdata;
wire [1:0]                 s_axil_rresp;
wire                       s_axil_rvalid;
wire                       reg_wr_req;
wire [AXIL_ADDR_WIDTH-1:0] reg_wr_addr;
wire [31:0]                reg_wr_data;
wire [3:0]                 reg_wr_strb;
wire [AXIL_ADDR_WIDTH-1:0] reg_rd_addr;

dmac_axil_slave #(
    .ADDR_WIDTH(AXIL_ADDR_WIDTH)
) dut (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .reg_wr_req(reg_wr_req),
    .reg_wr_addr(reg_wr_addr),
    .reg_wr_data(reg_wr_data),
    .reg_wr_strb(reg_wr_strb),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(reg_rd_data)
);

axil_slave_props #(
    .ADDR_WIDTH(AXIL_ADDR_WIDTH)
) axil_props (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready)
);

// The register-file side is not checked here.
wire unused = &{1'b0, reg_wr_req, reg_wr_addr, reg_wr_data, reg_wr_strb, reg_rd_addr};

`endif

endmodule

`resetall
