// SPDX-License-Identifier: Apache-2.0
// Descriptor fetcher shared by every channel: follows each chain ahead of the data and fills that channel's descriptor queue.
//
// Each channel has at most one fetch in flight; the channels' fetches are
// chosen by priority, then round robin (dmac_arbiter), one AR per cycle at
// most.  Every descriptor read carries the same AXI ID ({1, 0}, see
// dmac_axi_mux), so the bursts come back in the order they were issued and
// never interleave: one in-order receive path (beat assembly, checks, keep
// or drop) serves all channels, with the channel and address of each
// burst in flight taken from a small queue as its first beat arrives.  (A
// fetch at a time, with each channel's own ID, would make every channel
// wait for the others' round trips, which under load include their data
// reads queued in the memory ahead of them: a high-priority channel ran
// dry behind a low one's fetch.  Beats of several IDs, which may
// interleave, would need a receive state per channel.)
//
// Per channel, the fetch is as it was with a fetcher per channel.  The
// first fetch of a chain reads one descriptor.  While the chain looks
// contiguous (each descriptor's NEXT is the address right after it, as in
// a ring), a fetch reads up to DESC_PREFETCH descriptors in one burst; a
// descriptor of the burst is kept only if the one before it was kept, is
// not LAST, points to it, and it came back without a bus error.  The first
// mismatch drops it and the rest of the burst, and that channel falls back
// to one descriptor per fetch until its chain is contiguous again.  So a
// queue only ever holds descriptors of its chain, in order, read in one
// piece.
//
// Each kept descriptor is checked on its way into the queue (zero length,
// source or destination range beyond the address space).  A pointer that
// cannot be fetched (misaligned, outside the address space, or whose read
// failed) becomes an error entry with no descriptor behind it, and that
// channel's fetching stops: the chain ends there.
//
// Per channel state is a pointer, a few flags and the checks of the
// pointer (made once as the pointer is set, by one of two check blocks
// shared by all channels: one for START, one for the chain moving on).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_desc_fetch #(
    // Number of channels
    parameter NUM_CHANNELS = 4,
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Longest burst in beats
    parameter MAX_BURST_LEN = 16,
    // Descriptors read in one burst at most
    parameter DESC_PREFETCH = 4,
    // Width of each queue's room count
    parameter ROOM_W = 6
) (
    input  wire                         clk,
    input  wire                         rst,

    // Start channel n's chain at its start_ptr (at most one channel a
    // cycle: starts come from register writes; the channel must be quiet)
    input  wire [NUM_CHANNELS-1:0]      start,
    input  wire [NUM_CHANNELS*64-1:0]   start_ptr,
    // Fetch nothing more for good (the channel stops); a fetch in flight completes
    input  wire [NUM_CHANNELS-1:0]      halt,
    // Fetch nothing more for now (pause)
    input  wire [NUM_CHANNELS-1:0]      hold,
    // Free entries in each channel's descriptor queue
    input  wire [NUM_CHANNELS*ROOM_W-1:0] room,
    // Each channel's arbitration priority, 3 highest
    input  wire [2*NUM_CHANNELS-1:0]    prio,

    // Read address request, and the priority it asks the bus at: the
    // highest of its channel's and of every channel waiting for the fetcher
    // (a low-priority channel's fetch, waiting for the bus, must not hold the
    // fetcher, and with it a high one, behind the high one's own data reads)
    output reg  [ADDR_WIDTH-1:0]        ar_addr,
    output reg  [7:0]                   ar_len,
    output reg  [1:0]                   ar_prio,
    output reg                          ar_valid,
    input  wire                         ar_ready,
    // A fetch goes on AR next cycle, so the bus arbitration can turn to the
    // fetcher a cycle early; the channel of the fetch on AR
    output wire                         ar_soon,
    output reg  [(NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1)-1:0] ar_chan,

    // Read data of the descriptor reads
    input  wire [DATA_WIDTH-1:0]        r_data,
    input  wire [1:0]                   r_resp,
    input  wire                         r_last,
    input  wire                         r_valid,

    // Queue entry for the channels push names (one-hot): a checked
    // descriptor, or an error with no descriptor (fetched = 0)
    output reg  [NUM_CHANNELS-1:0]      push,
    output reg  [3:0]                   push_err,
    output reg                          push_fetched,
    output reg  [ADDR_WIDTH-1:0]        push_addr,
    output reg  [ADDR_WIDTH-1:0]        push_src,
    output reg  [ADDR_WIDTH-1:0]        push_dst,
    output reg  [31:0]                  push_len,
    output reg                          push_irq,
    output reg                          push_last,
    // Each channel's pointer of its last error entry (it may not fit ADDR_WIDTH)
    output reg  [NUM_CHANNELS*64-1:0]   bad_ptr,

    // No fetch of the channel in flight
    output wire [NUM_CHANNELS-1:0]      quiet
);

`include "dmac_regs.vh"

localparam CHAN_W = NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1;
localparam DATA_BYTES = DATA_WIDTH / 8;
localparam DESC_BEATS = DMAC_DESC_SIZE / DATA_BYTES;
localparam DESC_BITS = DMAC_DESC_SIZE * 8;
localparam BEAT_W = DESC_BEATS > 1 ? $clog2(DESC_BEATS) : 1;
// Descriptors one burst may hold under MAX_BURST_LEN (at least one: a
// descriptor is always read whole).
localparam PER_BURST = (MAX_BURST_LEN / DESC_BEATS) > 0 ? (MAX_BURST_LEN / DESC_BEATS) : 1;
localparam BATCH = DESC_PREFETCH < PER_BURST ? DESC_PREFETCH : PER_BURST;
localparam [63:0] ADDR_MASK = (ADDR_WIDTH == 64) ? {64{1'b1}} : ((64'd1 << ADDR_WIDTH) - 64'd1);
// (the generated constants are unsized: the addition gives them a width)
localparam [63:0] DESC_STEP = {32'd0, DMAC_DESC_SIZE[31:0] + 32'd0};
localparam [ADDR_WIDTH:0] ADDR_STEP = {{(ADDR_WIDTH-31){1'b0}}, DESC_STEP[31:0]};
// Fetches in flight at most: one per channel
localparam QDEPTH = NUM_CHANNELS > 2 ? (1 << $clog2(NUM_CHANNELS)) : 2;
localparam Q_W = CHAN_W + ADDR_WIDTH + ADDR_WIDTH + 1;

initial begin
    if (DESC_PREFETCH < 1 || DESC_PREFETCH > 16) begin
        $display("Error: DESC_PREFETCH must be 1..16 (instance %m)");
        $finish;
    end
    if ((1 << ROOM_W) <= 2 * DESC_PREFETCH) begin
        $display("Error: ROOM_W too narrow for DESC_PREFETCH (instance %m)");
        $finish;
    end
end

// What a pointer allows: whether it can be fetched at all, and how many
// descriptors a fetch from it reads (contiguous: up to BATCH, but not
// across a 4 KiB boundary; the pointer is 32-byte aligned, so to the
// boundary there are 128 - ptr[11:5], and when fewer than BATCH (<= 16)
// that is below 32 and its five low bits, the pointer's negated, are all
// of it).
function ptr_misaligned;
    input [4:0] p;
    begin
        ptr_misaligned = p != 5'd0;
    end
endfunction

function ptr_bad;
    input [63:0] p;
    begin
        ptr_bad = p[4:0] != 5'd0 || (p & ~ADDR_MASK) != 64'd0
               || ((p + DESC_STEP - 64'd1) & ~ADDR_MASK) != 64'd0;
    end
endfunction

localparam integer NEAR_I = 128 - BATCH;
function [4:0] ptr_batch;
    // the pointer's bits 11:5
    input [6:0]  p;
    input        contig;
    reg          near;
    begin
        near = BATCH > 1 && p > NEAR_I[6:0];
        ptr_batch = !contig ? 5'd1 : near ? 5'd0 - p[4:0] : BATCH[4:0];
    end
endfunction

/*
 * Per channel: the chain's pointer and flags
 */
reg  [NUM_CHANNELS*64-1:0] ptr_reg;
reg  [NUM_CHANNELS-1:0] more_reg;
reg  [NUM_CHANNELS-1:0] busy_reg;
// Descriptors the next fetch reads (the pointer's batch)
reg  [NUM_CHANNELS*5-1:0] batch_reg;
reg  [NUM_CHANNELS-1:0] misaligned_reg;
reg  [NUM_CHANNELS-1:0] bad_reg;
// The chain moved the channel's pointer on in the cycle before: its checks
// (from nptr_reg) are written now, so it issues nothing this cycle
reg  [NUM_CHANNELS-1:0] nsel_reg;
reg  [63:0]             nptr_reg;
reg                     ncontig_reg;
// A pointer was refused: bad_ptr takes it a cycle later (before the lane
// can take the error entry from its queue)
reg  [NUM_CHANNELS-1:0] refused_reg;
// A kept descriptor's read failed: bad_ptr takes its address (push_addr) a
// cycle later, likewise
reg                     bad_pend_reg;

assign quiet = ~busy_reg;

// START: the started channel's pointer (one channel at most)
reg [63:0] s_ptr;
integer s;
always @* begin
    s_ptr = 64'd0;
    for (s = 0; s < NUM_CHANNELS; s = s + 1) begin
        s_ptr = s_ptr | (start_ptr[s*64 +: 64] & {64{start[s]}});
    end
end
wire       s_misaligned = ptr_misaligned(s_ptr[4:0]);
wire       s_bad        = ptr_bad(s_ptr);
// The chain moved on: the new pointer's checks
wire       n_misaligned = ptr_misaligned(nptr_reg[4:0]);
wire       n_bad        = ptr_bad(nptr_reg);
wire [4:0] n_batch      = ptr_batch(nptr_reg[11:5], ncontig_reg);

// Wants a fetch: running, nothing in flight, its checks current, no entry
// pushed this cycle (the room count follows a push a cycle later), and room
// for the batch (or for the error entry of a bad pointer)
wire [NUM_CHANNELS-1:0] want;
genvar g;
generate
    for (g = 0; g < NUM_CHANNELS; g = g + 1) begin : g_want
        wire [ROOM_W-1:0] r = room[g*ROOM_W +: ROOM_W];
        wire can_go = more_reg[g] && !busy_reg[g] && !halt[g] && !hold[g] && !push[g] && !nsel_reg[g];
        assign want[g] = can_go && (bad_reg[g] ? r != {ROOM_W{1'b0}}
                                              : {{(16-ROOM_W){1'b0}}, r} >= {11'd0, batch_reg[g*5 +: 5]});
    end
endgenerate

/*
 * Choice of the channel to fetch for, and the fetch
 */
wire [NUM_CHANNELS-1:0] grant;
wire [CHAN_W-1:0]       grant_idx;
// Second stage of the receive side: a descriptor in buf_reg (it may push)
reg                     dv_reg;

// The highest priority among the channels that want a fetch
reg [1:0]  want_prio;
integer w;
always @* begin
    want_prio = 2'd0;
    for (w = 0; w < NUM_CHANNELS; w = w + 1) begin
        if (want[w] && prio[w*2 +: 2] > want_prio) begin
            want_prio = prio[w*2 +: 2];
        end
    end
end

reg [63:0] g_ptr;
reg [4:0]  g_batch;
reg        g_misaligned;
reg        g_bad;
integer k;
always @* begin
    g_ptr        = 64'd0;
    g_batch      = 5'd0;
    g_misaligned = 1'b0;
    g_bad        = 1'b0;
    for (k = 0; k < NUM_CHANNELS; k = k + 1) begin
        g_ptr        = g_ptr | (ptr_reg[k*64 +: 64] & {64{grant[k]}});
        g_batch      = g_batch | (batch_reg[k*5 +: 5] & {5{grant[k]}});
        g_misaligned = g_misaligned | (misaligned_reg[k] & grant[k]);
        g_bad        = g_bad | (bad_reg[k] & grant[k]);
    end
end

// The granted channel is served if it still wants: a fetch when the AR
// register is free, a refusal (an error entry pushed a cycle later) when
// no descriptor is pushed then
wire serve  = |(grant & want) && (g_bad ? !dv_reg : !ar_valid);
wire issue  = serve && !g_bad;
wire refuse = serve && g_bad;
assign ar_soon = issue;

dmac_arbiter #(
    .PORTS(NUM_CHANNELS)
) arbiter_inst (
    .clk(clk),
    .rst(rst),
    .req(want),
    .enable(1'b1),
    .prio(prio),
    .accept(serve),
    .grant(grant),
    .grant_idx(grant_idx)
);

// AxLEN of the fetch: batch descriptors of DESC_BEATS beats each
wire [12:0] batch_beats = {8'd0, g_batch} * DESC_BEATS[12:0];
wire [7:0]  batch_len   = batch_beats[7:0] - 8'd1;
wire unused_batch = &{1'b0, batch_beats[12:8]};

// The fetches in flight, in issue order: channel, first descriptor's
// address, and the address after it.  A fetch enters the queue the cycle
// after it is issued, from the AR registers (its first beat comes three
// cycles later at the earliest), so the choice of a channel does not reach
// the queue's write port.
wire                  q_valid;
wire [CHAN_W-1:0]     q_chan;
wire [ADDR_WIDTH-1:0] q_addr;
wire [ADDR_WIDTH:0]   q_step;
reg                   issued_reg;
wire [ADDR_WIDTH:0]   a_step = {1'b0, ar_addr} + ADDR_STEP;

dmac_fifo #(
    .WIDTH(Q_W),
    .DEPTH(QDEPTH)
) inflight_inst (
    .clk(clk),
    .rst(rst),
    .clear(1'b0),
    .wr_data({ar_chan, ar_addr, a_step}),
    .wr_en(issued_reg),
    .full(),
    .rd_data({q_chan, q_addr, q_step}),
    .rd_valid(q_valid),
    .rd_en(r_valid && r_last),
    .count()
);
wire unused_q = &{1'b0, q_valid};

/*
 * Receive side, first stage: the beat.  At a burst's first beat
 * (rx_idle_reg) its channel and addresses come from the queue's head;
 * within it, from registers stepped descriptor by descriptor.
 */
reg                  rx_idle_reg;
reg [CHAN_W-1:0]     s0_chan_reg;
reg [ADDR_WIDTH-1:0] s0_addr_reg;
reg [ADDR_WIDTH:0]   s0_step_reg;
reg                  s0_first_reg;
reg [BEAT_W-1:0]     beat_reg;
reg                  beat_bad_reg;
reg [DESC_BITS-1:0]  buf_reg;

wire [CHAN_W-1:0]     cur_chan  = rx_idle_reg ? q_chan : s0_chan_reg;
wire [ADDR_WIDTH-1:0] cur_addr  = rx_idle_reg ? q_addr : s0_addr_reg;
wire [ADDR_WIDTH:0]   cur_step  = rx_idle_reg ? q_step : s0_step_reg;
wire                  cur_first = rx_idle_reg || s0_first_reg;

// The descriptor completed by this beat
wire [DESC_BITS-1:0] desc_full;
generate
    if (DESC_BEATS > 1) begin : g_assemble
        assign desc_full = {r_data, buf_reg[DESC_BITS-1:DATA_WIDTH]};
        // The oldest beat is shifted out when the next one arrives.
        wire unused_buf = &{1'b0, buf_reg[DATA_WIDTH-1:0]};
    end else begin : g_single
        assign desc_full = r_data;
        wire unused_buf = &{1'b0, buf_reg};
    end
endgenerate

wire [63:0] d_next = desc_full[DMAC_DESC_NEXT_OFFSET*8 +: 64];
wire [63:0] d_src  = desc_full[DMAC_DESC_SRC_OFFSET*8 +: 64];
wire [63:0] d_dst  = desc_full[DMAC_DESC_DST_OFFSET*8 +: 64];
wire [31:0] d_len  = desc_full[DMAC_DESC_LEN_OFFSET*8 +: 32];
wire [31:0] d_ctrl = desc_full[DMAC_DESC_CTRL_OFFSET*8 +: 32];
// [X, X + LEN) lies below 2^ADDR_WIDTH when X has no bit above ADDR_WIDTH
// and X + LEN <= 2^ADDR_WIDTH.  X + LEN is below 2^(ADDR_WIDTH+1) (LEN <
// 2^32), so it exceeds 2^ADDR_WIDTH exactly when its top bit is set and a
// lower one too: one plain carry chain and a zero test of its sum (adding
// the three terms X + LEN + 2^ADDR_WIDTH - 1 instead, to read the answer
// off the carry out, needs a layer of LUTs in front of the chain: Yosys
// mapped it to about 320 LUT4s more).
wire [ADDR_WIDTH:0]   d_len_wide = {{(ADDR_WIDTH-31){1'b0}}, d_len};
wire [ADDR_WIDTH:0]   d_src_sum = {1'b0, d_src[ADDR_WIDTH-1:0]} + d_len_wide;
wire [ADDR_WIDTH:0]   d_dst_sum = {1'b0, d_dst[ADDR_WIDTH-1:0]} + d_len_wide;
wire        src_high  = (d_src & ~ADDR_MASK) != 64'd0;
wire        dst_high  = (d_dst & ~ADDR_MASK) != 64'd0;
// Registered apart (dv_*): the range ends from their chains, the rest from
// LUTs only.
wire        d_high    = src_high || dst_high;
wire        d_over    = (d_src_sum[ADDR_WIDTH] && d_src_sum[ADDR_WIDTH-1:0] != {ADDR_WIDTH{1'b0}})
                     || (d_dst_sum[ADDR_WIDTH] && d_dst_sum[ADDR_WIDTH-1:0] != {ADDR_WIDTH{1'b0}});
wire        len_zero  = d_len == 32'd0;
// Unused upper halves of 64-bit fields when ADDR_WIDTH < 64 are covered by the range check.
wire unused_ctrl = &{1'b0, d_ctrl, d_src[63:ADDR_WIDTH > 63 ? 63 : ADDR_WIDTH],
                    d_dst[63:ADDR_WIDTH > 63 ? 63 : ADDR_WIDTH]};

// RESP[0] tells EXOKAY from OKAY and SLVERR from DECERR: both errors are handled alike.
wire unused_resp = &{1'b0, r_resp[0]};

wire desc_end = r_valid && beat_reg == DESC_BEATS[BEAT_W-1:0] - 1'b1;
wire beat_bad = beat_bad_reg || r_resp[1];
// The descriptor arriving points to the one right after it.
// Compared in four parts of 17 bits, each registered (dv_follows_reg), so
// the compare is a tree of LUTs per part and one AND after the register.
wire [67:0] nf_desc = {4'd0, d_next};
wire [67:0] nf_step = {{(67-ADDR_WIDTH){1'b0}}, cur_step};
wire [3:0]  next_follows;
genvar nf;
generate
    for (nf = 0; nf < 4; nf = nf + 1) begin : g_follows
        assign next_follows[nf] = nf_desc[nf*17 +: 17] == nf_step[nf*17 +: 17];
    end
endgenerate

// Two stages: as a descriptor's last beat arrives, its checks are made and
// registered (dv_*); in the next cycle, while buf_reg still holds it whole,
// it is kept or dropped and the entry, the chain's state and where the chain
// goes on are worked out from those registers.
reg                  dv_bad_reg;
// The descriptor ends its burst, is the first of it, its channel and address
reg                  dv_end_reg;
reg                  dv_first_reg;
reg [CHAN_W-1:0]     dv_chan_reg;
reg [ADDR_WIDTH-1:0] dv_addr_reg;
reg [3:0]            dv_follows_reg;
// Its checks: zero length, an address beyond the space, a range beyond it;
// LAST, failed read, zero length or address beyond (the chain stops after it
// with dv_over_reg)
reg                  dv_len_zero_reg;
reg                  dv_high_reg;
reg                  dv_over_reg;
reg                  dv_stop_a_reg;
// The burst's chain so far: it runs on through the next descriptor (the
// last one kept is not LAST and points to it), and the last one kept
reg                  follow_ok_reg;
reg [63:0]           prev_next_reg;
reg                  prev_last_reg;

wire [63:0] b_next = buf_reg[DMAC_DESC_NEXT_OFFSET*8 +: 64];
wire [63:0] b_src  = buf_reg[DMAC_DESC_SRC_OFFSET*8 +: 64];
wire [63:0] b_dst  = buf_reg[DMAC_DESC_DST_OFFSET*8 +: 64];
wire [31:0] b_len  = buf_reg[DMAC_DESC_LEN_OFFSET*8 +: 32];
wire [31:0] b_ctrl = buf_reg[DMAC_DESC_CTRL_OFFSET*8 +: 32];
wire        b_last = b_ctrl[DMAC_DESC_CTRL_LAST_LSB];
wire        b_irq  = b_ctrl[DMAC_DESC_CTRL_IRQ_LSB];
wire unused_b = &{1'b0, b_ctrl[31:2], b_src[63:ADDR_WIDTH > 63 ? 63 : ADDR_WIDTH],
                 b_dst[63:ADDR_WIDTH > 63 ? 63 : ADDR_WIDTH]};
// The chain stops after a LAST, failed or malformed descriptor.
wire        b_stop = dv_stop_a_reg || dv_over_reg;
wire [3:0]  b_err  = dv_len_zero_reg ? DMAC_ERR_BAD_LEN :
                     (dv_high_reg || dv_over_reg) ? DMAC_ERR_ADDR_RANGE :
                     DMAC_ERR_NONE;

// A descriptor is kept: the first of the burst always (as an error entry if
// its read failed), the others only while the chain runs through them.
wire        keep     = dv_reg && (dv_first_reg || (follow_ok_reg && !dv_bad_reg));
wire [63:0] chain_to = keep ? b_next : prev_next_reg;
wire        chain_stop = keep ? b_stop : prev_last_reg;
// The burst's end moves its channel's chain on
wire        moved = dv_reg && dv_end_reg;
wire [NUM_CHANNELS-1:0] dv_sel = {{(NUM_CHANNELS-1){1'b0}}, 1'b1} << dv_chan_reg;
wire [NUM_CHANNELS-1:0] moved_sel = dv_sel & {NUM_CHANNELS{moved}};

always @(posedge clk) begin
    push <= {NUM_CHANNELS{1'b0}};

    if (ar_ready) begin
        ar_valid <= 1'b0;
    end
    ar_prio <= want_prio > prio[ar_chan*2 +: 2] ? want_prio : prio[ar_chan*2 +: 2];
    // While AR is free its registers follow the granted channel's fetch,
    // and while no descriptor is pushed the entry follows the granted
    // channel's error entry, so an issue or a refusal only sets a valid
    // (the choice does not reach a hundred enables).
    issued_reg <= issue;
    if (!ar_valid) begin
        ar_addr  <= g_ptr[ADDR_WIDTH-1:0];
        ar_len   <= batch_len;
        ar_chan  <= grant_idx;
    end
    if (issue) begin
        ar_valid <= 1'b1;
    end
    if (!dv_reg) begin
        push_err     <= g_misaligned ? DMAC_ERR_DESC_ALIGN : DMAC_ERR_ADDR_RANGE;
        push_fetched <= 1'b0;
        push_addr    <= g_ptr[ADDR_WIDTH-1:0];
        push_last    <= 1'b1;
        push_irq     <= 1'b0;
    end
    if (refuse) begin
        push <= grant;
    end

    // First stage: the beat (a burst's beats complete whole descriptors, so
    // its last beat ends one).
    dv_reg          <= desc_end;
    dv_bad_reg      <= beat_bad;
    dv_end_reg      <= desc_end && r_last;
    dv_first_reg    <= cur_first;
    dv_chan_reg     <= cur_chan;
    dv_addr_reg     <= cur_addr;
    dv_follows_reg  <= next_follows;
    dv_len_zero_reg <= len_zero;
    dv_high_reg     <= d_high;
    dv_over_reg     <= d_over;
    dv_stop_a_reg   <= d_ctrl[DMAC_DESC_CTRL_LAST_LSB] || beat_bad || len_zero || d_high;
    if (r_valid) begin
        buf_reg      <= desc_full;
        beat_reg     <= desc_end ? {BEAT_W{1'b0}} : beat_reg + 1'b1;
        beat_bad_reg <= desc_end ? 1'b0 : beat_bad;
        rx_idle_reg  <= r_last;
        s0_chan_reg  <= cur_chan;
        s0_addr_reg  <= desc_end ? cur_step[ADDR_WIDTH-1:0] : cur_addr;
        s0_step_reg  <= desc_end ? cur_step + ADDR_STEP : cur_step;
        s0_first_reg <= !desc_end && cur_first;
    end

    // Second stage: the descriptor in buf_reg.  The entry is loaded with
    // every descriptor and pushed if kept.
    bad_pend_reg <= 1'b0;
    if (dv_reg) begin
        follow_ok_reg <= keep && !b_stop && &dv_follows_reg;
        push          <= keep ? dv_sel : {NUM_CHANNELS{1'b0}};
        push_fetched  <= !dv_bad_reg;
        push_addr     <= dv_addr_reg;
        push_src      <= b_src[ADDR_WIDTH-1:0];
        push_dst      <= b_dst[ADDR_WIDTH-1:0];
        push_len      <= b_len;
        push_irq      <= b_irq;
        push_last     <= b_last || dv_bad_reg;
        push_err      <= dv_bad_reg ? DMAC_ERR_DESC_READ : b_err;
        bad_pend_reg  <= keep && dv_bad_reg;
        if (keep) begin
            prev_next_reg <= b_next;
            // The chain stops after a LAST, failed or malformed descriptor.
            prev_last_reg <= b_stop;
        end
    end

    // The new pointer's checks are made from these a cycle later.
    nsel_reg    <= moved_sel;
    nptr_reg    <= chain_to;
    // Go on reading several at a time only while the chain is contiguous.
    ncontig_reg <= keep && &dv_follows_reg;

    refused_reg <= grant & {NUM_CHANNELS{refuse}};

    if (rst) begin
        ar_valid     <= 1'b0;
        issued_reg   <= 1'b0;
        ar_chan      <= {CHAN_W{1'b0}};
        ar_prio      <= 2'd0;
        push         <= {NUM_CHANNELS{1'b0}};
        bad_pend_reg <= 1'b0;
        refused_reg  <= {NUM_CHANNELS{1'b0}};
        dv_reg       <= 1'b0;
        nsel_reg     <= {NUM_CHANNELS{1'b0}};
        rx_idle_reg  <= 1'b1;
        beat_reg     <= {BEAT_W{1'b0}};
        beat_bad_reg <= 1'b0;
    end
end

/*
 * Each channel's state
 */
generate
    for (g = 0; g < NUM_CHANNELS; g = g + 1) begin : g_chan
        always @(posedge clk) begin
            if (bad_pend_reg && push[g]) begin
                bad_ptr[g*64 +: 64] <= {{(64-ADDR_WIDTH){1'b0}}, push_addr};
            end
            if (refused_reg[g]) begin
                bad_ptr[g*64 +: 64] <= ptr_reg[g*64 +: 64];
            end
            if (issue && grant[g]) begin
                busy_reg[g] <= 1'b1;
            end
            if (refuse && grant[g]) begin
                more_reg[g] <= 1'b0;
            end
            if (moved_sel[g]) begin
                busy_reg[g]   <= 1'b0;
                ptr_reg[g*64 +: 64] <= chain_to;
                if (chain_stop) begin
                    more_reg[g] <= 1'b0;
                end
            end
            if (nsel_reg[g]) begin
                batch_reg[g*5 +: 5] <= n_batch;
                misaligned_reg[g] <= n_misaligned;
                bad_reg[g]        <= n_bad;
            end
            // The first fetch reads one descriptor: nothing is known of
            // the chain yet, and a lone descriptor should not wait for a
            // longer burst.
            if (start[g]) begin
                ptr_reg[g*64 +: 64] <= s_ptr;
                more_reg[g]       <= 1'b1;
                batch_reg[g*5 +: 5] <= 5'd1;
                misaligned_reg[g] <= s_misaligned;
                bad_reg[g]        <= s_bad;
            end
            if (rst) begin
                more_reg[g]   <= 1'b0;
                busy_reg[g]   <= 1'b0;
            end
        end
    end
endgenerate

endmodule

`resetall
