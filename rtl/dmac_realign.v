// SPDX-License-Identifier: Apache-2.0
// Realignment datapath: turns the source-aligned beats of the data FIFO into destination-aligned beats with byte strobes.
//
// Byte b of a job sits at lane (src + b) % DATA_BYTES of the read beats and
// must leave at lane (dst + b) % DATA_BYTES of the write beats.  With
// SHIFT = (src - dst) mod DATA_BYTES, output beat k is {in[j+1], in[j]}
// shifted right by SHIFT bytes, where j = k when the source offset is
// above the destination offset ("lead": in[0] is taken before the first
// output) and j = k - 1 when it is below; in[-1] and in[in_beats] read as
// zero.  With equal offsets output beat k is in[k] itself ("pass"): no lead,
// and no beat waits for the one after it.
// Jobs follow each other in the beat stream; each takes exactly its input
// beats from the FIFO and gives exactly its output beats.  It sits on the
// write side, so it is paced by W: one beat per cycle, plus one lead cycle
// per job whose source offset is above its destination offset.
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
    // Forget everything (the channel stopped and is quiet)
    input  wire                     clear,

    // Next job: offsets, beats in and out, valid lanes of its last output beat
    input  wire                     job_valid,
    output wire                     job_pop,
    input  wire [SIZE_W-1:0]        src_off,
    input  wire [SIZE_W-1:0]        dst_off,
    input  wire [COUNT_WIDTH-1:0]   in_beats,
    input  wire [COUNT_WIDTH-1:0]   out_beats,
    input  wire [SIZE_W-1:0]        last_lane,

    // Source-aligned beats (head of the data FIFO)
    input  wire [DATA_WIDTH-1:0]    in_data,
    input  wire                     in_poison,
    input  wire                     in_valid,
    output wire                     in_pop,

    // Destination-aligned beats, worked out from registers (out_valid does
    // not depend on out_ready); the parent registers them
    output wire [DATA_WIDTH-1:0]    out_data,
    output reg  [DATA_WIDTH/8-1:0]  out_strb,
    output wire                     out_poison,
    output wire                     out_valid,
    input  wire                     out_ready
);

localparam DATA_BYTES = DATA_WIDTH / 8;
localparam SIZE_W = DATA_BYTES > 1 ? $clog2(DATA_BYTES) : 1;

reg                   live_reg;
reg                   lead_reg;
reg                   pass_reg;
reg [SIZE_W-1:0]      shift_reg;
reg [SIZE_W-1:0]      dst_off_reg;
reg [SIZE_W-1:0]      last_lane_reg;
// Beats still to take in and to give out, each with registered flags (more
// than none, exactly one) so that no wide compare lies on the beat path.
reg [COUNT_WIDTH-1:0] in_left_reg;
reg                   in_more_reg;
reg                   in_one_reg;
reg [COUNT_WIDTH-1:0] out_left_reg;
reg                   out_more_reg;
reg                   out_one_reg;
reg                   first_reg;
reg [DATA_WIDTH-1:0]  prev_reg;
reg                   prev_poison_reg;
// No beat taken in yet for the live job: the previous beat reads as zero.
// (A flag, not a clear of prev_reg, so that the job's load does not reach
// the data registers' resets.)
reg                   prev_none_reg;

localparam [COUNT_WIDTH-1:0] ONE = {{(COUNT_WIDTH-1){1'b0}}, 1'b1};
localparam [COUNT_WIDTH-1:0] TWO = {{(COUNT_WIDTH-2){1'b0}}, 2'd2};

// The output has no register of its own: the beat goes when the parent's
// register slice takes it, and that slice's ready is a flip-flop.
wire use_in   = in_more_reg;
assign out_valid = live_reg && !lead_reg && out_more_reg && (!use_in || in_valid);
wire produce  = out_valid && out_ready;
wire lead     = live_reg && lead_reg && in_valid;
wire job_done = live_reg && !lead_reg && !out_more_reg;
// The live job gives its last beat this cycle: the next one may load at once.
wire finishing = produce && out_one_reg;

assign in_pop  = lead || (produce && use_in);
// A new job is loaded when none is live or the live one is finished.
assign job_pop = job_valid && (!live_reg || job_done || finishing);

wire [DATA_WIDTH-1:0]   cur_data   = use_in ? in_data : {DATA_WIDTH{1'b0}};
wire                    cur_poison = use_in && in_poison;
wire [DATA_WIDTH-1:0]   prev_data  = prev_none_reg ? {DATA_WIDTH{1'b0}} : prev_reg;
wire [2*DATA_WIDTH-1:0] window     = {cur_data, prev_data} >> {shift_reg, 3'b000};
// Only the low beat of the shifted pair leaves; the high half is what is shifted in.
wire unused_window = &{1'b0, window[2*DATA_WIDTH-1:DATA_WIDTH]};

assign out_data   = pass_reg ? cur_data : window[DATA_WIDTH-1:0];
assign out_poison = pass_reg ? cur_poison : prev_poison_reg || cur_poison;

// Strobes: all lanes, less those before the destination offset on the
// first beat and those after the last byte on the last beat.
integer l;
always @* begin
    for (l = 0; l < DATA_BYTES; l = l + 1) begin
        out_strb[l] = !(first_reg && l < dst_off_reg)
                   && !(out_one_reg && l > last_lane_reg);
    end
end

always @(posedge clk) begin
    if (in_pop) begin
        prev_reg        <= in_data;
        prev_poison_reg <= in_poison;
        prev_none_reg   <= 1'b0;
        in_left_reg     <= in_left_reg - 1'b1;
        in_more_reg     <= !in_one_reg;
        in_one_reg      <= in_left_reg == TWO;
    end
    if (lead) begin
        lead_reg <= 1'b0;
    end

    if (produce) begin
        out_left_reg <= out_left_reg - 1'b1;
        out_more_reg <= !out_one_reg;
        out_one_reg  <= out_left_reg == TWO;
        first_reg    <= 1'b0;
    end

    if (job_done) begin
        live_reg <= 1'b0;
    end

    if (job_pop) begin
        live_reg        <= 1'b1;
        lead_reg        <= src_off > dst_off;
        pass_reg        <= src_off == dst_off;
        shift_reg       <= src_off - dst_off;
        dst_off_reg     <= dst_off;
        last_lane_reg   <= last_lane;
        in_left_reg     <= in_beats;
        in_more_reg     <= in_beats != {COUNT_WIDTH{1'b0}};
        in_one_reg      <= in_beats == ONE;
        out_left_reg    <= out_beats;
        out_more_reg    <= out_beats != {COUNT_WIDTH{1'b0}};
        out_one_reg     <= out_beats == ONE;
        first_reg       <= 1'b1;
        prev_none_reg   <= 1'b1;
        prev_poison_reg <= 1'b0;
    end

    if (rst || clear) begin
        live_reg  <= 1'b0;
        lead_reg  <= 1'b0;
    end
end

endmodule

`resetall
