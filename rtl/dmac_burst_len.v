// SPDX-License-Identifier: Apache-2.0
// Burst splitter of one job: address and length of its next INCR burst, limited by the beats left, MAX_BURST_LEN and the next 4 KiB boundary.
//
// Timing: the decisions are registered, so a burst's length is a few LUTs
// from flip-flops and every next value is at most one carry chain from
// them.  Besides the address and the beats left (less one), it keeps
//   em1 = beats left - beats to the boundary - 1 (negative: the job ends
//         before the boundary),
//   cut:    the boundary is nearer than MAX_BURST_LEN beats,
//   le_max: at most MAX_BURST_LEN beats are left,
// and steps them together by the burst's cap (MAX_BURST_LEN or up to the
// boundary): the address to the boundary or by MAX_BURST_LEN beats, the
// beats left to em1 or by MAX_BURST_LEN, em1 by a page or not at all; the
// next cut and le_max are compares of the present registers with
// constants.  Beats to the boundary less one are the address bits
// inverted, so the cap needs no arithmetic.  After the job's last burst
// the stepped values are not used.
//
// A job is loaded in one cycle and prepared in the next (beats left less
// one, em1, cut, le_max), so that the load, whose beats come from an adder,
// adds no carry chain of its own; the outputs describe the first burst
// from the cycle after that (ready).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_burst_len #(
    // Bytes per data beat (power of two)
    parameter DATA_BYTES = 8,
    // Longest burst in beats (1..256)
    parameter MAX_BURST_LEN = 16,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33
) (
    input  wire                   clk,
    input  wire                   rst,

    // A new job: its first beat's address (aligned to DATA_BYTES) and beats (not zero)
    input  wire                   load,
    input  wire [ADDR_WIDTH-1:0]  load_addr,
    input  wire [COUNT_WIDTH-1:0] load_beats,
    // The burst described below is taken: step to the next one
    input  wire                   step,

    // The outputs below describe the next burst (from the second cycle after a load)
    output wire                   ready,
    // Its first beat's address
    output reg  [ADDR_WIDTH-1:0]  addr,
    // Beats left in the job, less one
    output reg  [COUNT_WIDTH-1:0] left_m1,
    // It takes every beat left
    output wire                   last,
    // Its beats less one (AxLEN)
    output wire [7:0]             len,
    // Its beats less one unless it is the last: MAX_BURST_LEN or up to the boundary
    output wire [8:0]             cap_m1,
    // Minus those beats (modulo 2^COUNT_WIDTH)
    output wire [COUNT_WIDTH-1:0] cap_neg
);

localparam SIZE = $clog2(DATA_BYTES);
localparam PAGE_BEATS = 4096 / DATA_BYTES;
localparam PW = $clog2(PAGE_BEATS);
localparam EW = COUNT_WIDTH + 1;
// A full burst from beat index LIMIT+1 of the page on would cross the boundary.
localparam integer LIMIT = PAGE_BEATS - MAX_BURST_LEN;
// After a full burst, the next one is cut if it starts between LOW+1 and LIMIT-1.
localparam integer LOW = LIMIT - MAX_BURST_LEN;
localparam integer MAX_BYTES_I = MAX_BURST_LEN * DATA_BYTES;
localparam [8:0] MAX_M1 = MAX_BURST_LEN[8:0] - 9'd1;
localparam [COUNT_WIDTH-1:0] MAX_C = {{(COUNT_WIDTH-9){1'b0}}, MAX_BURST_LEN[8:0]};
localparam [ADDR_WIDTH-1:0] MAX_BYTES = {{(ADDR_WIDTH-14){1'b0}}, MAX_BYTES_I[13:0]};
localparam [EW-1:0] PAGE_E = {{(EW-13){1'b0}}, PAGE_BEATS[12:0]};

reg          prep_reg;
reg [EW-1:0] em1_reg;
reg          cut_reg;
reg          le_max_reg;

wire [PW-1:0] in_page      = addr[11:SIZE];
wire [PW-1:0] load_in_page = load_addr[11:SIZE];

// x <= bound for a constant bound < 2^10, without a carry chain as wide as x.
function below_eq;
    input [EW-1:0] x;
    input [9:0]    bound;
    begin
        below_eq = x[EW-1:10] == {(EW-10){1'b0}} && x[9:0] <= bound;
    end
endfunction

// Whether the burst from the present address is cut, and whether the one
// after a full burst from here will be.
wire cut_now;
wire cut_after_full;
generate
    if (LIMIT <= 0) begin : g_always_cut
        // LIMIT == 0: only a burst from the page's first beat is full, and it ends on the boundary.
        assign cut_now        = LIMIT < 0 || in_page != {PW{1'b0}};
        assign cut_after_full = LIMIT < 0;
    end else begin : g_cut
        localparam [PW:0] LIMIT_V = LIMIT[PW:0];
        localparam [PW:0] LOW_V   = LOW > 0 ? LOW[PW:0] : {(PW+1){1'b0}};
        assign cut_now        = {1'b0, in_page} > LIMIT_V;
        assign cut_after_full = (LOW < 0 || {1'b0, in_page} > LOW_V) && {1'b0, in_page} < LIMIT_V;
    end
endgenerate

// Beats to the boundary less one: the beat index inverted.
wire [COUNT_WIDTH-1:0] dist_m1 = {{(COUNT_WIDTH-PW){1'b0}}, ~in_page};

assign ready   = !prep_reg;
assign last    = cut_reg ? em1_reg[EW-1] : le_max_reg;
assign cap_m1  = cut_reg ? dist_m1[8:0] : MAX_M1;
assign cap_neg = cut_reg ? {{(COUNT_WIDTH-PW){1'b1}}, in_page} : -MAX_C;
assign len     = last ? left_m1[7:0] : cap_m1[7:0];
wire unused_cap = &{1'b0, dist_m1};

wire [EW-1:0] left_ext = {1'b0, left_m1};

// One adder each for left_m1 and em1_reg, their second operand chosen by
// registers only (prep_reg), so that step selects between finished values
// and reaches no carry chain.
wire [COUNT_WIDTH-1:0] left_dec = left_m1 - (prep_reg ? {{(COUNT_WIDTH-1){1'b0}}, 1'b1} : MAX_C);
wire [EW-1:0]          em1_add  = em1_reg + (prep_reg ? left_ext : -PAGE_E);

always @(posedge clk) begin
    prep_reg <= 1'b0;

    if (prep_reg) begin
        // left_m1 still holds the loaded beats, em1 minus the beats to the boundary, less one.
        left_m1    <= left_dec;
        em1_reg    <= em1_add;
        le_max_reg <= below_eq(left_ext, MAX_BURST_LEN[9:0]);
        cut_reg    <= cut_now;
    end else if (step) begin
        addr       <= cut_reg ? {addr[ADDR_WIDTH-1:12] + 1'b1, 12'd0} : addr + MAX_BYTES;
        left_m1    <= cut_reg ? em1_reg[COUNT_WIDTH-1:0] : left_dec;
        em1_reg    <= cut_reg ? em1_add : em1_reg;
        // Beats left after this burst, less one: em1 when cut, else left_m1 - MAX_BURST_LEN.
        le_max_reg <= cut_reg ? below_eq(em1_reg, MAX_BURST_LEN[9:0] - 10'd1)
                              : below_eq(left_ext, 2 * MAX_BURST_LEN[9:0] - 10'd1);
        // After a cut burst the next one starts a page.
        cut_reg    <= cut_reg ? LIMIT < 0 : cut_after_full;
    end

    if (load) begin
        prep_reg <= 1'b1;
        addr     <= load_addr;
        left_m1  <= load_beats;
        // Minus the beats to the boundary, less one: beat index - PAGE_BEATS - 1.
        em1_reg  <= {{(EW-PW){1'b1}}, load_in_page} - 1'b1;
    end

    if (rst) begin
        prep_reg <= 1'b0;
    end
end

endmodule

`resetall
