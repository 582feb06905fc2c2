// SPDX-License-Identifier: Apache-2.0
// Descriptor fetcher of one channel: follows the chain ahead of the data movers and fills the descriptor queue.
//
// One fetch is in flight at a time.  The first one reads one descriptor.
// While the chain looks contiguous (each descriptor's NEXT is the address
// right after it, as in a ring), a fetch
// reads up to DESC_PREFETCH descriptors in one burst; a descriptor of the
// burst is kept only if the one before it was kept, is not LAST, points to
// it, and it came back without a bus error.  The first mismatch drops it and
// the rest of the burst, and the fetcher falls back to one descriptor per
// fetch until the chain is contiguous again.  So the queue only ever holds
// descriptors of the chain, in order, read in one piece.
//
// Each kept descriptor is checked on its way into the queue (zero length,
// source or destination range beyond the address space).  A pointer that
// cannot be fetched (misaligned, outside the address space, or whose read
// failed) becomes an error entry with no descriptor behind it, and the
// fetcher stops: the chain ends there.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_desc_fetch #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Longest burst in beats
    parameter MAX_BURST_LEN = 16,
    // Descriptors read in one burst at most
    parameter DESC_PREFETCH = 4,
    // Width of the queue room count
    parameter ROOM_W = 4
) (
    input  wire                     clk,
    input  wire                     rst,

    // Start the chain at start_ptr (the fetcher must be quiet)
    input  wire                     start,
    input  wire [63:0]              start_ptr,
    // Fetch nothing more for good (the channel stops); a fetch in flight completes
    input  wire                     halt,
    // Fetch nothing more for now (pause)
    input  wire                     hold,
    // Free entries in the descriptor queue
    input  wire [ROOM_W-1:0]        room,

    // Read address request (ARID chosen by the channel)
    output reg  [ADDR_WIDTH-1:0]    ar_addr,
    output reg  [7:0]               ar_len,
    output reg                      ar_valid,
    input  wire                     ar_ready,

    // Read data of this channel's descriptor reads
    input  wire [DATA_WIDTH-1:0]    r_data,
    input  wire [1:0]               r_resp,
    input  wire                     r_last,
    input  wire                     r_valid,

    // Queue entry: a checked descriptor, or an error with no descriptor (fetched = 0)
    output reg                      push,
    output reg  [3:0]               push_err,
    output reg                      push_fetched,
    output reg  [ADDR_WIDTH-1:0]    push_addr,
    output reg  [ADDR_WIDTH-1:0]    push_src,
    output reg  [ADDR_WIDTH-1:0]    push_dst,
    output reg  [31:0]              push_len,
    output reg                      push_irq,
    output reg                      push_last,
    // The pointer of the last error entry (it may not fit ADDR_WIDTH)
    output reg  [63:0]              bad_ptr,

    // No fetch in flight
    output wire                     quiet
);

`include "dmac_regs.vh"

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

initial begin
    if (DESC_PREFETCH < 1 || DESC_PREFETCH > 16) begin
        $display("Error: DESC_PREFETCH must be 1..16 (instance %m)");
        $finish;
    end
end

reg [63:0]           ptr_reg;
reg                  more_reg;
reg                  contig_reg;
reg                  busy_reg;

// The burst in flight
reg [ADDR_WIDTH-1:0] addr_reg;
reg [BEAT_W-1:0]     beat_reg;
reg                  bad_reg;
reg                  follow_ok_reg;
reg                  first_reg;
reg [63:0]           prev_next_reg;
reg                  prev_last_reg;
// addr_reg + DESC_STEP (with its carry): whether a descriptor points to
// the one after it is a compare with this register as it arrives, so the
// next one's keep decision compares nothing wide.
reg [ADDR_WIDTH:0]   addr_step_reg;
// A kept descriptor's read failed: bad_ptr takes its address (push_addr) a
// cycle later, before the lane can take the descriptor from its queue.
reg                  bad_pend_reg;
// A pointer was refused: bad_ptr takes it (ptr_reg, unchanged until the
// next start) a cycle later, likewise.
reg                  refused_reg;
reg [DESC_BITS-1:0]  buf_reg;

// Descriptors to the next 4 KiB boundary (the pointer is 32-byte aligned):
// 128 - ptr_reg[11:5]; when fewer than BATCH (BATCH <= 16) that is below 32,
// so its five low bits, the pointer's negated, are all of it.
wire       near;
generate
    if (BATCH > 1) begin : g_near
        localparam integer NEAR_I = 128 - BATCH;
        assign near = ptr_reg[11:5] > NEAR_I[6:0];
    end else begin : g_one
        assign near = 1'b0;
    end
endgenerate
wire [4:0] to_boundary = 5'd0 - ptr_reg[9:5];
wire [4:0] batch       = !contig_reg ? 5'd1 : near ? to_boundary : BATCH[4:0];

// What the pointer allows (the batch, whether it is bad) is registered: it
// follows ptr_reg a cycle late, so no fetch is issued in the cycle after
// the pointer moved on (ptr_new_reg).  The first fetch of a chain reads
// one descriptor, and its checks are made from start_ptr directly, so a
// start issues at once.
wire [63:0] check_ptr      = start ? start_ptr : ptr_reg;
wire        ptr_misaligned = check_ptr[4:0] != 5'd0;
wire        ptr_bad        = ptr_misaligned || (check_ptr & ~ADDR_MASK) != 64'd0
                          || ((check_ptr + DESC_STEP - 64'd1) & ~ADDR_MASK) != 64'd0;
reg       ptr_new_reg;
reg [4:0] batch_reg;
reg       misaligned_reg;
reg       bad_ptr_reg;

always @(posedge clk) begin
    ptr_new_reg    <= dv_end_reg && !start;
    batch_reg      <= start ? 5'd1 : batch;
    misaligned_reg <= ptr_misaligned;
    bad_ptr_reg    <= ptr_bad;
end

// AxLEN of the fetch: batch descriptors of DESC_BEATS beats each
wire [12:0] batch_beats = {8'd0, batch_reg} * DESC_BEATS[12:0];
wire [7:0]  batch_len   = batch_beats[7:0] - 8'd1;
wire unused_batch = &{1'b0, batch_beats[12:8]};

wire can_go  = more_reg && !busy_reg && !halt && !hold && !push && !ptr_new_reg;
wire refuse  = can_go && bad_ptr_reg && room != 0;
wire issue   = can_go && !bad_ptr_reg && {{(16-ROOM_W){1'b0}}, room} >= {11'd0, batch_reg};

assign quiet = !busy_reg;

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
// mapped it to about 320 LUT4s more per channel).
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
wire beat_bad = bad_reg || r_resp[1];
// The descriptor arriving points to the one right after it.
// Compared in four parts of 17 bits, each registered (dv_follows_reg), so
// the compare is a tree of LUTs per part and one AND after the register.
wire [67:0] nf_desc = {4'd0, d_next};
wire [67:0] nf_step = {{(67-ADDR_WIDTH){1'b0}}, addr_step_reg};
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
// goes on are worked out from those registers.  A descriptor reaches the
// queue a cycle after its last beat; the next fetch waits for that cycle.
reg       dv_reg;
reg       dv_bad_reg;
// The descriptor ends the burst
reg       dv_end_reg;
reg [3:0] dv_follows_reg;
// Its checks: zero length, an address beyond the space, a range beyond it;
// LAST, failed read, zero length or address beyond (the chain stops after it
// with dv_over_reg)
reg       dv_len_zero_reg;
reg       dv_high_reg;
reg       dv_over_reg;
reg       dv_stop_a_reg;

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
// follow_ok_reg: the chain runs on through the next descriptor of the burst
// (the last one kept is not LAST and points to it; registered as the
// descriptors are kept or dropped).
wire keep = dv_reg && (first_reg || (follow_ok_reg && !dv_bad_reg));

always @(posedge clk) begin
    push <= 1'b0;

    if (ar_ready) begin
        ar_valid <= 1'b0;
    end

    bad_pend_reg <= 1'b0;
    if (bad_pend_reg) begin
        bad_ptr <= {{(64-ADDR_WIDTH){1'b0}}, push_addr};
    end

    refused_reg <= refuse;
    if (refused_reg) begin
        bad_ptr <= ptr_reg;
    end

    // While no fetch is in flight the entry follows the error entry of the
    // present pointer (nothing else loads it then), so a refusal only sets
    // push.
    if (!busy_reg) begin
        push_err     <= misaligned_reg ? DMAC_ERR_DESC_ALIGN : DMAC_ERR_ADDR_RANGE;
        push_fetched <= 1'b0;
        push_addr    <= ptr_reg[ADDR_WIDTH-1:0];
        push_last    <= 1'b1;
        push_irq     <= 1'b0;
    end
    if (refuse) begin
        push         <= 1'b1;
        more_reg     <= 1'b0;
    end

    // While no fetch is in flight the burst's registers follow the one that
    // would be issued now (issue enables two flip-flops, not a hundred).
    if (!busy_reg) begin
        ar_addr       <= ptr_reg[ADDR_WIDTH-1:0];
        ar_len        <= batch_len;
        addr_reg      <= ptr_reg[ADDR_WIDTH-1:0];
        addr_step_reg <= {1'b0, ptr_reg[ADDR_WIDTH-1:0]} + ADDR_STEP;
        beat_reg   <= 0;
        bad_reg    <= 1'b0;
        // (the first descriptor of a burst is kept whatever it holds)
        follow_ok_reg <= 1'b0;
        first_reg  <= 1'b1;
    end
    if (issue) begin
        ar_valid   <= 1'b1;
        busy_reg   <= 1'b1;
    end

    // First stage: the beat (a burst's beats complete whole descriptors, so
    // its last beat ends one).
    dv_reg         <= desc_end;
    dv_bad_reg     <= beat_bad;
    dv_end_reg      <= desc_end && r_last;
    dv_follows_reg  <= next_follows;
    dv_len_zero_reg <= len_zero;
    dv_high_reg     <= d_high;
    dv_over_reg     <= d_over;
    dv_stop_a_reg   <= d_ctrl[DMAC_DESC_CTRL_LAST_LSB] || beat_bad || len_zero || d_high;
    if (r_valid) begin
        buf_reg  <= desc_full;
        beat_reg <= desc_end ? {BEAT_W{1'b0}} : beat_reg + 1'b1;
        bad_reg  <= desc_end ? 1'b0 : beat_bad;
    end

    // Second stage: the descriptor in buf_reg.
    if (dv_reg) begin
        addr_reg      <= addr_step_reg[ADDR_WIDTH-1:0];
        addr_step_reg <= addr_step_reg + ADDR_STEP;
        first_reg     <= 1'b0;
        follow_ok_reg <= keep && !b_stop && &dv_follows_reg;
        // The entry is loaded with every descriptor and pushed if kept.
        push          <= keep;
        push_fetched  <= !dv_bad_reg;
        push_addr     <= addr_reg;
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
        if (dv_end_reg) begin
            busy_reg <= 1'b0;
            // Where the chain goes on: after the last descriptor kept.
            if (keep ? b_stop : prev_last_reg) begin
                more_reg <= 1'b0;
            end
            ptr_reg    <= keep ? b_next : prev_next_reg;
            // Go on reading several at a time only while the chain is contiguous.
            contig_reg <= keep && &dv_follows_reg;
        end
    end

    // The first fetch reads one descriptor: nothing is known of the chain
    // yet, and a lone descriptor should not wait for a longer burst.
    if (start) begin
        ptr_reg    <= start_ptr;
        more_reg   <= 1'b1;
        contig_reg <= 1'b0;
    end

    if (rst) begin
        more_reg   <= 1'b0;
        busy_reg   <= 1'b0;
        ar_valid   <= 1'b0;
        push       <= 1'b0;
        bad_pend_reg <= 1'b0;
        refused_reg  <= 1'b0;
        dv_reg     <= 1'b0;
        contig_reg <= 1'b1;
    end
end

endmodule

`resetall
