// SPDX-License-Identifier: Apache-2.0
// Length of the next INCR burst: limited by the beats left, MAX_BURST_LEN and the next 4 KiB boundary.
//
// Timing: no compare is wider than the 4 KiB distance.  The beats left are
// compared with the cap as "upper bits zero and low bits below", so a wide
// counter costs a reduction tree, not a carry chain.
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
    output wire                   last
);

localparam SIZE = $clog2(DATA_BYTES);
localparam [12:0] MAX_BEATS = MAX_BURST_LEN[12:0];

// Beats from addr up to the 4 KiB boundary: at most 4096/DATA_BYTES.
wire [12:0] to_boundary_bytes = 13'h1000 - {1'b0, addr};
wire [12:0] to_boundary = to_boundary_bytes >> SIZE;

wire [12:0] cap = (to_boundary < MAX_BEATS) ? to_boundary : MAX_BEATS;

// cap <= 256, so beats_left <= cap needs its bits above 8 to be zero.
wire       left_small = beats_left[COUNT_WIDTH-1:9] == {(COUNT_WIDTH-9){1'b0}};
assign last  = left_small && {4'd0, beats_left[8:0]} <= cap;
assign beats = last ? beats_left[8:0] : cap[8:0];

endmodule

`resetall
