// SPDX-License-Identifier: Apache-2.0
// Synchronous first-word-fall-through FIFO with occupancy count and clear.
//
// rd_valid, full and count are flip-flops, stepped by what the cycle pushes
// and pops (the compares they need are made on the registered count, beside
// the push and pop), so a decision made from a FIFO's state starts with no
// pointer compare in front of it.
//
// HEAD_W > 0: the top HEAD_W bits of the head entry also come from
// flip-flops, loaded with what will be at the head next cycle (the entry
// after it on a pop, read through a second port at the registered next
// pointer; the one pushed now if it becomes the head), so the control bits
// a decision reads first do not come through a LUT RAM's read path.  The
// ports behave the same either way.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_fifo #(
    // Bits per entry
    parameter WIDTH = 64,
    // Entries; a power of two
    parameter DEPTH = 64,
    // Top bits of the head entry read from flip-flops (0..WIDTH)
    parameter HEAD_W = 0
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

// The pointers wrap at DEPTH (the count tells full from empty).
reg [PTR_W-1:0] wr_ptr_reg;
reg [PTR_W-1:0] rd_ptr_reg;
// rd_ptr_reg + 1, kept in a register: a pop selects it, no adder in between
// (a block RAM reads at the next pointer, so the pop reaches its address).
reg [PTR_W-1:0] rd_next_reg;

reg [PTR_W:0] count_reg;
reg           valid_reg;
reg           full_reg;

wire push   = wr_en && !full_reg;
wire pop    = rd_en && valid_reg;
wire grow   = push && !pop;
wire shrink = pop && !push;
// From the registered count, ready before push and pop are known
wire one_left  = count_reg == {{PTR_W{1'b0}}, 1'b1};
wire one_short = count_reg == DEPTH[PTR_W:0] - 1'b1;

assign count    = count_reg;
assign full     = full_reg;
assign rd_valid = valid_reg;

generate
if (HEAD_W > 0) begin : g_head
    // The top bits are kept in a memory of their own, read only at the
    // next pointer (one read port per memory, as a block RAM has).
    reg  [HEAD_W-1:0] mem_hi [0:DEPTH-1];
    reg  [HEAD_W-1:0] head_reg;
    // The entry pushed now is the head next cycle when the FIFO is empty
    // or its last entry is popped.  While empty the head follows wr_data
    // (pushed or not: it is not valid then), so a push only chooses the
    // source when the last entry is popped.
    wire fresh = !valid_reg || (one_left && push);
    always @(posedge clk) begin
        if (push) begin
            mem_hi[wr_ptr_reg] <= wr_data[WIDTH-1 -: HEAD_W];
        end
        if (!valid_reg || pop) begin
            head_reg <= fresh ? wr_data[WIDTH-1 -: HEAD_W] : mem_hi[rd_next_reg];
        end
    end
    if (HEAD_W < WIDTH) begin : g_rest
        reg [WIDTH-HEAD_W-1:0] mem_lo [0:DEPTH-1];
        always @(posedge clk) begin
            if (push) begin
                mem_lo[wr_ptr_reg] <= wr_data[WIDTH-HEAD_W-1:0];
            end
        end
        assign rd_data = {head_reg, mem_lo[rd_ptr_reg]};
    end else begin : g_all
        assign rd_data = head_reg;
    end
end else begin : g_mem
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    always @(posedge clk) begin
        if (push) begin
            mem[wr_ptr_reg] <= wr_data;
        end
    end
    assign rd_data = mem[rd_ptr_reg];
end
endgenerate

always @(posedge clk) begin
    if (push) begin
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    end
    if (pop) begin
        rd_ptr_reg  <= rd_next_reg;
        rd_next_reg <= rd_next_reg + 1'b1;
    end
    if (grow) begin
        count_reg <= count_reg + 1'b1;
        valid_reg <= 1'b1;
        full_reg  <= one_short;
    end else if (shrink) begin
        count_reg <= count_reg - 1'b1;
        valid_reg <= !one_left;
        full_reg  <= 1'b0;
    end
    if (rst || clear) begin
        wr_ptr_reg  <= 0;
        rd_ptr_reg  <= 0;
        rd_next_reg <= 1;
        count_reg   <= 0;
        valid_reg   <= 1'b0;
        full_reg    <= 1'b0;
    end
end

`ifdef FORMAL
/*
 * What the users of every instance guarantee (formal/, `read -formal`
 * defines FORMAL; the simulation and lint builds do not).  A push while
 * full is dropped even if the head is popped in the same cycle (push is
 * gated by full alone), and a pop while empty is ignored: either would
 * lose or invent an entry without telling, so neither is ever asked for.
 * Under clear every entry, a push of that cycle included, is dropped
 * anyway.
 */
always @(*) begin
    if (!rst && !clear) begin
        FIFO_NO_OVERFLOW:  assert (!(wr_en && full_reg));
        FIFO_NO_UNDERFLOW: assert (!(rd_en && !valid_reg));
    end
end

// The flags and the count agree (so full and rd_valid above mean what they say).
always @(*) begin
    if (!rst) begin
        FIFO_COUNT_MAX:   assert (count_reg <= DEPTH);
        FIFO_FULL_COUNT:  assert (full_reg == (count_reg == DEPTH));
        FIFO_VALID_COUNT: assert (valid_reg == (count_reg != 0));
    end
end
`endif

endmodule

`resetall
