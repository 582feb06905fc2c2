// SPDX-License-Identifier: Apache-2.0
// Register decoder: the global registers, and the routing of accesses to the channel register blocks.
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
    // Register bus from the AXI4-Lite slave
    input  wire                       reg_wr_en,
    input  wire [ADDR_WIDTH-1:0]      reg_wr_addr,
    input  wire [ADDR_WIDTH-1:0]      reg_rd_addr,
    output reg  [31:0]                reg_rd_data,

    // To the channels: which one a write goes to, and the offset inside its block
    output wire [NUM_CHANNELS-1:0]    chan_wr_en,
    output wire [5:0]                 chan_wr_off,
    output wire [5:0]                 chan_rd_off,
    input  wire [NUM_CHANNELS*32-1:0] chan_rd_data,

    input  wire [NUM_CHANNELS-1:0]    chan_irq
);

`include "dmac_regs.vh"

localparam CHAN_SHIFT = $clog2(DMAC_CHAN_STRIDE);
localparam MAX_BURST_LOG2 = $clog2(MAX_BURST_LEN);
localparam [ADDR_WIDTH:0] CHANNELS = NUM_CHANNELS[ADDR_WIDTH:0];

initial begin
    if (NUM_CHANNELS < 1 || NUM_CHANNELS > DMAC_CHAN_COUNT) begin
        $display("Error: NUM_CHANNELS must be 1..%0d (instance %m)", DMAC_CHAN_COUNT);
        $finish;
    end
    if ((DMAC_CHAN_BASE + DMAC_CHAN_COUNT * DMAC_CHAN_STRIDE) > (1 << ADDR_WIDTH)) begin
        $display("Error: ADDR_WIDTH too small for the register map (instance %m)");
        $finish;
    end
end

// Channel index of an address, and whether it falls in an implemented channel block
function [ADDR_WIDTH:0] chan_of;
    input [ADDR_WIDTH-1:0] addr;
    begin
        chan_of = {1'b0, addr} - DMAC_CHAN_BASE[ADDR_WIDTH:0];
        chan_of = chan_of >> CHAN_SHIFT;
    end
endfunction

wire [ADDR_WIDTH:0] wr_chan = chan_of(reg_wr_addr);
wire [ADDR_WIDTH:0] rd_chan = chan_of(reg_rd_addr);
wire wr_in_chan = reg_wr_addr >= DMAC_CHAN_BASE[ADDR_WIDTH-1:0] && wr_chan < CHANNELS;
wire rd_in_chan = reg_rd_addr >= DMAC_CHAN_BASE[ADDR_WIDTH-1:0] && rd_chan < CHANNELS;

assign chan_wr_off = reg_wr_addr[5:0];
assign chan_rd_off = reg_rd_addr[5:0];

genvar n;
generate
    for (n = 0; n < NUM_CHANNELS; n = n + 1) begin : g_wr
        assign chan_wr_en[n] = reg_wr_en && wr_in_chan && wr_chan == n;
    end
endgenerate

always @* begin
    reg_rd_data = 32'd0;
    if (rd_in_chan) begin
        reg_rd_data = chan_rd_data[rd_chan[$clog2(DMAC_CHAN_COUNT)-1:0]*32 +: 32];
    end else begin
        case (reg_rd_addr)
            DMAC_ID_OFFSET[ADDR_WIDTH-1:0]:      reg_rd_data = DMAC_ID_MAGIC_RESET[31:0];
            DMAC_VERSION_OFFSET[ADDR_WIDTH-1:0]: begin
                reg_rd_data[DMAC_VERSION_MINOR_LSB +: DMAC_VERSION_MINOR_WIDTH] = DMAC_VERSION_MINOR_RESET[DMAC_VERSION_MINOR_WIDTH-1:0];
                reg_rd_data[DMAC_VERSION_MAJOR_LSB +: DMAC_VERSION_MAJOR_WIDTH] = DMAC_VERSION_MAJOR_RESET[DMAC_VERSION_MAJOR_WIDTH-1:0];
            end
            DMAC_CONFIG_OFFSET[ADDR_WIDTH-1:0]: begin
                reg_rd_data[DMAC_CONFIG_NUM_CHANNELS_LSB +: DMAC_CONFIG_NUM_CHANNELS_WIDTH] = NUM_CHANNELS[DMAC_CONFIG_NUM_CHANNELS_WIDTH-1:0];
                reg_rd_data[DMAC_CONFIG_DATA_BYTES_LSB +: DMAC_CONFIG_DATA_BYTES_WIDTH] = DATA_WIDTH[DMAC_CONFIG_DATA_BYTES_WIDTH+2:3];
                reg_rd_data[DMAC_CONFIG_ADDR_WIDTH_LSB +: DMAC_CONFIG_ADDR_WIDTH_WIDTH] = BUS_ADDR_WIDTH[DMAC_CONFIG_ADDR_WIDTH_WIDTH-1:0];
                reg_rd_data[DMAC_CONFIG_MAX_BURST_LOG2_LSB +: DMAC_CONFIG_MAX_BURST_LOG2_WIDTH] = MAX_BURST_LOG2[DMAC_CONFIG_MAX_BURST_LOG2_WIDTH-1:0];
            end
            DMAC_IRQ_SUMMARY_OFFSET[ADDR_WIDTH-1:0]: begin
                reg_rd_data[DMAC_IRQ_SUMMARY_CHANNELS_LSB +: NUM_CHANNELS] = chan_irq;
            end
            default: reg_rd_data = 32'd0;
        endcase
    end
end

endmodule

`resetall
