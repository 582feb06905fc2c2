// SPDX-License-Identifier: Apache-2.0
// Length of the next INCR burst: limited by the beats left, MAX_BURST_LEN and the next 4 KiB boundary.
//
// Timing: no compare is wider than the 4 KiB distance, and whether the
// boundary cuts the burst is a compare of the address with a constant.  The
// beats left are compared with the cap as "upper bits zero and low bits
// below", so a wide counter costs a reduction tree, not a carry chain.  A
// mover steps its address and counters by `cap` (the burst's length unless
// it is the job's last, when the next values do not matter), so its wide
// additions do not wait for `last`.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_burst_len #(
    // Bytes per data beat (power of two)
    parameter DATA_BYTES = 8,
    // Longest burst in beats (1..256)
    parameter MAX_BURST_LEN = 16,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33
) (
    // Low address bits of the burst's first beat (aligned to DATA_BYTES)
    input  wire [11:0]            addr,
    // Beats still to issue (not zero)
    input  wire [COUNT_WIDTH-1:0] beats_left,
    // Beats in this burst, 1..MAX_BURST_LEN
    output wire [8:0]             beats,
    // This burst takes every beat left
    output wire                   last,
    // Beats in this burst unless it is the last: MAX_BURST_LEN or up to the boundary
    output wire [8:0]             cap
);

localparam SIZE = $clog2(DATA_BYTES);
localparam PAGE_BEATS = 4096 / DATA_BYTES;
localparam PW = $clog2(PAGE_BEATS);
// A full burst from beat index LIMIT+1 of the page on would cross the boundary.
localparam integer LIMIT = PAGE_BEATS - MAX_BURST_LEN;
localparam [8:0] MAX_BEATS = MAX_BURST_LEN[8:0];

// Beats from addr up to the 4 KiB boundary: 1..4096/DATA_BYTES.
wire [12:0] to_boundary_bytes = 13'h1000 - {1'b0, addr};
wire [12:0] to_boundary = to_boundary_bytes >> SIZE;
wire [PW-1:0] in_page = addr[11:SIZE];

wire cut;
generate
    if (LIMIT < 0) begin : g_always_cut
        assign cut = 1'b1;
        wire unused_page = &{1'b0, in_page};
    end else begin : g_cut
        localparam [PW:0] LIMIT_BEATS = LIMIT[PW:0];
        assign cut = {1'b0, in_page} > LIMIT_BEATS;
    end
endgenerate

// When cut, to_boundary < MAX_BURST_LEN <= 256.
assign cap = cut ? to_boundary[8:0] : MAX_BEATS;

// cap <= 256, so beats_left <= cap needs its bits above 8 to be zero.
wire left_small = beats_left[COUNT_WIDTH-1:9] == {(COUNT_WIDTH-9){1'b0}};
wire le_max     = beats_left[8:0] <= MAX_BEATS;
wire le_bound   = {4'd0, beats_left[8:0]} <= to_boundary;
assign last  = left_small && (cut ? le_bound : le_max);
assign beats = last ? beats_left[8:0] : cap;

endmodule

`resetall
