// SPDX-License-Identifier: Apache-2.0
// Register decoder: the global registers, and the routing of accesses to the channel register blocks.
//
// A write is routed to its channel in the slave's decode cycle
// (chan_wr_req); the channel registers its own strobes and writes in the
// next cycle.  A read takes three cycles from the AR handshake: each
// channel registers the offset, then the addressed value (the global
// registers' value and the channel number are held alike), and
// reg_rd_data selects among those registers in the third.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_csr #(
    // Width of the register address
    parameter ADDR_WIDTH = 12,
    // Number of channels
    parameter NUM_CHANNELS = 4,
    // Reported in CONFIG
    parameter DATA_WIDTH = 64,
    // Reported in CONFIG
    parameter BUS_ADDR_WIDTH = 32,
    // Reported in CONFIG
    parameter MAX_BURST_LEN = 16
) (
    input  wire                       clk,
    input  wire                       rst,

    // Register bus from the AXI4-Lite slave: the decode cycle of a write
    input  wire                       reg_wr_req,
    input  wire [ADDR_WIDTH-1:0]      reg_wr_addr,
    input  wire [ADDR_WIDTH-1:0]      reg_rd_addr,
    output reg  [31:0]                reg_rd_data,

    // To the channels: which one a write goes to (in its decode cycle), and the offset inside its block
    output wire [NUM_CHANNELS-1:0]    chan_wr_req,
    output wire [5:0]                 chan_wr_off,
    output wire [5:0]                 chan_rd_off,
    input  wire [NUM_CHANNELS*32-1:0] chan_rd_data,

    input  wire [NUM_CHANNELS-1:0]    chan_irq
);

`include "dmac_regs.vh"

localparam CHAN_SHIFT = $clog2(DMAC_CHAN_STRIDE);
localparam MAX_BURST_LOG2 = $clog2(MAX_BURST_LEN);
// Register blocks of DMAC_CHAN_STRIDE bytes: the block of an address, and that of channel 0
localparam BLOCK_WIDTH = ADDR_WIDTH - CHAN_SHIFT;
localparam integer CHAN0_BLOCK = DMAC_CHAN_BASE / DMAC_CHAN_STRIDE;
localparam CHAN_INDEX_WIDTH = $clog2(DMAC_CHAN_COUNT);

initial begin
    if (NUM_CHANNELS < 1 || NUM_CHANNELS > DMAC_CHAN_COUNT) begin
        $display("Error: NUM_CHANNELS must be 1..%0d (instance %m)", DMAC_CHAN_COUNT);
        $finish;
    end
    if ((DMAC_CHAN_BASE + DMAC_CHAN_COUNT * DMAC_CHAN_STRIDE) > (1 << ADDR_WIDTH)) begin
        $display("Error: ADDR_WIDTH too small for the register map (instance %m)");
        $finish;
    end
    // The decode below relies on these two properties of the register map.
    if (DMAC_CHAN_BASE % DMAC_CHAN_STRIDE != 0) begin
        $display("Error: channel blocks must be aligned to their stride (instance %m)");
        $finish;
    end
    if (DMAC_ID_OFFSET >= DMAC_CHAN_BASE || DMAC_VERSION_OFFSET >= DMAC_CHAN_BASE
            || DMAC_CONFIG_OFFSET >= DMAC_CHAN_BASE || DMAC_IRQ_SUMMARY_OFFSET >= DMAC_CHAN_BASE) begin
        $display("Error: global registers must lie below the channel blocks (instance %m)");
        $finish;
    end
end

// Each channel's block is one value of the address bits above the block
// offset: equality with a constant, no subtraction or range compare (those
// took carry chains). Addresses outside every implemented block select none.
wire [BLOCK_WIDTH-1:0] wr_block = reg_wr_addr[ADDR_WIDTH-1:CHAN_SHIFT];
wire [BLOCK_WIDTH-1:0] rd_block = reg_rd_addr[ADDR_WIDTH-1:CHAN_SHIFT];

assign chan_wr_off = reg_wr_addr[5:0];
assign chan_rd_off = reg_rd_addr[5:0];

reg  [31:0] global_rd_data;
reg  [31:0] global_rd_reg;
always @* begin
    global_rd_data = 32'd0;
    case (reg_rd_addr)
        DMAC_ID_OFFSET[ADDR_WIDTH-1:0]:      global_rd_data = DMAC_ID_MAGIC_RESET[31:0];
        DMAC_VERSION_OFFSET[ADDR_WIDTH-1:0]: begin
            global_rd_data[DMAC_VERSION_MINOR_LSB +: DMAC_VERSION_MINOR_WIDTH] = DMAC_VERSION_MINOR_RESET[DMAC_VERSION_MINOR_WIDTH-1:0];
            global_rd_data[DMAC_VERSION_MAJOR_LSB +: DMAC_VERSION_MAJOR_WIDTH] = DMAC_VERSION_MAJOR_RESET[DMAC_VERSION_MAJOR_WIDTH-1:0];
        end
        DMAC_CONFIG_OFFSET[ADDR_WIDTH-1:0]: begin
            global_rd_data[DMAC_CONFIG_NUM_CHANNELS_LSB +: DMAC_CONFIG_NUM_CHANNELS_WIDTH] = NUM_CHANNELS[DMAC_CONFIG_NUM_CHANNELS_WIDTH-1:0];
            global_rd_data[DMAC_CONFIG_DATA_BYTES_LSB +: DMAC_CONFIG_DATA_BYTES_WIDTH] = DATA_WIDTH[DMAC_CONFIG_DATA_BYTES_WIDTH+2:3];
            global_rd_data[DMAC_CONFIG_ADDR_WIDTH_LSB +: DMAC_CONFIG_ADDR_WIDTH_WIDTH] = BUS_ADDR_WIDTH[DMAC_CONFIG_ADDR_WIDTH_WIDTH-1:0];
            global_rd_data[DMAC_CONFIG_MAX_BURST_LOG2_LSB +: DMAC_CONFIG_MAX_BURST_LOG2_WIDTH] = MAX_BURST_LOG2[DMAC_CONFIG_MAX_BURST_LOG2_WIDTH-1:0];
        end
        DMAC_IRQ_SUMMARY_OFFSET[ADDR_WIDTH-1:0]: begin
            global_rd_data[DMAC_IRQ_SUMMARY_CHANNELS_LSB +: NUM_CHANNELS] = chan_irq;
        end
        default: global_rd_data = 32'd0;
    endcase
end

// Read data, a cycle after the address: a channel's (each channel registers
// its own), or the global registers'. The channel index is the block modulo
// DMAC_CHAN_COUNT: a subtraction of a constant as narrow as the index.
// global_rd_reg is zero when a channel is addressed, so the two are ORed.
wire [NUM_CHANNELS-1:0]     rd_sel;
wire [CHAN_INDEX_WIDTH-1:0] rd_chan = rd_block[CHAN_INDEX_WIDTH-1:0] - CHAN0_BLOCK[CHAN_INDEX_WIDTH-1:0];
// The selection, one cycle and two cycles after the address (as the
// channels' offset and data registers)
reg                         rd_chan_valid_a_reg;
reg  [CHAN_INDEX_WIDTH-1:0] rd_chan_a_reg;
reg  [31:0]                 global_rd_a_reg;
reg                         rd_chan_valid_reg;
reg  [CHAN_INDEX_WIDTH-1:0] rd_chan_reg;

always @(posedge clk) begin
    rd_chan_valid_a_reg <= |rd_sel;
    rd_chan_a_reg       <= rd_chan;
    global_rd_a_reg     <= |rd_sel ? 32'd0 : global_rd_data;
    rd_chan_valid_reg   <= rd_chan_valid_a_reg;
    rd_chan_reg         <= rd_chan_a_reg;
    global_rd_reg       <= global_rd_a_reg;
    if (rst) begin
        rd_chan_valid_a_reg <= 1'b0;
        rd_chan_valid_reg   <= 1'b0;
    end
end

// Channels beyond NUM_CHANNELS are never selected (rd_chan_valid_reg is 0 then).
wire [DMAC_CHAN_COUNT*32-1:0] chan_rd_all;

always @* begin
    reg_rd_data = global_rd_reg
                | (chan_rd_all[rd_chan_reg*32 +: 32] & {32{rd_chan_valid_reg}});
end

genvar n;
generate
    for (n = 0; n < NUM_CHANNELS; n = n + 1) begin : g_wr
        localparam [BLOCK_WIDTH-1:0] BLOCK = CHAN0_BLOCK[BLOCK_WIDTH-1:0] + n[BLOCK_WIDTH-1:0];
        assign chan_wr_req[n] = reg_wr_req && wr_block == BLOCK;
        assign rd_sel[n]      = rd_block == BLOCK;
    end
    for (n = 0; n < DMAC_CHAN_COUNT; n = n + 1) begin : g_rd
        if (n < NUM_CHANNELS) begin : g_chan
            assign chan_rd_all[n*32 +: 32] = chan_rd_data[n*32 +: 32];
        end else begin : g_none
            assign chan_rd_all[n*32 +: 32] = 32'd0;
        end
    end
endgenerate

endmodule

`resetall
