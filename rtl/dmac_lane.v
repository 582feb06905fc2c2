// SPDX-License-Identifier: Apache-2.0
// One channel's data path: descriptor queue (filled by the shared dmac_desc_fetch), job dispatch, read mover, data FIFO, realigner, write mover, status write-back.
//
// A chain runs as a pipeline of jobs (one job per descriptor), each numbered
// with a sequence number: the fetcher (shared by all channels, outside the
// lane) reads descriptors ahead into the lane's queue;
// dispatch hands the next one to the read mover as soon as the previous
// one's reads are all issued, and queues it for the write side and for
// completion; the write side announces a job's bursts once its data is in
// the FIFO; completion writes each job's status back once its last write
// is answered and the previous status write was answered, and reports it
// to the channel registers once that status write is answered.  So a
// descriptor's status write and the next one's data overlap, and so do the
// next descriptors' fetch and the data; status writes do not overlap each
// other (once one fails, no later descriptor is written back).
//
// Errors and abort: the first failing job (lowest sequence number, not the
// first in time) is recorded.  Reads and dispatch stop at once; the write
// side still completes the jobs before the failing one, whose data is all
// in the FIFO, and announces nothing of the failing job or after it; when
// nothing is in flight any more, the failing job's status is written back
// (if it was fetched), the channel is told, and everything is cleared.
//
// Device transfers (CFG.FLOW MEM2DEV or DEV2MEM): a descriptor is taken as
// the current one, and each request of the device's line becomes a job of
// its own (one burst on the device side: MAXBURST elements or one), so the
// same pipeline serves it.  The request is acknowledged when that burst has
// completed on the bus; the descriptor's status is written back after its
// last job (all its bytes, or the one the device marked last).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_lane #(
    // Width of the data bus in bits (32..256)
    parameter DATA_WIDTH = 64,
    // Width of the bus address (32..64)
    parameter ADDR_WIDTH = 32,
    // Longest data burst in beats (1..256)
    parameter MAX_BURST_LEN = 16,
    // Data bursts in flight per direction at most (power of two)
    parameter MAX_OUTSTANDING = 8,
    // Data FIFO entries (power of two, at least 2 * MAX_BURST_LEN)
    parameter FIFO_DEPTH = 128,
    // Descriptors read in one burst at most
    parameter DESC_PREFETCH = 4,
    // Descriptors one status write-back burst covers at most (1..16)
    parameter STATUS_BATCH = 16,
    // Write bursts up to this many beats are store and forward, longer ones cut through
    parameter STORE_FORWARD_MAX = 16
) (
    input  wire                         clk,
    input  wire                         rst,

    /*
     * Channel control
     */
    // Run the chain at start_ptr (only while halted)
    input  wire                         start,
    input  wire [63:0]                  start_ptr,
    // Stop the chain (pulse)
    input  wire                         abort_cmd,
    // Issue no new burst (level)
    input  wire                         pause,
    // CFG: flow, device address increment, element width (log2 bytes), burst elements
    input  wire [1:0]                   cfg_flow,
    input  wire                         cfg_dev_incr,
    input  wire [1:0]                   cfg_width,
    input  wire [4:0]                   cfg_maxburst,
    // The device's request line, and its acknowledge and end of transfer
    input  wire                         req_burst,
    input  wire                         req_single,
    input  wire                         req_last,
    output reg                          dev_ack,
    output reg                          dev_tc,

    // A descriptor completed: its status write was answered
    output reg                          cpl_valid,
    output reg                          cpl_irq,
    // The chain stopped and the lane is quiet and cleared: code (NONE at the
    // end of the chain), failing address, descriptor it stopped at, its residue
    output reg                          halt_valid,
    output reg  [3:0]                   halt_err,
    output reg  [63:0]                  halt_err_addr,
    output reg  [63:0]                  halt_desc,
    output reg  [31:0]                  halt_residue,
    // The oldest unfinished descriptor, and the bytes it still has to move
    output wire [63:0]                  cur_desc,
    output wire [31:0]                  residue,
    // Pause holds the channel and none of its bursts is in flight
    output wire                         paused,

    /*
     * The shared descriptor fetcher (dmac_desc_fetch): this channel's start,
     * whether it may fetch, the room in its descriptor queue; its entries
     * (f_push with the fetcher's entry bus), its last refused pointer and
     * whether a fetch of it is in flight
     */
    output wire                         f_start,
    output wire                         f_halt,
    output wire                         f_hold,
    output wire [5:0]                   f_room,
    input  wire                         f_push,
    input  wire [3:0]                   f_err,
    input  wire                         f_fetched,
    input  wire [ADDR_WIDTH-1:0]        f_addr,
    input  wire [ADDR_WIDTH-1:0]        f_src,
    input  wire [ADDR_WIDTH-1:0]        f_dst,
    input  wire [31:0]                  f_len,
    input  wire                         f_irq,
    input  wire                         f_last,
    input  wire [63:0]                  bad_ptr,
    input  wire                         f_quiet,

    /*
     * Bus requests of this channel (AR: data; AW: kind 1 status, 0 data)
     */
    output wire                         ar_valid,
    input  wire                         ar_ready,
    output wire [ADDR_WIDTH-1:0]        ar_addr,
    output wire [7:0]                   ar_len,
    output wire [2:0]                   ar_size,
    output wire [1:0]                   ar_burst,
    input  wire                         r_valid,
    input  wire [DATA_WIDTH-1:0]        r_data,
    input  wire [1:0]                   r_resp,
    input  wire                         r_last,

    output wire                         aw_valid,
    input  wire                         aw_ready,
    output wire [ADDR_WIDTH-1:0]        aw_addr,
    output wire [7:0]                   aw_len,
    output wire [2:0]                   aw_size,
    output wire [1:0]                   aw_burst,
    output wire                         aw_kind,
    // Data write beats
    output wire                         wd_valid,
    input  wire                         wd_ready,
    output wire [DATA_WIDTH-1:0]        wd_data,
    output wire [DATA_WIDTH/8-1:0]      wd_strb,
    output wire                         wd_last,
    // Status write beats
    output wire                         ws_valid,
    input  wire                         ws_ready,
    output wire [DATA_WIDTH-1:0]        ws_data,
    output wire [DATA_WIDTH/8-1:0]      ws_strb,
    output wire                         ws_last,
    input  wire                         b_valid,
    input  wire                         b_kind,
    input  wire [1:0]                   b_resp
);

`include "dmac_regs.vh"

localparam DATA_BYTES = DATA_WIDTH / 8;
localparam SIZE = $clog2(DATA_BYTES);
// Beat counts (a job's bus words, and its elements on a device side): a
// job moves LEN bytes (LEN < 2^32) starting at byte offset OFF < DATA_BYTES
// of its first bus word, so it covers ceil((LEN + OFF) / DATA_BYTES) words,
// one more than LEN alone needs when the range is misaligned at both ends.
// That is at most (2^32 - 1 + 2 * (DATA_BYTES - 1)) / DATA_BYTES, below
// 2^(32-SIZE) + 2, so at most 2^(32-SIZE) + 1 < 2^(33-SIZE) (for any
// DATA_BYTES >= 1); a device job's elements are at most 128 (one request).
// So 33 - SIZE bits hold every count: 30 for DATA_WIDTH 64, 31 for 32, 29
// for 128, 28 for 256.
localparam COUNT_WIDTH = 33 - SIZE;
// Jobs between dispatch and status write-back at most, and their numbering
localparam JOB_DEPTH = 8;
// (twice the numbers needed, so that two job numbers compare without the
// oldest job's: see seq_before)
localparam SEQ_W = 5;
localparam DQ_DEPTH = 1 << $clog2(2 * DESC_PREFETCH);
localparam DQ_W = $clog2(DQ_DEPTH) + 1;
localparam DESC_BITS = DMAC_DESC_SIZE * 8;
// The status write-back covers LEN and CTRL, the last 8 bytes of the descriptor.
localparam WB_FIRST = DMAC_DESC_LEN_OFFSET - (DMAC_DESC_LEN_OFFSET % DATA_BYTES);
localparam WB_BEATS = (DMAC_DESC_SIZE - WB_FIRST) / DATA_BYTES;
// A status write covers a batch of contiguous descriptors (NEXT = address + 32,
// all within one 4 KiB page): one INCR burst from the first one's status beats
// to the last one's, each descriptor's status beats BPD beats after the one
// before and the beats between them with no strobe (memory keeps its bytes).
// The burst is at most MAX_BURST_LEN beats and 16, so a batch holds at most
// BATCH_MAX descriptors; with STATUS_BATCH 1, or MAX_BURST_LEN below BPD +
// WB_BEATS, every descriptor has a status write of its own.
localparam BPD = DMAC_DESC_SIZE / DATA_BYTES;
localparam SB_BEATS = MAX_BURST_LEN < 16 ? MAX_BURST_LEN : 16;
localparam BATCH_FIT = SB_BEATS > WB_BEATS ? (SB_BEATS - WB_BEATS) / BPD + 1 : 1;
localparam BATCH_MAX = STATUS_BATCH < BATCH_FIT ? STATUS_BATCH : BATCH_FIT;
localparam BATCH_W = $clog2(BATCH_MAX + 1);
localparam SUB_W = BPD > 1 ? $clog2(BPD) : 1;
localparam [SUB_W-1:0] SUB_LAST = BPD[SUB_W-1:0] - 1'b1;
localparam [7:0] WB_LAST_BEAT = WB_BEATS[7:0] - 8'd1;
localparam [7:0] BPD8 = BPD[7:0];
// (unsized constants: the addition gives them a width)
localparam [63:0] WB_OFFSET64 = {32'd0, WB_FIRST[31:0] + 32'd0};
localparam [ADDR_WIDTH-1:0] WB_OFFSET = WB_OFFSET64[ADDR_WIDTH-1:0];

/*
 * Chain state
 */
reg                   running_reg;
reg                   halting_reg;
reg                   done_issue_reg;
reg                   stop_all_reg;
reg                   abort_reg;
// A failure was seen (stops reads, dispatch and fetch), and the first
// failing job as far as resolved (see "First failing job")
reg                   failed_reg;
reg                   err_valid_reg;
reg  [3:0]            err_code_reg;
reg  [63:0]           err_addr_reg;
reg  [SEQ_W-1:0]      err_seq_reg;
reg  [SEQ_W-1:0]      disp_seq_reg;
reg  [63:0]           last_addr_reg;
reg  [63:0]           fail_desc_reg;
reg  [31:0]           fail_residue_reg;

// Pause, registered here (the channel's register is far from the movers
// it holds): it takes effect a cycle after the channel's, and PAUSED
// reports the registered one.  START is registered alike, so a channel
// started paused is paused from its first cycle.
reg pause_reg;
reg start_reg;
always @(posedge clk) begin
    pause_reg <= pause && !rst;
    start_reg <= start && !rst;
end

// Stopped and quiet: forget everything (a registered pulse, see below)
reg clear_reg;
wire clear = clear_reg;

/*
 * Descriptor queue, and this channel's side of the shared fetcher
 */
wire [DQ_W-1:0]       dq_count;
wire [DQ_W-1:0]       dq_room = DQ_DEPTH[DQ_W-1:0] - dq_count;

assign f_start = start_reg;
assign f_halt  = !running_reg || halting_reg || failed_reg || stop_all_reg;
assign f_hold  = pause_reg;
wire [DQ_W+5:0]       f_room_wide = {6'd0, dq_room};
assign f_room  = f_room_wide[5:0];
wire unused_room = &{1'b0, f_room_wide[DQ_W+5:6]};

/*
 * Descriptor checks, made as each descriptor enters the queue (CFG does not
 * change while the channel runs), so the queue's head carries its verdict.
 */
localparam [1:0] FLOW_MEM2DEV = DMAC_FLOW_MEM2DEV;
localparam [1:0] FLOW_DEV2MEM = DMAC_FLOW_DEV2MEM;
localparam [1:0] FLOW_BAD     = 2'd3;
wire dev_flow = cfg_flow == FLOW_MEM2DEV || cfg_flow == FLOW_DEV2MEM;

// Checks a device transfer adds: a possible configuration, an element-aligned
// device address, a length in whole elements.
wire [2:0]            f_dev      = cfg_flow == FLOW_MEM2DEV ? f_dst[2:0] : f_src[2:0];
// Low address bits that must be zero for an element: width - 1
wire [2:0]            elem_mask  = ~(3'b111 << cfg_width);
// Elements wider than the bus (only possible with a 32-bit bus and 8-byte elements)
wire                  too_wide   = SIZE < 3 && cfg_width == 2'd3;
wire                  cfg_bad    = cfg_flow == FLOW_BAD || too_wide
                                || (dev_flow && (f_dev & elem_mask) != 3'd0);
wire                  len_bad    = dev_flow && (f_len[2:0] & elem_mask) != 3'd0;
wire [3:0]            f_code     = f_err != DMAC_ERR_NONE ? f_err :
                                   cfg_bad ? DMAC_ERR_BAD_CONFIG :
                                   len_bad ? DMAC_ERR_BAD_LEN : DMAC_ERR_NONE;

// A descriptor's address is read only when it was fetched (an error entry's
// pointer is bad_ptr), and the fetcher fetches only 32-byte aligned ones:
// the queues leave out its five low bits, always zero.
localparam DESC_ALIGN = 5;
localparam DQ_ENTRY_W = 1 + 4 + 1 + 3 * ADDR_WIDTH - DESC_ALIGN + 32 + 2;
wire                  dq_valid;
wire [ADDR_WIDTH-1:DESC_ALIGN] d_addr_hi;
wire                  d_bad;
wire [3:0]            t_err;
wire                  d_fetched;
wire [ADDR_WIDTH-1:0] d_addr;
wire [ADDR_WIDTH-1:0] d_src;
wire [ADDR_WIDTH-1:0] d_dst;
wire [31:0]           d_len;
wire                  d_irq;
wire                  d_last;
wire                  dq_pop;

dmac_fifo #(
    .WIDTH(DQ_ENTRY_W),
    .DEPTH(DQ_DEPTH),
    .HEAD_W(1)
) desc_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({f_code != DMAC_ERR_NONE, f_code, f_fetched, f_addr[ADDR_WIDTH-1:DESC_ALIGN], f_src, f_dst, f_len,
              f_irq, f_last}),
    .wr_en(f_push),
    .full(),
    .rd_data({d_bad, t_err, d_fetched, d_addr_hi, d_src, d_dst, d_len, d_irq, d_last}),
    .rd_valid(dq_valid),
    .rd_en(dq_pop),
    .count(dq_count)
);
assign d_addr = {d_addr_hi, {DESC_ALIGN{1'b0}}};
wire unused_f_addr = &{1'b0, f_addr[DESC_ALIGN-1:0]};

/*
 * Dispatch: descriptors into jobs
 */
wire [ADDR_WIDTH-1:0] d_dev = cfg_flow == FLOW_MEM2DEV ? d_dst : d_src;

wire rd_ready;
wire cq_full;
wire can_take = running_reg && !halting_reg && !failed_reg && !bad_ev_reg && !stop_all_reg
             && !cq_full && rd_ready && !x_push_reg;

// The current device descriptor, served request by request
reg                   cur_valid_reg;
reg  [ADDR_WIDTH-1:0] cur_addr_reg;
reg  [ADDR_WIDTH-1:0] cur_mem_reg;
reg  [ADDR_WIDTH-1:0] cur_dev_reg;
reg  [31:0]           cur_left_reg;
reg  [31:0]           cur_len_reg;
reg                   cur_irq_reg;
reg                   cur_last_reg;
// A request taken and not yet acknowledged, and whether it ends the descriptor
reg                   svc_busy_reg;
// A request was taken the cycle before
reg                   dev_job_reg;
reg                   svc_end_reg;

// A descriptor is taken once every read of the jobs before it is issued, a
// failing one too: reads stop at the first failure, which must not cut those
// jobs short.  A device descriptor waits until the current one is done.
wire dq_take  = dq_valid && can_take && !cur_valid_reg;
wire take_bad = dq_take && d_bad;
wire take_mem = dq_take && !d_bad && !dev_flow;
wire take_dev = dq_take && !d_bad && dev_flow;
assign dq_pop = dq_take;

// A request is looked at when none of the line is being served, and not in
// the cycle of an acknowledge nor the next: the device updates its lines at
// the edge after the acknowledge, and the lines reach the lane through a
// register (in the top).
reg         dev_ack_d_reg;
wire        req_seen = (req_burst || req_single) && !svc_busy_reg && !dev_ack && !dev_ack_d_reg;
// What a request takes of the current descriptor, for a burst request and
// for a single one, is worked out from the registers over three registered
// steps (the 4 KiB distance, the cap, the take), so a request waits until
// they are worked out (cur_wait_reg, counting down from CUR_WAIT the cycle
// after the current descriptor was taken, take_dev_reg, or after a request
// moved it on, dev_job_reg; in between, take_dev_reg itself holds requests
// back, and after a request svc_busy_reg does).  Requests are served one at
// a time and the next one is looked at only after the previous one's burst
// completed on the bus, so the wait costs only the first request of a
// descriptor a few cycles.
localparam [2:0] CUR_WAIT = 3'd3;
reg  [2:0]  cur_wait_reg;
reg         take_dev_reg;
wire        dev_job  = cur_valid_reg && req_seen && !pause_reg && can_take && cur_wait_reg == 3'd0
                    && !take_dev_reg;
wire [4:0]  max_elems = cfg_maxburst == 5'd0 ? 5'd1
                      : (cfg_maxburst > 5'd16 ? 5'd16 : cfg_maxburst);
wire [8:0]  burst_cap = MAX_BURST_LEN > 16 ? 9'd16 : MAX_BURST_LEN[8:0];
wire [4:0]  burst_elems = {4'd0, max_elems} > burst_cap ? burst_cap[4:0] : max_elems;
// Per kind of request (0: single, 1: burst): bytes of its elements (at most
// 16 elements of at most 8 bytes: 128 bytes; CFG does not change while the
// channel runs), its cap at the 4 KiB boundary of an INCR device side, the
// bytes it takes and whether that is what is left of the descriptor.
reg  [15:0] kind_bytes_reg;
reg  [12:0] to_4k_reg;
reg         left_small_reg;
reg  [15:0] kind_cap_reg;
reg  [15:0] take_bytes_reg;
reg  [1:0]  take_all_reg;
reg  [15:0] kind_bytes;
reg  [15:0] kind_cap;
reg  [15:0] take_bytes;
reg  [1:0]  take_all;
integer     k;
always @* begin
    for (k = 0; k < 2; k = k + 1) begin
        kind_bytes[k*8 +: 8] = {3'd0, k == 1 ? burst_elems : 5'd1} << cfg_width;
        kind_cap[k*8 +: 8] = (cfg_dev_incr && to_4k_reg[12:8] == 5'd0
                              && to_4k_reg[7:0] < kind_bytes_reg[k*8 +: 8])
                           ? to_4k_reg[7:0] : kind_bytes_reg[k*8 +: 8];
        take_all[k] = left_small_reg && cur_left_reg[7:0] <= kind_cap_reg[k*8 +: 8];
        take_bytes[k*8 +: 8] = take_all[k] ? cur_left_reg[7:0] : kind_cap_reg[k*8 +: 8];
    end
end
always @(posedge clk) begin
    to_4k_reg      <= 13'h1000 - {1'b0, cur_dev_reg[11:0]};
    left_small_reg <= cur_left_reg[31:8] == 24'd0;
    kind_bytes_reg <= kind_bytes;
    kind_cap_reg   <= kind_cap;
    take_all_reg   <= take_all;
    take_bytes_reg <= take_bytes;
    take_dev_reg <= take_dev;
    if (take_dev_reg || dev_job_reg) begin
        cur_wait_reg <= CUR_WAIT;
    end else if (cur_wait_reg != 3'd0) begin
        cur_wait_reg <= cur_wait_reg - 3'd1;
    end
    if (rst) begin
        cur_wait_reg <= 3'd0;
        take_dev_reg <= 1'b0;
    end
end
wire [31:0] job_bytes = {24'd0, req_burst ? take_bytes_reg[15:8] : take_bytes_reg[7:0]};
wire        job_end   = take_all_reg[req_burst] || req_last;

// The job: a whole memory-to-memory descriptor, or one request's worth.
// Dispatch is two stages: the choice above is registered here (x_*), and
// the job's beat counts are worked out from those registers as it is
// queued and handed to the read mover in the next cycle.
wire job_good = take_mem || dev_job;
wire cq_push  = take_bad || job_good;

reg                   x_push_reg;
reg                   x_job_reg;
reg [ADDR_WIDTH-1:0]  x_src_reg;
reg [ADDR_WIDTH-1:0]  x_dst_reg;
reg [31:0]            x_len_reg;
// A request's bytes (job_bytes, x_len_reg with a device descriptor current)
// are at most 128: what is worked out for requests reads only 8 bits.
wire [7:0]            x_req_len = x_len_reg[7:0];
wire [ADDR_WIDTH-1:0] x_step = {{(ADDR_WIDTH-8){1'b0}}, x_req_len};
reg                   x_src_dev_reg;
reg                   x_dst_dev_reg;
reg [1:0]             x_width_reg;
reg                   x_fixed_reg;
// The completion entry: {bad, fetched, descriptor}, {irq, last, end}, descriptor length
reg [ADDR_WIDTH+1:0]  x_head_reg;
reg [2:0]             x_flags_reg;
reg [31:0]            x_dlen_reg;

always @(posedge clk) begin
    x_push_reg <= cq_push;
    x_job_reg  <= job_good;
    // Loaded every cycle, used only after a push (no enable with a wide
    // fan-out): with a device descriptor current, a push can only be one
    // of its requests, otherwise only a descriptor from the queue.
    x_src_reg     <= cur_valid_reg ? (cfg_flow == FLOW_DEV2MEM ? cur_dev_reg : cur_mem_reg) : d_src;
    x_dst_reg     <= cur_valid_reg ? (cfg_flow == FLOW_MEM2DEV ? cur_dev_reg : cur_mem_reg) : d_dst;
    x_len_reg     <= cur_valid_reg ? job_bytes : d_len;
    x_src_dev_reg <= cur_valid_reg && cfg_flow == FLOW_DEV2MEM;
    x_dst_dev_reg <= cur_valid_reg && cfg_flow == FLOW_MEM2DEV;
    x_width_reg   <= cfg_width;
    x_fixed_reg   <= !cfg_dev_incr;
    x_head_reg    <= cur_valid_reg ? {1'b0, 1'b1, cur_addr_reg} : {d_bad, d_fetched, d_addr};
    x_flags_reg   <= cur_valid_reg ? {cur_irq_reg, cur_last_reg, job_end} : {d_irq, d_last, 1'b1};
    x_dlen_reg    <= cur_valid_reg ? cur_len_reg : d_len;
    if (rst || clear) begin
        x_push_reg <= 1'b0;
        x_job_reg  <= 1'b0;
    end
end

// Any byte alignment: the read side fetches the bus words covering the
// source range, the write side writes those covering the destination
// range, and the realigner shifts bytes between the two.  A device side is
// seen as words packed from offset 0.
// The sums are 33 bits (below 2^32 + 2 * DATA_BYTES); their words, the
// bits above SIZE, are COUNT_WIDTH wide.
localparam [32:0] ROUND_UP = {{(33-SIZE){1'b0}}, {SIZE{1'b1}}};
wire [SIZE-1:0]        src_off   = x_src_dev_reg ? {SIZE{1'b0}} : x_src_reg[SIZE-1:0];
wire [SIZE-1:0]        dst_off   = x_dst_dev_reg ? {SIZE{1'b0}} : x_dst_reg[SIZE-1:0];
wire [32:0]            rd_sum    = {1'b0, x_len_reg} + {{(33-SIZE){1'b0}}, src_off} + ROUND_UP;
wire [32:0]            wr_sum    = {1'b0, x_len_reg} + {{(33-SIZE){1'b0}}, dst_off} + ROUND_UP;
wire [COUNT_WIDTH-1:0] rd_beats  = rd_sum[32:SIZE];
wire [COUNT_WIDTH-1:0] wr_beats  = wr_sum[32:SIZE];
// A device side's elements (a request's, so at most 16)
wire [7:0]             req_elems = x_req_len >> x_width_reg;
wire [COUNT_WIDTH-1:0] elems     = {{(COUNT_WIDTH-8){1'b0}}, req_elems};
wire unused_sums = &{1'b0, rd_sum[SIZE-1:0], wr_sum[SIZE-1:0]};
wire [SIZE-1:0]        last_lane = dst_off + x_len_reg[SIZE-1:0] - 1'b1;
wire [ADDR_WIDTH-1:0]  src_word  = x_src_dev_reg ? x_src_reg : {x_src_reg[ADDR_WIDTH-1:SIZE], {SIZE{1'b0}}};
wire [ADDR_WIDTH-1:0]  dst_word  = x_dst_dev_reg ? x_dst_reg : {x_dst_reg[ADDR_WIDTH-1:SIZE], {SIZE{1'b0}}};

/*
 * Read mover -> data FIFO
 */
wire                  rd_quiet;
wire                  rd_err;
wire [ADDR_WIDTH-1:0] rd_err_addr;
wire [SEQ_W-1:0]      rd_err_seq;
wire [ADDR_WIDTH-1:0] rd_ar_addr;
wire [7:0]            rd_ar_len;
wire [2:0]            rd_ar_size;
wire [1:0]            rd_ar_burst;
wire                  rd_dev_done;
wire                  rd_ar_valid;
wire                  rd_ar_ready;
wire [DATA_WIDTH-1:0] rd_beat_data;
wire                  rd_beat_poison;
wire                  rd_beat_valid;
wire                  in_pop;
wire                  rd_issued;
wire [$clog2(FIFO_DEPTH):0] rd_issued_m1;

dmac_rd_mover #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .FIFO_DEPTH(FIFO_DEPTH),
    .COUNT_WIDTH(COUNT_WIDTH),
    .SEQ_W(SEQ_W)
) rd_mover_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .start(x_job_reg),
    .start_addr(src_word),
    .start_beats(x_src_dev_reg ? elems : rd_beats),
    .start_seq(disp_seq_reg),
    .start_dev(x_src_dev_reg),
    .start_size({1'b0, x_width_reg}),
    .start_fixed(x_fixed_reg),
    .ready(rd_ready),
    .stop(failed_reg || stop_all_reg || halting_reg),
    .hold(pause_reg),
    .quiet(rd_quiet),
    .err(rd_err),
    .err_addr(rd_err_addr),
    .err_seq(rd_err_seq),
    .dev_done(rd_dev_done),
    .issued(rd_issued),
    .issued_m1(rd_issued_m1),
    .m_axi_araddr(rd_ar_addr),
    .m_axi_arlen(rd_ar_len),
    .m_axi_arsize(rd_ar_size),
    .m_axi_arburst(rd_ar_burst),
    .m_axi_arvalid(rd_ar_valid),
    .m_axi_arready(rd_ar_ready),
    .r_data(r_data),
    .r_resp(r_resp),
    .r_last(r_last),
    .r_valid(r_valid),
    .beat_data(rd_beat_data),
    .beat_poison(rd_beat_poison),
    .beat_valid(rd_beat_valid),
    .fifo_rd_en(in_pop)
);

wire [DATA_WIDTH-1:0] ram_data;
wire                  ram_poison;
wire                  ram_valid;
wire                  ram_pop;
wire [DATA_WIDTH-1:0] fifo_data;
wire                  fifo_poison;
wire                  fifo_valid;

dmac_fifo #(
    .WIDTH(DATA_WIDTH + 1),
    .DEPTH(FIFO_DEPTH)
) data_fifo_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({rd_beat_poison, rd_beat_data}),
    .wr_en(rd_beat_valid),
    .full(),
    .rd_data({ram_poison, ram_data}),
    .rd_valid(ram_valid),
    .rd_en(ram_pop),
    .count()
);

// The data FIFO's head reaches the realigner through a register slice with
// a skid entry, so the FIFO pops on registered state only: the block RAM's
// read address does not wait for the realigner's decision.  The slice adds
// two entries to the FIFO (the read mover's credits count FIFO_DEPTH) and a
// cycle of latency.
wire ram_ready;
assign ram_pop = ram_valid && ram_ready;

dmac_skid #(
    .WIDTH(DATA_WIDTH + 1)
) fifo_slice_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_data({ram_poison, ram_data}),
    .s_valid(ram_valid),
    .s_ready(ram_ready),
    .m_data({fifo_poison, fifo_data}),
    .m_valid(fifo_valid),
    .m_ready(in_pop)
);

/*
 * Realigner and write mover, each fed with its own copy of the job
 */
localparam ALQ_W = 3 * SIZE + 2 * COUNT_WIDTH;
wire                   alq_valid;
wire                   alq_pop;
wire [SIZE-1:0]        al_src_off;
wire [SIZE-1:0]        al_dst_off;
wire [COUNT_WIDTH-1:0] al_in_beats;
wire [COUNT_WIDTH-1:0] al_out_beats;
wire [SIZE-1:0]        al_last_lane;

dmac_fifo #(
    .WIDTH(ALQ_W),
    .DEPTH(JOB_DEPTH)
) realign_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({src_off, dst_off, rd_beats, wr_beats, last_lane}),
    .wr_en(x_job_reg),
    .full(),
    .rd_data({al_src_off, al_dst_off, al_in_beats, al_out_beats, al_last_lane}),
    .rd_valid(alq_valid),
    .rd_en(alq_pop),
    .count()
);

// The realigner's output register is a register slice with a skid entry:
// the realigner gives a beat when the slice's ready (a flip-flop) allows,
// so the mover's ready (which follows its queue head and the bus) does not
// reach the realigner's FIFO pop and counters; full throughput.
wire [DATA_WIDTH-1:0] ra_data;
wire [DATA_BYTES-1:0] ra_strb;
wire                  ra_poison;
wire                  ra_valid;
wire                  ra_ready;
wire [DATA_WIDTH-1:0] al_data;
wire [DATA_BYTES-1:0] al_strb;
wire                  al_poison;
wire                  al_valid;
wire                  al_ready;

dmac_realign #(
    .DATA_WIDTH(DATA_WIDTH),
    .COUNT_WIDTH(COUNT_WIDTH)
) realign_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .job_valid(alq_valid),
    .job_pop(alq_pop),
    .src_off(al_src_off),
    .dst_off(al_dst_off),
    .in_beats(al_in_beats),
    .out_beats(al_out_beats),
    .last_lane(al_last_lane),
    .in_data(fifo_data),
    .in_poison(fifo_poison),
    .in_valid(fifo_valid),
    .in_pop(in_pop),
    .out_data(ra_data),
    .out_strb(ra_strb),
    .out_poison(ra_poison),
    .out_valid(ra_valid),
    .out_ready(ra_ready)
);

dmac_skid #(
    .WIDTH(DATA_WIDTH + DATA_BYTES + 1)
) al_slice_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_data({ra_data, ra_strb, ra_poison}),
    .s_valid(ra_valid),
    .s_ready(ra_ready),
    .m_data({al_data, al_strb, al_poison}),
    .m_valid(al_valid),
    .m_ready(al_ready)
);

localparam AWQ_W = ADDR_WIDTH + 2 * COUNT_WIDTH + 1 + 4;
wire                   awq_valid;
wire                   awq_pop;
wire [ADDR_WIDTH-1:0]  awq_addr;
wire [COUNT_WIDTH-1:0] awq_out_beats;
wire [COUNT_WIDTH-1:0] awq_in_beats;
wire                   awq_lead;
wire                   awq_dev;
wire [1:0]             awq_size;
wire                   awq_fixed;

dmac_fifo #(
    .WIDTH(AWQ_W),
    .DEPTH(JOB_DEPTH)
) write_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({x_dst_dev_reg, x_width_reg, x_fixed_reg, dst_word, x_dst_dev_reg ? elems : wr_beats,
              rd_beats, src_off > dst_off}),
    .wr_en(x_job_reg),
    .full(),
    .rd_data({awq_dev, awq_size, awq_fixed, awq_addr, awq_out_beats, awq_in_beats, awq_lead}),
    .rd_valid(awq_valid),
    .rd_en(awq_pop),
    .count()
);

wire [SEQ_W-1:0]       aw_seq;
wire                   wr_quiet;
wire [ADDR_WIDTH-1:0]  wr_aw_addr;
wire [7:0]             wr_aw_len;
wire [2:0]             wr_aw_size;
wire [1:0]             wr_aw_burst;
wire                   wr_aw_valid;
wire                   wr_aw_ready;
wire                   jdone;
wire [COUNT_WIDTH-1:0] jdone_acked;
wire                   jdone_ok;
wire [COUNT_WIDTH-1:0] acked;
wire                   wr_err;
wire [ADDR_WIDTH-1:0]  wr_err_addr;
wire [SEQ_W-1:0]       wr_err_seq;

// Job a comes before job b.  Every job number a failure or the write side
// can name is that of a job between the oldest one in flight and at most
// JOB_DEPTH jobs after it (the completion queue holds JOB_DEPTH jobs), and
// there are 2^SEQ_W = 4 * JOB_DEPTH numbers, so b - a (mod 2^SEQ_W) is below
// half of them exactly when a comes before b: no need for the oldest job's
// number, nor for a subtraction from it before comparing.
function seq_before;
    input [SEQ_W-1:0] a;
    input [SEQ_W-1:0] b;
    reg   [SEQ_W-1:0] d;
    begin
        d = b - a;
        seq_before = d != {SEQ_W{1'b0}} && !d[SEQ_W-1];
    end
endfunction

// Whether the job the write side announces comes before the failing one is
// registered (aw_before_reg), from the sequence numbers of the cycle before:
// it holds in a cycle in which none of them moved on (seq_moved_reg clear).
// In a cycle after one did, nothing is announced and no failure is written
// back; that happens only while a failure is recorded.
wire aw_seq_step;
wire cq_pop;
reg  aw_before_reg;
reg  seq_moved_reg;
// A failure candidate is on its way to the record
wire fail_busy;
wire aw_before_known = aw_before_reg && !seq_moved_reg;
wire aw_after_known  = !aw_before_reg && !seq_moved_reg;
wire aw_allow = !stop_all_reg && !halting_reg && (!failed_reg || aw_before_known);

// The write mover's beats leave through a register slice with a skid entry
// (wd_*): its ready is a flip-flop, so neither the bus side's ready nor the
// slice's state reaches the mover's queues through a gate, and the data
// path ends here.
wire [DATA_WIDTH-1:0]  mw_data;
wire [DATA_BYTES-1:0]  mw_strb;
wire                   mw_last;
wire                   mw_valid;
wire                   mw_ready;

dmac_skid #(
    .WIDTH(DATA_WIDTH + DATA_BYTES + 1)
) wd_slice_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_data({mw_data, mw_strb, mw_last}),
    .s_valid(mw_valid),
    .s_ready(mw_ready),
    .m_data({wd_data, wd_strb, wd_last}),
    .m_valid(wd_valid),
    .m_ready(wd_ready)
);

dmac_wr_mover #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .COUNT_WIDTH(COUNT_WIDTH),
    .SEQ_W(SEQ_W),
    .FIFO_DEPTH(FIFO_DEPTH),
    .STORE_FORWARD_MAX(STORE_FORWARD_MAX)
) wr_mover_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .job_valid(awq_valid),
    .job_pop(awq_pop),
    .job_addr(awq_addr),
    .job_out_beats(awq_out_beats),
    .job_in_beats(awq_in_beats),
    .job_lead(awq_lead),
    .job_dev(awq_dev),
    .job_size({1'b0, awq_size}),
    .job_fixed(awq_fixed),
    .in_push(rd_beat_valid),
    .in_commit(rd_issued),
    .in_commit_m1(rd_issued_m1),
    .aw_seq(aw_seq),
    .aw_seq_step(aw_seq_step),
    .aw_allow(aw_allow),
    .hold(pause_reg),
    .quiet(wr_quiet),
    .aw_addr(wr_aw_addr),
    .aw_len(wr_aw_len),
    .aw_size(wr_aw_size),
    .aw_burst(wr_aw_burst),
    .aw_valid(wr_aw_valid),
    .aw_ready(wr_aw_ready),
    .al_data(al_data),
    .al_strb(al_strb),
    .al_poison(al_poison),
    .al_valid(al_valid),
    .al_ready(al_ready),
    .w_data(mw_data),
    .w_strb(mw_strb),
    .w_last(mw_last),
    .w_valid(mw_valid),
    .w_ready(mw_ready),
    .b_resp(b_resp),
    .b_valid(b_valid && !b_kind),
    .jdone(jdone),
    .jdone_acked(jdone_acked),
    .jdone_ok(jdone_ok),
    .acked(acked),
    .err(wr_err),
    .err_addr(wr_err_addr),
    .err_seq(wr_err_seq)
);

/*
 * Completion queue (every dispatched job, in order) and data outcomes
 */
// A job's length is its descriptor's (c_dlen: x_len_reg and x_dlen_reg are
// both LEN for a memory descriptor or an error entry), but for a request of
// a device descriptor (c_req), whose bytes (job_bytes) fit 8 bits: c_req_len.
localparam CQ_W = 2 + ADDR_WIDTH - DESC_ALIGN + 8 + SIZE + 2 + 3 + 32;
wire                  cq_valid;
wire                  c_bad;
wire                  c_fetched;
wire [ADDR_WIDTH-1:DESC_ALIGN] c_addr_hi;
wire [ADDR_WIDTH-1:0] c_addr = {c_addr_hi, {DESC_ALIGN{1'b0}}};
wire [7:0]            c_req_len;
wire                  c_req;
wire [SIZE-1:0]       c_dst_off;
wire                  c_irq;
wire                  c_last;
wire                  c_end;
wire                  c_dst_dev;
wire [31:0]           c_dlen;
wire [31:0]           c_len = c_req ? {24'd0, c_req_len} : c_dlen;
wire unused_x = &{1'b0, x_head_reg[DESC_ALIGN-1:0]};

dmac_fifo #(
    .WIDTH(CQ_W),
    .DEPTH(JOB_DEPTH),
    .HEAD_W(3)
) completion_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    // bad, end and fetched first: read from flip-flops (HEAD_W)
    .wr_data({x_head_reg[ADDR_WIDTH+1], x_flags_reg[0], x_head_reg[ADDR_WIDTH:DESC_ALIGN], x_len_reg[7:0],
              dst_off, x_flags_reg[2:1], x_dst_dev_reg, x_src_dev_reg || x_dst_dev_reg, x_dlen_reg}),
    .wr_en(x_push_reg),
    .full(cq_full),
    .rd_data({c_bad, c_end, c_fetched, c_addr_hi, c_req_len, c_dst_off, c_irq, c_last, c_dst_dev, c_req,
              c_dlen}),
    .rd_valid(cq_valid),
    .rd_en(cq_pop),
    .count()
);

wire                   res_valid;
wire [COUNT_WIDTH-1:0] res_acked;
wire                   res_ok;

dmac_fifo #(
    .WIDTH(COUNT_WIDTH + 1),
    .DEPTH(JOB_DEPTH),
    .HEAD_W(1)
) result_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({jdone_ok, jdone_acked}),
    .wr_en(jdone),
    .full(),
    .rd_data({res_ok, res_acked}),
    .rd_valid(res_valid),
    .rd_en(cq_pop),
    .count()
);

// Bytes moved by the oldest job, from the queue heads registered first
// (h_*), in two more registered steps (hm_*, then head_moved_reg): the
// destination received, in order, before any failure, min(len, m *
// DATA_BYTES - dst_off) bytes for m beats acknowledged (none for none), and
// a device destination min(len, elements << width).
reg  [COUNT_WIDTH-1:0] h_acked_reg;
reg  [SIZE-1:0]        h_off_reg;
reg  [31:0]            h_len_reg;
reg                    h_bad_reg;
reg                    h_dev_reg;
always @(posedge clk) begin
    h_acked_reg <= res_valid ? res_acked : acked;
    h_off_reg   <= c_dst_off;
    h_len_reg   <= c_len;
    h_bad_reg   <= c_bad;
    h_dev_reg   <= c_dst_dev;
end
// The span fits 33 bits: m beats of a job are at most 2^(32-SIZE) + 1 (see
// COUNT_WIDTH), m * DATA_BYTES at most 2^32 + DATA_BYTES; a device job's
// elements are at most 16 (one burst), of at most 8 bytes, so its count is
// its five low bits.
localparam SPAN_W = COUNT_WIDTH + SIZE;
wire [7:0] h_elem_bytes = {3'd0, h_acked_reg[4:0]} << cfg_width;
reg  [SPAN_W-1:0]      hm_span_reg;
reg  [31:0]            hm_len_reg;
reg                    hm_none_reg;
always @(posedge clk) begin
    hm_span_reg <= h_dev_reg ? {{(SPAN_W-8){1'b0}}, h_elem_bytes}
                             : {h_acked_reg, {SIZE{1'b0}}} - {{(SPAN_W-SIZE){1'b0}}, h_off_reg};
    hm_len_reg  <= h_len_reg;
    hm_none_reg <= h_bad_reg || h_acked_reg == {COUNT_WIDTH{1'b0}};
end
wire [31:0] head_moved = hm_none_reg ? 32'd0 :
                         hm_span_reg >= {{(SPAN_W-32){1'b0}}, hm_len_reg} ? hm_len_reg : hm_span_reg[31:0];
// Bytes of the oldest descriptor done by its jobs before the oldest job
reg  [31:0] acc_reg;

// The oldest job's bytes moved, and its descriptor's bytes left, are worked
// out over four registered steps: they follow the head of the queues four
// cycles late.  Its descriptor's length less the bytes of its earlier jobs
// (h_dlen_reg), its address and whether the queue held it go down the same
// four steps, so the registers always read a descriptor with its own bytes
// left, never a new descriptor with the bytes left of the one before.  A
// failure's write-back and report read them once the head has not changed
// for four cycles (head_settled).
reg  [31:0]           h_dlen_reg;
reg  [31:0]           hm_dlen_reg;
reg  [31:0]           head_dlen_reg;
reg  [31:0]           head_moved_reg;
reg  [31:0]           head_left_reg;
reg  [4*ADDR_WIDTH-1:0] head_addr_reg;
reg  [3:0]            head_fetched_reg;
reg  [3:0]            head_valid_reg;
reg  [3:0]            head_change_reg;
wire                  head_change  = cq_pop || x_push_reg || jdone || (b_valid && !b_kind);
wire                  head_settled = !head_change && head_change_reg == 4'b0000;

always @(posedge clk) begin
    h_dlen_reg       <= c_dlen - acc_reg;
    hm_dlen_reg      <= h_dlen_reg;
    head_dlen_reg    <= hm_dlen_reg;
    head_moved_reg   <= head_moved;
    head_left_reg    <= head_dlen_reg - head_moved_reg;
    head_addr_reg    <= {head_addr_reg[3*ADDR_WIDTH-1:0], c_addr};
    head_fetched_reg <= {head_fetched_reg[2:0], c_fetched};
    head_valid_reg   <= {head_valid_reg[2:0], cq_valid};
    head_change_reg  <= {head_change_reg[2:0], head_change};
    if (rst) begin
        head_valid_reg <= 4'b0000;
    end
end

// A descriptor never fetched is the refused pointer (bad_ptr), which holds
// still from the refusal until the chain has stopped.  c_desc is the head
// now, head_desc the head four cycles ago.
wire [63:0] c_desc    = c_fetched ? {{(64-ADDR_WIDTH){1'b0}}, c_addr} : bad_ptr;
wire [63:0] head_desc = head_fetched_reg[3] ? {{(64-ADDR_WIDTH){1'b0}}, head_addr_reg[3*ADDR_WIDTH +: ADDR_WIDTH]} : bad_ptr;

assign cur_desc = head_valid_reg[3] ? head_desc :
                  cur_valid_reg ? {{(64-ADDR_WIDTH){1'b0}}, cur_addr_reg} : last_addr_reg;
assign residue  = head_valid_reg[3] ? head_left_reg :
                  cur_valid_reg ? cur_left_reg : 32'd0;

/*
 * Status write-back: issued in job order, one at a time
 *
 * A status write is issued only once the one before it was answered (no
 * report is pending, rep_valid), so once one fails (the chain stops at the
 * first descriptor it covered) no later descriptor is ever written back.
 * The jobs that end their descriptors while a status write is in flight are
 * gathered into the next one, a batch (see BATCH_MAX): a chain of short
 * descriptors moves several per round trip.  AXI has no way to take back a
 * write whose data went out, and only the response tells whether it
 * landed: overlapping status writes would let a later descriptor's DONE
 * land after an earlier one's write failed.  (Holding back the later one's
 * W beats instead would stall the shared W channel for as long.)
 */
reg                   wb_aw_valid_reg;
reg                   wb_w_valid_reg;
reg [ADDR_WIDTH-1:0]  wb_addr_reg;
// LEN of each descriptor of the batch in flight, the one being sent lowest
reg [32*BATCH_MAX-1:0] wb_lens_reg;
wire [31:0]           wb_len_reg = wb_lens_reg[31:0];
reg [3:0]             wb_code_reg;
reg [7:0]             wb_beat_reg;
reg [7:0]             wb_last_reg;
reg [SUB_W-1:0]       wb_sub_reg;

// The open batch: descriptors retired since the status write in flight was
// issued, contiguous from ob_addr_reg, waiting for it to be answered.  LEN of
// each (the first lowest), its IRQ flag, and whether it holds the chain's last.
reg [BATCH_W-1:0]     ob_count_reg;
reg [ADDR_WIDTH-1:0]  ob_addr_reg;
reg [ADDR_WIDTH-1:0]  ob_next_reg;
reg [ADDR_WIDTH-1:0]  ob_tail_reg;
reg [32*BATCH_MAX-1:0] ob_lens_reg;
reg [BATCH_MAX-1:0]   ob_irqs_reg;
reg                   ob_last_reg;
wire                  ob_empty = ob_count_reg == {BATCH_W{1'b0}};
localparam [BATCH_W-1:0] BATCH_FULL = BATCH_MAX[BATCH_W-1:0];

// Nothing in flight, and no outcome on its way (the error and job-outcome
// pulses take effect a cycle after the response that caused them).
wire quiet_data   = rd_quiet && wr_quiet && f_quiet && !rd_err && !wr_err && !jdone && !x_push_reg
                 && !wd_valid;
wire rep_valid;
wire wb_free      = !wb_aw_valid_reg && !wb_w_valid_reg && !rep_valid;
wire head_ok      = cq_valid && !c_bad && res_valid && res_ok;
// The head job may join the open batch: it is empty, or the job's descriptor
// follows the batch's last one in the same 4 KiB page and there is room.
wire ob_join_ok   = ob_empty || (ob_count_reg != BATCH_FULL && !ob_last_reg && c_addr == ob_next_reg
                                 && c_addr[11:DESC_ALIGN] != {(12-DESC_ALIGN){1'b0}});
// Whether the oldest job retires (into the open batch, if it ends its
// descriptor) is decided from registers a cycle ahead (retire_ok_reg), and
// holds in the next cycle unless a job retired in this one (the queue heads
// moved on) or a status write failed since.  So a job retires at most every
// other cycle, and the decision that pops the queues is one gate.  (The
// batch can only have been issued meanwhile, which empties it: joining an
// empty batch is always right.)  A job that does not end its descriptor
// retires without joining.
reg  retire_ok_reg;
reg  retired_reg;
wire issue_ok     = retire_ok_reg && !retired_reg && !done_issue_reg && !stop_all_reg;
wire issue_wb_ok  = issue_ok && c_end;
// The failing job is known once nothing is in flight and the write side has
// announced every job before it (a pause may still hold those back), and the
// jobs before it are written back (no batch open).  That too is registered
// (fail_ok_reg): once it holds nothing moves any more but a late abort, which
// seq_moved_reg catches (it is set the cycle after any candidate or while
// one is on its way, fail_busy).
reg  fail_ok_reg;
wire issue_fail   = fail_ok_reg && !done_issue_reg && !stop_all_reg && !seq_moved_reg;
always @(posedge clk) begin
    retire_ok_reg <= running_reg && !done_issue_reg && !stop_all_reg && head_ok && (!c_end || ob_join_ok);
    retired_reg   <= issue_ok;
    fail_ok_reg   <= running_reg && !done_issue_reg && !stop_all_reg && wb_free && ob_empty && !head_ok
                  && err_valid_reg && !fail_busy && quiet_data && head_settled && aw_after_known;
    if (rst || clear) begin
        retire_ok_reg <= 1'b0;
        retired_reg   <= 1'b0;
        fail_ok_reg   <= 1'b0;
    end
end
// The failing job is written back if it was fetched; with no job left, the
// report carries no descriptor.
// With no job left, a device descriptor taken as the current one (part of it
// may have moved) is the one that stopped.
wire fail_cur     = !cq_valid && cur_valid_reg;
wire fail_wb      = issue_fail && ((cq_valid && c_fetched) || fail_cur);
wire [ADDR_WIDTH-1:0] wb_desc = cq_valid ? c_addr : cur_addr_reg;
// The open batch goes out once the status write before it was answered.
wire ob_issue     = wb_free && !ob_empty && !stop_all_reg;
wire wb_issue     = ob_issue || fail_wb;
assign cq_pop     = issue_ok;

// The open batch, joined by a retiring job (into a fresh batch when the open
// one is issued in the same cycle).
wire [BATCH_W-1:0] ob_slot = ob_issue ? {BATCH_W{1'b0}} : ob_count_reg;
integer bi;
always @(posedge clk) begin
    if (ob_issue) begin
        ob_count_reg <= {BATCH_W{1'b0}};
        ob_last_reg  <= 1'b0;
    end
    if (issue_wb_ok) begin
        ob_count_reg <= ob_slot + 1'b1;
        ob_next_reg  <= c_addr + {{(ADDR_WIDTH-6){1'b0}}, 6'd32};
        ob_tail_reg  <= c_addr;
        ob_last_reg  <= c_last;
        if (ob_slot == {BATCH_W{1'b0}}) begin
            ob_addr_reg <= c_addr;
        end
        for (bi = 0; bi < BATCH_MAX; bi = bi + 1) begin
            if (ob_slot == bi[BATCH_W-1:0]) begin
                ob_lens_reg[bi*32 +: 32] <= acc_reg + c_len;
                ob_irqs_reg[bi]          <= c_irq;
            end
        end
    end
    if (rst || clear) begin
        ob_count_reg <= {BATCH_W{1'b0}};
        ob_last_reg  <= 1'b0;
    end
end

// The status write (a batch, or a failure) issued and not yet reported.
// There is at most one: one is issued only while none is (wb_free), so
// registers hold it.  Once its response is in, its descriptors are reported
// one a cycle (rep_left_reg of them still to go), the batch's first at once.
reg                   rep_valid_reg;
reg                   rep_need_b;
reg                   rep_fail;
reg  [BATCH_W-1:0]    rep_count;
reg  [BATCH_MAX-1:0]  rep_irqs;
reg                   rep_last;
reg  [ADDR_WIDTH-1:0] rep_addr;
reg  [ADDR_WIDTH-1:0] rep_tail;
reg  [BATCH_W-1:0]    rep_left_reg;
reg  [BATCH_MAX-1:0]  rep_irq_left_reg;
reg                   rep_last_left_reg;
wire                  status_b = b_valid && b_kind;
wire                  rep_pop  = rep_valid_reg && (!rep_need_b || status_b);
wire                  rep_drain = rep_left_reg != {BATCH_W{1'b0}};
assign                rep_valid = rep_valid_reg || rep_drain;

always @(posedge clk) begin
    if (rep_pop) begin
        rep_valid_reg <= 1'b0;
    end
    if (ob_issue || issue_fail) begin
        rep_valid_reg <= 1'b1;
        rep_need_b    <= wb_issue;
        rep_fail      <= issue_fail;
        rep_count     <= ob_issue ? ob_count_reg : {{(BATCH_W-1){1'b0}}, 1'b1};
        rep_irqs      <= ob_irqs_reg;
        rep_last      <= ob_issue && ob_last_reg;
        rep_addr      <= ob_issue ? ob_addr_reg : wb_desc;
        rep_tail      <= ob_issue ? ob_tail_reg : wb_desc;
    end
    if (rst || clear) begin
        rep_valid_reg <= 1'b0;
    end
end
wire [31:0] fail_len = cq_valid ? acc_reg + head_moved_reg : acc_reg;
wire [7:0]  ob_count8 = {{(8-BATCH_W){1'b0}}, ob_count_reg};
wire [7:0]  ob_last_beat = (ob_count8 - 8'd1) * BPD8 + WB_LAST_BEAT;

// Write-back image: LEN := bytes moved, CTRL[31:16] := status
reg [31:0]               wb_ctrl;
reg [DESC_BITS-1:0]      wb_image;
reg [DMAC_DESC_SIZE-1:0] wb_strb_image;
always @* begin
    wb_ctrl = 32'd0;
    wb_ctrl[DMAC_DESC_CTRL_DONE_LSB] = 1'b1;
    wb_ctrl[DMAC_DESC_CTRL_ERR_LSB +: DMAC_DESC_CTRL_ERR_WIDTH] = wb_code_reg;
    wb_image = {DESC_BITS{1'b0}};
    wb_image[DMAC_DESC_LEN_OFFSET*8 +: 32] = wb_len_reg;
    wb_image[DMAC_DESC_CTRL_OFFSET*8 +: 32] = wb_ctrl;
    wb_strb_image = {DMAC_DESC_SIZE{1'b0}};
    wb_strb_image[DMAC_DESC_LEN_OFFSET +: 4] = 4'hF;
    wb_strb_image[DMAC_DESC_CTRL_OFFSET + 2 +: 2] = 2'h3;
end

// Beat wb_sub_reg of a descriptor's BPD: its status beats first, then the
// beats up to the next descriptor's, which carry no strobe.
wire [SUB_W:0] wb_sub_ext = {1'b0, wb_sub_reg};
wire           wb_status  = wb_sub_ext < WB_BEATS[SUB_W:0];
// (at most two status beats: LEN and CTRL on a 32-bit bus)
wire           wb_sub_lo  = wb_status && wb_sub_reg[0];
assign ws_valid = wb_w_valid_reg;
assign ws_data  = wb_status ? wb_image[(WB_FIRST + wb_sub_lo*DATA_BYTES)*8 +: DATA_WIDTH] : {DATA_WIDTH{1'b0}};
assign ws_strb  = wb_status ? wb_strb_image[WB_FIRST + wb_sub_lo*DATA_BYTES +: DATA_BYTES] : {DATA_BYTES{1'b0}};
assign ws_last  = wb_beat_reg == wb_last_reg;

/*
 * Bus requests: data reads; on AW status first, held until taken
 */
assign ar_valid    = rd_ar_valid;
assign ar_addr     = rd_ar_addr;
assign ar_len      = rd_ar_len;
assign ar_size     = rd_ar_size;
assign ar_burst    = rd_ar_burst;
assign rd_ar_ready = ar_ready;

reg  aw_lock_reg;
reg  aw_lock_kind_reg;
wire aw_sel_s = aw_lock_reg ? aw_lock_kind_reg : wb_aw_valid_reg;
assign aw_valid    = aw_sel_s ? wb_aw_valid_reg : wr_aw_valid;
assign aw_addr     = aw_sel_s ? wb_addr_reg : wr_aw_addr;
assign aw_len      = aw_sel_s ? wb_last_reg : wr_aw_len;
assign aw_size     = aw_sel_s ? SIZE[2:0] : wr_aw_size;
assign aw_burst    = aw_sel_s ? 2'b01 : wr_aw_burst;
assign aw_kind     = aw_sel_s;
assign wr_aw_ready = !aw_sel_s && aw_ready;

assign paused = pause_reg && running_reg && quiet_data && !wb_aw_valid_reg && !wb_w_valid_reg
             && !rep_valid;

wire quiet_all = quiet_data && !wb_aw_valid_reg && !wb_w_valid_reg && !rep_valid;
// The clear that ends a halt is registered: quiet_all gathers the whole
// lane's state, and clear resets most of its flip-flops, so the two are a
// cycle apart.  A halting lane that is quiet stays quiet (nothing issues
// while halting), so clearing a cycle later loses nothing.
always @(posedge clk) begin
    clear_reg <= halting_reg && quiet_all && !clear_reg && !rst;
end

/*
 * First failing job
 *
 * A failure stops reads, dispatch and descriptor fetch the cycle after its
 * candidate appears (failed_reg), like a bad descriptor stops dispatch the
 * cycle after it was taken (bad_ev_reg).  Which job failed first, and why,
 * is resolved over three registered steps, so that no cycle holds more
 * than one compare or one multiplexer:
 *   1. the candidates of a cycle (a bad descriptor taken the cycle before,
 *      a read error, a write error, an abort's first cycle) are compared
 *      pairwise; the winner's one-hot choice and copies of every
 *      candidate's details are registered (s1_*);
 *   2. the winner's details are picked out of the copies (s2_*);
 *   3. they replace the record if their job comes before the recorded one.
 * The cycles' winners reach step 3 in order, so the record ends with the
 * lowest job number of all (the recorded one on a tie, and among one
 * cycle's candidates the one listed first).  The write side announces
 * nothing while a candidate is on its way (seq_moved_reg), and a failure
 * is written back only once none is (fail_busy).
 */
localparam NCAND = 4;
reg                   bad_ev_reg;
reg  [3:0]            bad_ev_code_reg;
reg  [63:0]           bad_ev_addr_reg;
reg  [SEQ_W-1:0]      bad_ev_seq_reg;
// An abort stays set until the lane is cleared: it is a candidate once.
reg                   abort_seen_reg;
wire                  abort_new = abort_reg && !abort_seen_reg;
wire [64:0]           d_addr_ext = {{(65-ADDR_WIDTH){1'b0}}, d_addr};
wire unused_ext = &{1'b0, d_addr_ext[64]};

// Candidates, in their order on a tie: bad descriptor, read error, write
// error, abort.
wire                   cand_on    = running_reg && !halting_reg;
wire [NCAND-1:0]       cand_valid = {abort_new, wr_err, rd_err, bad_ev_reg};
wire [NCAND*SEQ_W-1:0] cand_seq   = {aw_seq, wr_err_seq, rd_err_seq, bad_ev_seq_reg};
wire                   new_any    = |cand_valid;
reg  [NCAND-1:0]       cand_win;
integer ci;
integer cj;
always @* begin
    for (ci = 0; ci < NCAND; ci = ci + 1) begin
        cand_win[ci] = cand_on && cand_valid[ci];
        for (cj = 0; cj < NCAND; cj = cj + 1) begin
            if (cand_valid[cj]) begin
                if (cj < ci && !seq_before(cand_seq[ci*SEQ_W +: SEQ_W], cand_seq[cj*SEQ_W +: SEQ_W])) begin
                    cand_win[ci] = 1'b0;
                end
                if (cj > ci && seq_before(cand_seq[cj*SEQ_W +: SEQ_W], cand_seq[ci*SEQ_W +: SEQ_W])) begin
                    cand_win[ci] = 1'b0;
                end
            end
        end
    end
end

// Step 1: the choice and copies of the candidates (loaded every cycle)
reg  [NCAND-1:0]      s1_win_reg;
reg  [3:0]            s1_bad_code_reg;
reg  [63:0]           s1_bad_addr_reg;
reg  [SEQ_W-1:0]      s1_bad_seq_reg;
reg  [ADDR_WIDTH-1:0] s1_rd_addr_reg;
reg  [SEQ_W-1:0]      s1_rd_seq_reg;
reg  [ADDR_WIDTH-1:0] s1_wr_addr_reg;
reg  [SEQ_W-1:0]      s1_wr_seq_reg;
reg  [SEQ_W-1:0]      s1_ab_seq_reg;
// Step 2: the winner
reg                   s2_valid_reg;
reg  [3:0]            s2_code_reg;
reg  [63:0]           s2_addr_reg;
reg  [SEQ_W-1:0]      s2_seq_reg;
wire                  s1_valid  = |s1_win_reg;
assign                fail_busy = s1_valid || s2_valid_reg;
// Step 3
wire                  rec_load  = s2_valid_reg && cand_on
                               && (!err_valid_reg || seq_before(s2_seq_reg, err_seq_reg));
wire [63:0]           s1_rd_addr64 = {{(64-ADDR_WIDTH){1'b0}}, s1_rd_addr_reg};
wire [63:0]           s1_wr_addr64 = {{(64-ADDR_WIDTH){1'b0}}, s1_wr_addr_reg};
localparam [3:0] ERR_DATA_READ  = DMAC_ERR_DATA_READ;
localparam [3:0] ERR_DATA_WRITE = DMAC_ERR_DATA_WRITE;
localparam [3:0] ERR_ABORTED    = DMAC_ERR_ABORTED;

always @(posedge clk) begin
    s1_win_reg      <= cand_win;
    s1_bad_code_reg <= bad_ev_code_reg;
    s1_bad_addr_reg <= bad_ev_addr_reg;
    s1_bad_seq_reg  <= bad_ev_seq_reg;
    s1_rd_addr_reg  <= rd_err_addr;
    s1_rd_seq_reg   <= rd_err_seq;
    s1_wr_addr_reg  <= wr_err_addr;
    s1_wr_seq_reg   <= wr_err_seq;
    s1_ab_seq_reg   <= aw_seq;

    s2_valid_reg <= s1_valid;
    s2_code_reg  <= ({4{s1_win_reg[0]}} & s1_bad_code_reg) | ({4{s1_win_reg[1]}} & ERR_DATA_READ)
                  | ({4{s1_win_reg[2]}} & ERR_DATA_WRITE) | ({4{s1_win_reg[3]}} & ERR_ABORTED);
    s2_addr_reg  <= ({64{s1_win_reg[0]}} & s1_bad_addr_reg) | ({64{s1_win_reg[1]}} & s1_rd_addr64)
                  | ({64{s1_win_reg[2]}} & s1_wr_addr64);
    s2_seq_reg   <= ({SEQ_W{s1_win_reg[0]}} & s1_bad_seq_reg) | ({SEQ_W{s1_win_reg[1]}} & s1_rd_seq_reg)
                  | ({SEQ_W{s1_win_reg[2]}} & s1_wr_seq_reg) | ({SEQ_W{s1_win_reg[3]}} & s1_ab_seq_reg);

    if (rec_load) begin
        err_valid_reg <= 1'b1;
        err_code_reg  <= s2_code_reg;
        err_addr_reg  <= s2_addr_reg;
        err_seq_reg   <= s2_seq_reg;
    end
    if (cand_on && new_any) begin
        failed_reg <= 1'b1;
    end
    abort_seen_reg <= abort_reg;

    aw_before_reg <= seq_before(aw_seq, err_seq_reg);
    seq_moved_reg <= aw_seq_step || new_any || fail_busy || rec_load || rst || clear;

    if (rst || clear) begin
        s1_win_reg     <= {NCAND{1'b0}};
        s2_valid_reg   <= 1'b0;
        err_valid_reg  <= 1'b0;
        failed_reg     <= 1'b0;
        abort_seen_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    cpl_valid  <= 1'b0;
    halt_valid <= 1'b0;

    if (x_push_reg) begin
        disp_seq_reg <= disp_seq_reg + 1'b1;
    end

    /*
     * Device descriptors and requests
     */
    // While none is current the registers follow the head of the queue, so
    // taking it only sets cur_valid_reg.  A request moves them on a cycle
    // after it was taken, by its bytes (registered in x_len_reg).
    if (take_dev) begin
        cur_valid_reg <= 1'b1;
    end
    if (!cur_valid_reg) begin
        cur_addr_reg  <= d_addr;
        cur_mem_reg   <= cfg_flow == FLOW_MEM2DEV ? d_src : d_dst;
        cur_dev_reg   <= d_dev;
        cur_left_reg  <= d_len;
        cur_len_reg   <= d_len;
        cur_irq_reg   <= d_irq;
        cur_last_reg  <= d_last;
    end else if (dev_job_reg) begin
        cur_mem_reg  <= cur_mem_reg + x_step;
        cur_dev_reg  <= cur_dev_reg + (cfg_dev_incr ? x_step : {ADDR_WIDTH{1'b0}});
        cur_left_reg <= cur_left_reg - {24'd0, x_req_len};
    end
    dev_job_reg <= dev_job;
    if (dev_job) begin
        svc_busy_reg <= 1'b1;
        svc_end_reg  <= job_end;
        if (job_end) begin
            cur_valid_reg <= 1'b0;
        end
    end
    // Acknowledge once the device side of the request's burst completed on the bus.
    dev_ack       <= 1'b0;
    dev_ack_d_reg <= dev_ack;
    dev_tc        <= 1'b0;
    if (svc_busy_reg && (cfg_flow == FLOW_DEV2MEM ? rd_dev_done : jdone)) begin
        dev_ack      <= 1'b1;
        dev_tc       <= svc_end_reg;
        svc_busy_reg <= 1'b0;
    end
    if (issue_ok) begin
        acc_reg <= c_end ? 32'd0 : acc_reg + c_len;
    end

    bad_ev_reg      <= take_bad;
    bad_ev_code_reg <= t_err;
    bad_ev_addr_reg <= d_fetched ? d_addr_ext[63:0] : bad_ptr;
    bad_ev_seq_reg  <= disp_seq_reg;
    if (abort_cmd && running_reg && !halting_reg) begin
        abort_reg <= 1'b1;
    end

    /*
     * Status write issue
     */
    if (wb_aw_valid_reg && aw_sel_s && aw_ready) begin
        wb_aw_valid_reg <= 1'b0;
    end
    if (wb_w_valid_reg && ws_ready) begin
        if (ws_last) begin
            wb_w_valid_reg <= 1'b0;
        end else begin
            wb_beat_reg <= wb_beat_reg + 8'd1;
            // The next descriptor's beats: its LEN comes down.
            if (wb_sub_reg == SUB_LAST) begin
                wb_sub_reg  <= {SUB_W{1'b0}};
                wb_lens_reg <= wb_lens_reg >> 32;
            end else begin
                wb_sub_reg  <= wb_sub_reg + 1'b1;
            end
        end
    end
    // While the write-back slot is free its registers follow the write-back
    // that would be issued now (the open batch, or else the failure), and
    // freeze when it is: the issue decision enables two flip-flops, not
    // hundreds.  A failure is issued only with no batch open.
    if (!wb_aw_valid_reg && !wb_w_valid_reg) begin
        wb_beat_reg     <= 8'd0;
        wb_sub_reg      <= {SUB_W{1'b0}};
        wb_addr_reg     <= (ob_empty ? wb_desc : ob_addr_reg) + WB_OFFSET;
        wb_last_reg     <= ob_empty ? WB_LAST_BEAT : ob_last_beat;
        wb_lens_reg     <= ob_empty ? {{(32*BATCH_MAX-32){1'b0}}, fail_len} : ob_lens_reg;
        wb_code_reg     <= ob_empty ? err_code_reg : DMAC_ERR_NONE;
    end
    if (wb_issue) begin
        wb_aw_valid_reg <= 1'b1;
        wb_w_valid_reg  <= 1'b1;
    end
    if (issue_wb_ok && c_last) begin
        done_issue_reg <= 1'b1;
    end
    // The same for the failure's report: followed until the last issue.
    if (!done_issue_reg) begin
        fail_desc_reg    <= cq_valid ? c_desc :
                            fail_cur ? {{(64-ADDR_WIDTH){1'b0}}, cur_addr_reg} : last_addr_reg;
        fail_residue_reg <= cq_valid ? head_left_reg :
                            fail_cur ? cur_len_reg - acc_reg : 32'd0;
    end
    if (issue_fail) begin
        done_issue_reg   <= 1'b1;
    end

    /*
     * Reports, in order, once their status write is answered
     */
    // Until the lane halts, the halt record follows what the report at the
    // head would leave (the same choice as below, without the pop), so the
    // pop, which waits on the bus's write response, enables only the flags;
    // the record holds from the pop that sets halting_reg until the clear.
    if (!halting_reg) begin
        if (rep_valid_reg && rep_need_b && b_resp[1]) begin
            halt_err      <= DMAC_ERR_STATUS_WRITE;
            halt_err_addr <= {{(64-ADDR_WIDTH){1'b0}}, rep_addr + WB_OFFSET};
            halt_desc     <= {{(64-ADDR_WIDTH){1'b0}}, rep_addr};
            halt_residue  <= 32'd0;
        end else if (rep_valid_reg && rep_fail) begin
            halt_err      <= err_code_reg;
            halt_err_addr <= err_addr_reg;
            halt_desc     <= fail_desc_reg;
            halt_residue  <= fail_residue_reg;
        end else begin
            halt_err      <= DMAC_ERR_NONE;
            halt_err_addr <= 64'd0;
            halt_desc     <= {{(64-ADDR_WIDTH){1'b0}}, rep_tail};
            halt_residue  <= 32'd0;
        end
    end
    if (rep_pop && !halting_reg) begin
        if (rep_need_b && b_resp[1]) begin
            halting_reg   <= 1'b1;
            stop_all_reg  <= 1'b1;
        end else if (rep_fail) begin
            halting_reg   <= 1'b1;
        end else begin
            // The batch's first descriptor now, the others one a cycle.
            cpl_valid         <= 1'b1;
            cpl_irq           <= rep_irqs[0];
            last_addr_reg     <= {{(64-ADDR_WIDTH){1'b0}}, rep_tail};
            rep_left_reg      <= rep_count - 1'b1;
            rep_irq_left_reg  <= rep_irqs >> 1;
            rep_last_left_reg <= rep_last;
            if (rep_last && rep_count == {{(BATCH_W-1){1'b0}}, 1'b1}) begin
                halting_reg   <= 1'b1;
            end
        end
    end
    if (rep_drain) begin
        cpl_valid        <= 1'b1;
        cpl_irq          <= rep_irq_left_reg[0];
        rep_left_reg     <= rep_left_reg - 1'b1;
        rep_irq_left_reg <= rep_irq_left_reg >> 1;
        if (rep_last_left_reg && rep_left_reg == {{(BATCH_W-1){1'b0}}, 1'b1}) begin
            halting_reg  <= 1'b1;
        end
    end

    // Once stopped and quiet: forget everything and tell the channel.
    if (clear) begin
        halt_valid      <= 1'b1;
        rep_left_reg    <= {BATCH_W{1'b0}};
        running_reg     <= 1'b0;
        halting_reg     <= 1'b0;
        done_issue_reg  <= 1'b0;
        stop_all_reg    <= 1'b0;
        abort_reg       <= 1'b0;
        bad_ev_reg      <= 1'b0;
        disp_seq_reg    <= 0;
        acc_reg         <= 32'd0;
        cur_valid_reg   <= 1'b0;
        svc_busy_reg    <= 1'b0;
    end

    if (start_reg && !running_reg) begin
        running_reg   <= 1'b1;
        last_addr_reg <= start_ptr;
    end

    if (rst) begin
        rep_left_reg    <= {BATCH_W{1'b0}};
        running_reg     <= 1'b0;
        halting_reg     <= 1'b0;
        done_issue_reg  <= 1'b0;
        stop_all_reg    <= 1'b0;
        abort_reg       <= 1'b0;
        bad_ev_reg      <= 1'b0;
        disp_seq_reg    <= 0;
        acc_reg         <= 32'd0;
        cur_valid_reg   <= 1'b0;
        svc_busy_reg    <= 1'b0;
        dev_job_reg     <= 1'b0;
        dev_ack         <= 1'b0;
        dev_ack_d_reg   <= 1'b0;
        dev_tc          <= 1'b0;
        wb_aw_valid_reg <= 1'b0;
        wb_w_valid_reg  <= 1'b0;
        cpl_valid       <= 1'b0;
        halt_valid      <= 1'b0;
        last_addr_reg   <= 64'd0;
    end
end

always @(posedge clk) begin
    aw_lock_reg      <= aw_valid && !aw_ready;
    aw_lock_kind_reg <= aw_sel_s;
    if (rst) begin
        aw_lock_reg <= 1'b0;
    end
end

endmodule

`resetall
