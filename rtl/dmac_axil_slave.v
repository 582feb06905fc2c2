// SPDX-License-Identifier: Apache-2.0
// AXI4-Lite slave: turns register-bus transactions into one-cycle write strobes and read requests.
//
// One write and one read are served at a time.  A write takes two cycles
// once both its AW and W handshakes have completed: in the first the
// register file decodes the address into registered strobes
// (reg_wr_req), in the second it performs the write, and
// BVALID rises the cycle after.  A read takes three: in the cycles after
// the AR handshake the register file registers the offset (in each
// channel) and then the addressed value, in the third it selects among
// those registers, and RVALID rises the cycle after.  The address and
// data stay unchanged from the request to the response.  Responses are
// always OKAY.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_axil_slave #(
    // Width of the register address
    parameter ADDR_WIDTH = 12
) (
    input  wire                   clk,
    input  wire                   rst,

    /*
     * AXI4-Lite slave
     */
    input  wire [ADDR_WIDTH-1:0]  s_axil_awaddr,
    input  wire [2:0]             s_axil_awprot,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire [31:0]            s_axil_wdata,
    input  wire [3:0]             s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire [1:0]             s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]  s_axil_araddr,
    input  wire [2:0]             s_axil_arprot,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire [31:0]            s_axil_rdata,
    output wire [1:0]             s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    /*
     * Register file
     */
    // Decode cycle of a write: the register file performs it in the next
    // cycle, with the same address, data and strobes
    output wire                   reg_wr_req,
    output wire [ADDR_WIDTH-1:0]  reg_wr_addr,
    output wire [31:0]            reg_wr_data,
    output wire [3:0]             reg_wr_strb,
    output wire [ADDR_WIDTH-1:0]  reg_rd_addr,
    input  wire [31:0]            reg_rd_data
);

reg                  aw_held_reg;
reg [ADDR_WIDTH-1:0] aw_addr_reg;
reg                  w_held_reg;
reg [31:0]           w_data_reg;
reg [3:0]            w_strb_reg;
reg                  wr_stage_reg;
reg                  bvalid_reg;

reg                  ar_held_reg;
reg [ADDR_WIDTH-1:0] ar_addr_reg;
// The read's second and third cycles
reg                  rd_wait_reg;
reg                  rd_stage_reg;
reg [31:0]           rdata_reg;
reg                  rvalid_reg;

// Nothing new is taken from the request to the response, so the address
// and data the register file sees stay put.
assign s_axil_awready = !aw_held_reg && !wr_stage_reg && !bvalid_reg;
assign s_axil_wready  = !w_held_reg && !wr_stage_reg && !bvalid_reg;
assign s_axil_bresp   = 2'b00;
assign s_axil_bvalid  = bvalid_reg;
assign s_axil_arready = !ar_held_reg && !rd_wait_reg && !rd_stage_reg && !rvalid_reg;
assign s_axil_rdata   = rdata_reg;
assign s_axil_rresp   = 2'b00;
assign s_axil_rvalid  = rvalid_reg;

assign reg_wr_req  = aw_held_reg && w_held_reg;
// Registers are 32-bit words: the byte lanes come from WSTRB, not the low address bits.
assign reg_wr_addr = {aw_addr_reg[ADDR_WIDTH-1:2], 2'b00};
assign reg_wr_data = w_data_reg;
assign reg_wr_strb = w_strb_reg;
assign reg_rd_addr = {ar_addr_reg[ADDR_WIDTH-1:2], 2'b00};

// Protection bits are accepted and not used: every register is open to every master.
wire unused = &{1'b0, s_axil_awprot, s_axil_arprot, aw_addr_reg[1:0], ar_addr_reg[1:0]};

always @(posedge clk) begin
    if (s_axil_awvalid && s_axil_awready) begin
        aw_held_reg <= 1'b1;
        aw_addr_reg <= s_axil_awaddr;
    end
    if (s_axil_wvalid && s_axil_wready) begin
        w_held_reg <= 1'b1;
        w_data_reg <= s_axil_wdata;
        w_strb_reg <= s_axil_wstrb;
    end
    if (reg_wr_req) begin
        aw_held_reg  <= 1'b0;
        w_held_reg   <= 1'b0;
        wr_stage_reg <= 1'b1;
    end
    if (wr_stage_reg) begin
        wr_stage_reg <= 1'b0;
        bvalid_reg   <= 1'b1;
    end
    if (s_axil_bvalid && s_axil_bready) begin
        bvalid_reg <= 1'b0;
    end

    if (s_axil_arvalid && s_axil_arready) begin
        ar_held_reg <= 1'b1;
        ar_addr_reg <= s_axil_araddr;
    end
    if (ar_held_reg) begin
        ar_held_reg <= 1'b0;
        rd_wait_reg <= 1'b1;
    end
    if (rd_wait_reg) begin
        rd_wait_reg  <= 1'b0;
        rd_stage_reg <= 1'b1;
    end
    if (rd_stage_reg) begin
        rd_stage_reg <= 1'b0;
        rdata_reg    <= reg_rd_data;
        rvalid_reg   <= 1'b1;
    end
    if (s_axil_rvalid && s_axil_rready) begin
        rvalid_reg <= 1'b0;
    end

    if (rst) begin
        aw_held_reg  <= 1'b0;
        w_held_reg   <= 1'b0;
        wr_stage_reg <= 1'b0;
        bvalid_reg   <= 1'b0;
        ar_held_reg  <= 1'b0;
        rd_wait_reg  <= 1'b0;
        rd_stage_reg <= 1'b0;
        rvalid_reg   <= 1'b0;
    end
end

endmodule

`resetall
