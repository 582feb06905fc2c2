// SPDX-License-Identifier: Apache-2.0
// Realignment datapath: turns the source-aligned beat stream into destination-aligned beats with byte strobes.
//
// Byte b of a transfer sits at lane (src + b) % DATA_BYTES of the read beats
// and must leave at lane (dst + b) % DATA_BYTES of the write beats.  With
// SHIFT = (src - dst) mod DATA_BYTES, output beat k is the concatenation
// {in[j+1], in[j]} shifted right by SHIFT bytes, where j = k when the source
// offset is at least the destination offset and j = k - 1 otherwise (in[-1]
// and in[nin] read as zero).  So each input beat yields one output beat,
// after LEAD inputs, and one more output may be flushed after the last input:
// one beat in, at most one beat out per cycle, no back-pressure (the FIFO
// room is reserved before the reads are issued).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_realign #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33
) (
    input  wire                     clk,
    input  wire                     rst,

    // Job set-up, one cycle before the first input beat can arrive
    input  wire                     start,
    // The job was stopped (error or abort): emit nothing more for it
    input  wire                     stop,
    input  wire [SIZE_W-1:0]        src_off,
    input  wire [SIZE_W-1:0]        dst_off,
    // Output beats the job produces, and the valid lanes of the last one
    input  wire [COUNT_WIDTH-1:0]   out_beats,
    input  wire [SIZE_W-1:0]        last_lane,
    // Input beats the job consumes
    input  wire [COUNT_WIDTH-1:0]   in_beats,

    // Source-aligned beats
    input  wire [DATA_WIDTH-1:0]    in_data,
    input  wire                     in_poison,
    input  wire                     in_valid,

    // Destination-aligned beats: {poison, strobe, data}
    output reg  [DATA_WIDTH-1:0]    out_data,
    output reg  [DATA_WIDTH/8-1:0]  out_strb,
    output reg                      out_poison,
    output reg                      out_valid
);

localparam DATA_BYTES = DATA_WIDTH / 8;
localparam SIZE_W = DATA_BYTES > 1 ? $clog2(DATA_BYTES) : 1;

reg [SIZE_W-1:0]      shift_reg;
reg [SIZE_W-1:0]      dst_off_reg;
reg [SIZE_W-1:0]      last_lane_reg;
reg [COUNT_WIDTH-1:0] out_beats_reg;
reg [COUNT_WIDTH-1:0] in_left_reg;
reg [COUNT_WIDTH-1:0] out_idx_reg;
reg [DATA_WIDTH-1:0]  prev_reg;
reg                   prev_poison_reg;
reg                   skip_reg;
reg                   live_reg;

// The last input has arrived and one output is still owed: flush it.
wire flush = in_left_reg == 0 && out_idx_reg != out_beats_reg;
// Once stopped, the job is abandoned for good: nothing more of it may reach
// the FIFO (the engine clears the FIFO as soon as the movers are idle, and a
// late beat or flush would be taken as the next job's data).
wire emit  = ((in_valid && !skip_reg) || flush) && live_reg && !stop;

wire [DATA_WIDTH-1:0]   cur_data   = in_valid ? in_data : {DATA_WIDTH{1'b0}};
wire                    cur_poison = in_valid && in_poison;
wire [2*DATA_WIDTH-1:0] window     = {cur_data, prev_reg} >> {shift_reg, 3'b000};
// Only the low beat of the shifted pair leaves; the high half is what is shifted in.
wire unused_window = &{1'b0, window[2*DATA_WIDTH-1:DATA_WIDTH]};

// Strobes: all lanes, less those before the destination offset on the
// first beat and those after the last byte on the last beat.
reg [DATA_BYTES-1:0] strb;
integer l;
always @* begin
    for (l = 0; l < DATA_BYTES; l = l + 1) begin
        strb[l] = !(out_idx_reg == 0 && l < dst_off_reg)
               && !(out_idx_reg == out_beats_reg - 1'b1 && l > last_lane_reg);
    end
end

always @(posedge clk) begin
    out_valid <= 1'b0;

    if (emit) begin
        out_data    <= window[DATA_WIDTH-1:0];
        out_strb    <= strb;
        out_poison  <= prev_poison_reg || cur_poison;
        out_valid   <= 1'b1;
        out_idx_reg <= out_idx_reg + 1'b1;
    end

    if (in_valid) begin
        prev_reg        <= in_data;
        prev_poison_reg <= prev_poison_reg || in_poison;
        in_left_reg     <= in_left_reg - 1'b1;
        skip_reg        <= 1'b0;
    end

    if (stop) begin
        live_reg <= 1'b0;
    end

    if (start) begin
        live_reg        <= 1'b1;
        shift_reg       <= src_off - dst_off;
        skip_reg        <= src_off >= dst_off;
        dst_off_reg     <= dst_off;
        last_lane_reg   <= last_lane;
        out_beats_reg   <= out_beats;
        in_left_reg     <= in_beats;
        out_idx_reg     <= 0;
        prev_reg        <= {DATA_WIDTH{1'b0}};
        prev_poison_reg <= 1'b0;
    end

    if (rst) begin
        live_reg      <= 1'b0;
        out_valid     <= 1'b0;
        in_left_reg   <= 0;
        out_idx_reg   <= 0;
        out_beats_reg <= 0;
    end
end

endmodule

`resetall
