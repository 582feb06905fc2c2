// SPDX-License-Identifier: Apache-2.0
// Synchronous first-word-fall-through FIFO with occupancy count and clear.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_fifo #(
    // Bits per entry
    parameter WIDTH = 64,
    // Entries; a power of two
    parameter DEPTH = 64
) (
    input  wire                     clk,
    input  wire                     rst,
    // Drop every entry (the next cycle sees an empty FIFO)
    input  wire                     clear,

    input  wire [WIDTH-1:0]         wr_data,
    input  wire                     wr_en,
    output wire                     full,

    output wire [WIDTH-1:0]         rd_data,
    output wire                     rd_valid,
    input  wire                     rd_en,

    output wire [$clog2(DEPTH):0]   count
);

localparam PTR_W = $clog2(DEPTH);

initial begin
    if ((1 << PTR_W) != DEPTH) begin
        $display("Error: DEPTH must be a power of two (instance %m)");
        $finish;
    end
end

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [PTR_W:0] wr_ptr_reg;
reg [PTR_W:0] rd_ptr_reg;
// rd_ptr_reg + 1, kept in a register: a pop selects it, no adder in between
// (a block RAM reads at the next pointer, so the pop reaches its address).
reg [PTR_W:0] rd_next_reg;

wire [PTR_W:0] count_int = wr_ptr_reg - rd_ptr_reg;

// Empty and full compare the pointers directly (no subtraction on the way):
// full when they differ only in the wrap bit.
assign count    = count_int;
assign full     = wr_ptr_reg == {~rd_ptr_reg[PTR_W], rd_ptr_reg[PTR_W-1:0]};
assign rd_valid = wr_ptr_reg != rd_ptr_reg;
assign rd_data  = mem[rd_ptr_reg[PTR_W-1:0]];

always @(posedge clk) begin
    if (wr_en && !full) begin
        mem[wr_ptr_reg[PTR_W-1:0]] <= wr_data;
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    end
    if (rd_en && rd_valid) begin
        rd_ptr_reg  <= rd_next_reg;
        rd_next_reg <= rd_next_reg + 1'b1;
    end
    if (rst || clear) begin
        wr_ptr_reg  <= 0;
        rd_ptr_reg  <= 0;
        rd_next_reg <= 1;
    end
end

endmodule

`resetall
