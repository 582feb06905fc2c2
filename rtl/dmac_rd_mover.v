// SPDX-License-Identifier: Apache-2.0
// Read back-end: splits a source range into INCR bursts and passes the returned beats on towards the data FIFO.
//
// A burst is issued only when the FIFO has room reserved for all its beats
// (credit), so read data can always be accepted (RREADY stays high) and a
// stalled write side never stalls the read channel of the bus.  Jobs follow
// each other without a gap: the next one is taken as soon as every burst of
// the current one is issued.  A beat that came back with SLVERR/DECERR, and
// every beat after it, is pushed marked as poisoned so the write side never
// writes it; the error is reported with the failing burst's address and job.
//
// A device job (reading a peripheral's FIFO register) is one burst of narrow
// beats, one element each (AxSIZE = element width, FIXED or INCR): its
// elements are packed into whole bus words, as if read from an aligned
// incrementing source, so the rest of the data path sees ordinary words.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_rd_mover #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Longest burst in beats
    parameter MAX_BURST_LEN = 16,
    // Read bursts in flight at most
    parameter MAX_OUTSTANDING = 8,
    // Entries of the data FIFO this side fills
    parameter FIFO_DEPTH = 64,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33,
    // Width of the job sequence numbers
    parameter SEQ_W = 4
) (
    input  wire                         clk,
    input  wire                         rst,

    // Forget everything (the channel stopped and is quiet)
    input  wire                         clear,
    // Job: read `beats` beats from `addr`; taken when ready
    input  wire                         start,
    input  wire [ADDR_WIDTH-1:0]        start_addr,
    input  wire [COUNT_WIDTH-1:0]       start_beats,
    input  wire [SEQ_W-1:0]             start_seq,
    // Device job: `beats` elements of 2^start_size bytes in one burst, FIXED or INCR
    input  wire                         start_dev,
    input  wire [2:0]                   start_size,
    input  wire                         start_fixed,
    output wire                         ready,
    // Stop issuing bursts for good (error or abort); what is in flight drains
    input  wire                         stop,
    // Issue no new burst for now (pause)
    input  wire                         hold,
    // No burst in flight
    output wire                         quiet,

    // Error report: one pulse at the first failing beat
    output reg                          err,
    output reg  [ADDR_WIDTH-1:0]        err_addr,
    output reg  [SEQ_W-1:0]             err_seq,

    // The last beat of a device burst arrived (pulse)
    output reg                          dev_done,
    // A burst was issued: issued_m1 + 1 beats will reach the FIFO
    output wire                         issued,
    output wire [$clog2(FIFO_DEPTH):0]  issued_m1,

    // AXI read address channel (ARID chosen by the channel)
    output wire [ADDR_WIDTH-1:0]        m_axi_araddr,
    output wire [7:0]                   m_axi_arlen,
    output wire [2:0]                   m_axi_arsize,
    output wire [1:0]                   m_axi_arburst,
    output wire                         m_axi_arvalid,
    input  wire                         m_axi_arready,

    // AXI read data channel, already filtered to this ID
    input  wire [DATA_WIDTH-1:0]        r_data,
    input  wire [1:0]                   r_resp,
    input  wire                         r_last,
    input  wire                         r_valid,

    // Returned beats, in order, to the realigner (never stalled)
    output reg  [DATA_WIDTH-1:0]        beat_data,
    output reg                          beat_poison,
    output reg                          beat_valid,
    // A data FIFO entry was freed this cycle
    input  wire                         fifo_rd_en
);

localparam DATA_BYTES = DATA_WIDTH / 8;

// RESP[0] tells EXOKAY from OKAY and SLVERR from DECERR: both errors are handled alike.
wire unused_resp = &{1'b0, r_resp[0]};
localparam SIZE = $clog2(DATA_BYTES);
// Counters of FIFO entries are 16 bits wide (FIFO_DEPTH <= 16384).
localparam CREDIT_W = $clog2(FIFO_DEPTH) + 1;
localparam OUT_W = $clog2(MAX_OUTSTANDING) + 1;

reg [SEQ_W-1:0]       seq_reg;
reg                   dev_reg;
reg [2:0]             size_reg;
reg                   fixed_reg;
reg [CREDIT_W-1:0]    credit_reg;
// credit_reg >= MAX_BURST_LEN: room for any burst (registered)
reg                   credit_ok_reg;
reg [OUT_W-1:0]       outstanding_reg;
reg                   poison_reg;
// A job is loaded and has bursts left to issue
reg                   busy_reg;

wire                   split_ready;
wire [ADDR_WIDTH-1:0]  split_addr;
wire [COUNT_WIDTH-1:0] split_left_m1;
wire                   split_last;
wire [7:0]             split_len;
wire [8:0]             split_cap_m1;
wire [COUNT_WIDTH-1:0] split_cap_neg;
wire                   plan_calc;

dmac_burst_len #(
    .DATA_BYTES(DATA_BYTES),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .ADDR_WIDTH(ADDR_WIDTH),
    .COUNT_WIDTH(COUNT_WIDTH)
) burst_len_inst (
    .clk(clk),
    .rst(rst),
    .load(start && ready),
    .load_addr(start_addr),
    .load_beats(start_beats),
    .step(plan_calc),
    .ready(split_ready),
    .addr(split_addr),
    .left_m1(split_left_m1),
    .last(split_last),
    .len(split_len),
    .cap_m1(split_cap_m1),
    .cap_neg(split_cap_neg)
);
wire unused_split = &{1'b0, split_cap_m1, split_cap_neg, split_left_m1[COUNT_WIDTH-1:9]};

// Two stages, so that no cycle chains wide arithmetic: the plan stage
// takes the next burst from the splitter (its length and the FIFO entries
// it needs, both less one) into a two-entry buffer (a dmac_skid slice: its
// output is the head, plan_*), and the issue stage sends the head once the
// FIFO has room for any burst.  The plan stage takes a burst whenever the
// second entry is free (plan_room, a flip-flop), so its step (which reaches
// every register of the splitter) does not wait for the issue decision,
// and bursts still go out back to back.  A device job is one burst of all
// its elements: the words
// they pack into, less one, are its elements less one shifted (a burst of
// e elements of 2^size bytes fills ceil(e * 2^size / DATA_BYTES) words).
wire        calc_last  = dev_reg || split_last;
wire [7:0]  calc_len   = dev_reg ? split_left_m1[7:0] : split_len;
wire [15:0] dev_words  = ({7'd0, split_left_m1[8:0]} << size_reg) >> SIZE;
wire [15:0] calc_words = dev_reg ? dev_words : {8'd0, split_len};
// A burst needs at most MAX_BURST_LEN <= FIFO_DEPTH entries.
wire unused_words = &{1'b0, calc_words[15:CREDIT_W]};

// The planned burst (head of the plan stage): address, length less one,
// FIFO entries it needs less one, job number, device, size, FIXED
localparam PLAN_W = ADDR_WIDTH + 8 + CREDIT_W + SEQ_W + 5;
wire                  plan_room;
wire                  plan_valid;
wire [ADDR_WIDTH-1:0] plan_addr;
wire [7:0]            plan_len;
wire [CREDIT_W-1:0]   plan_words_m1;
wire [SEQ_W-1:0]      plan_seq;
wire                  plan_dev;
wire [2:0]            plan_size;
wire                  plan_fixed;
wire                  issue;

// A stopped job is abandoned: nothing of it may be issued later.
dmac_skid #(
    .WIDTH(PLAN_W)
) plan_inst (
    .clk(clk),
    .rst(rst || clear || stop),
    .s_data({split_addr, calc_len, calc_words[CREDIT_W-1:0], seq_reg, dev_reg, size_reg, fixed_reg}),
    .s_valid(plan_calc),
    .s_ready(plan_room),
    .m_data({plan_addr, plan_len, plan_words_m1, plan_seq, plan_dev, plan_size, plan_fixed}),
    .m_valid(plan_valid),
    .m_ready(issue)
);

wire [ADDR_WIDTH-1:0] inflight_addr;
wire [SEQ_W-1:0]      inflight_seq;
wire                  inflight_dev;
wire [2:0]            inflight_size;
wire                  inflight_fixed;
wire                  inflight_full;
wire                  r_beat = r_valid;
wire                  r_burst_done = r_beat && r_last;
wire                  r_bad = r_resp[1];

// Credit is checked against the longest burst, a registered flag, not
// against this burst's need: a burst may wait for MAX_BURST_LEN entries of
// room (FIFO_DEPTH >= 2 x MAX_BURST_LEN, so the write side can always go
// on with what the FIFO then holds).
assign issue = plan_valid && ar_room && !stop && !hold && !inflight_full && credit_ok_reg;
// A stop clears busy_reg and the plan stage next cycle: a burst planned in
// that cycle is dropped.
assign plan_calc = busy_reg && split_ready && plan_room;
assign issued    = issue;
assign issued_m1 = plan_words_m1;

// Credits after this cycle, worked out for an issue and for none in
// parallel and chosen by it: an issue takes the planned burst's entries
// (minus them is their count less one inverted), a FIFO read gives one
// back.  The read comes from the write side's ready through the realigner,
// so it is registered first: an entry is credited a cycle after it is
// freed.
reg                 freed_reg;
wire [CREDIT_W-1:0] credit_kept  = credit_reg + {{(CREDIT_W-1){1'b0}}, freed_reg};
wire [CREDIT_W:0]   credit_taken = {credit_reg, 1'b1} + {~plan_words_m1, freed_reg};
wire unused_taken = &{1'b0, credit_taken[0]};
localparam [CREDIT_W-1:0] CREDIT_MAX = MAX_BURST_LEN[CREDIT_W-1:0];
wire credit_ok_kept  = credit_kept >= CREDIT_MAX;
wire credit_ok_taken = credit_taken[CREDIT_W:1] >= CREDIT_MAX;

// What the packing of the returned beats reads (the first element's lanes,
// FIXED, size, device) comes from flip-flops at the queue's head.
wire [SIZE-1:0] inflight_lane;
wire unused_inflight = &{1'b0, inflight_addr[SIZE-1:0]};

dmac_fifo #(
    .WIDTH(SIZE + 5 + SEQ_W + ADDR_WIDTH),
    .DEPTH(MAX_OUTSTANDING),
    .HEAD_W(SIZE + 5)
) inflight_fifo_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({plan_addr[SIZE-1:0], plan_fixed, plan_size, plan_dev, plan_seq,
              plan_addr}),
    .wr_en(issue),
    .full(inflight_full),
    .rd_data({inflight_lane, inflight_fixed, inflight_size, inflight_dev, inflight_seq,
              inflight_addr}),
    .rd_valid(),
    .rd_en(r_burst_done),
    .count()
);

// AR leaves through a register slice, so the issue waits on its room (a
// flip-flop), never on ARREADY.
wire ar_room;

dmac_ax_slice #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH)
) ar_slice_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_addr(plan_addr),
    .s_len(plan_len),
    .s_dev(plan_dev),
    .s_size(plan_size),
    .s_fixed(plan_fixed),
    .s_valid(issue),
    .s_ready(ar_room),
    .m_addr(m_axi_araddr),
    .m_len(m_axi_arlen),
    .m_size(m_axi_arsize),
    .m_burst(m_axi_arburst),
    .m_valid(m_axi_arvalid),
    .m_ready(m_axi_arready)
);

/*
 * Packing of device elements: element k of a burst sits in the lanes of its
 * own address (the burst's for FIXED, k elements further for INCR) and goes
 * to byte (k * 2^size) mod DATA_BYTES of the word being built.
 *
 * Two stages.  As a beat arrives, where its element goes is worked out from
 * the burst at the head of the in-flight queue (flip-flops) and
 * word_off_reg, and registered with the beat (b1_*): the rotation that puts
 * it in place, the bytes it writes, whether the word is then complete.  The
 * next cycle merges it into the word being built (pack_reg) and registers
 * the result towards the FIFO.  A memory beat is a whole word: no rotation,
 * every byte, complete.  So a beat reaches the FIFO two cycles after it
 * arrived (credits were reserved at issue).
 */
// word_off_reg: where the next element goes in the word being built,
// stepped by the element width per beat (the burst's first element at 0).
reg  [SIZE-1:0]       word_off_reg;
reg  [DATA_WIDTH-1:0] pack_reg;
reg                   pack_poison_reg;
wire [SIZE-1:0]       elem_step = {{(SIZE-1){1'b0}}, 1'b1} << inflight_size;
// Rotation: the element's lane (inflight_lane, or that + word_off for
// INCR) less its place in the word.
wire [SIZE-1:0]       rot0   = !inflight_dev ? {SIZE{1'b0}}
                             : inflight_fixed ? inflight_lane - word_off_reg : inflight_lane;
wire [DATA_BYTES-1:0] elem_bytes = ~({DATA_BYTES{1'b1}} << (9'd1 << inflight_size));
wire [DATA_BYTES-1:0] place0 = inflight_dev ? elem_bytes << word_off_reg : {DATA_BYTES{1'b1}};
wire [SIZE-1:0]       word_next = word_off_reg + elem_step;
// The word is complete when this element fills its last byte, or the burst ends.
wire                  full0 = !inflight_dev || word_next == {SIZE{1'b0}} || r_last;

reg                   b1_valid_reg;
reg  [DATA_WIDTH-1:0] b1_data_reg;
reg  [SIZE-1:0]       b1_rot_reg;
reg  [DATA_BYTES-1:0] b1_place_reg;
reg                   b1_full_reg;
// The beat goes out poisoned (it failed, or one before it did); it failed
reg                   b1_poison_reg;
reg                   b1_bad_reg;

wire [2*DATA_WIDTH-1:0] rot_pair = {b1_data_reg, b1_data_reg} >> {b1_rot_reg, 3'b000};
reg  [DATA_WIDTH-1:0] place_bits;
integer b;
always @* begin
    for (b = 0; b < DATA_WIDTH; b = b + 1) begin
        place_bits[b] = b1_place_reg[b / 8];
    end
end
wire [DATA_WIDTH-1:0] pack_next = (pack_reg & ~place_bits) | (rot_pair[DATA_WIDTH-1:0] & place_bits);
wire unused_rot = &{1'b0, rot_pair[2*DATA_WIDTH-1:DATA_WIDTH]};

always @(posedge clk) begin
    b1_valid_reg  <= r_beat;
    b1_data_reg   <= r_data;
    b1_rot_reg    <= rot0;
    b1_place_reg  <= place0;
    b1_full_reg   <= full0;
    b1_poison_reg <= poison_reg || r_bad;
    b1_bad_reg    <= r_bad;

    // pack_poison_reg is clear at a memory beat: a device burst ends with a complete word.
    beat_data   <= pack_next;
    beat_poison <= b1_poison_reg || pack_poison_reg;
    beat_valid  <= b1_valid_reg && b1_full_reg;
    if (b1_valid_reg) begin
        pack_reg        <= b1_full_reg ? {DATA_WIDTH{1'b0}} : pack_next;
        pack_poison_reg <= !b1_full_reg && (pack_poison_reg || b1_bad_reg);
    end

    if (rst || clear) begin
        b1_valid_reg    <= 1'b0;
        beat_valid      <= 1'b0;
        pack_reg        <= {DATA_WIDTH{1'b0}};
        pack_poison_reg <= 1'b0;
    end
end

assign quiet = !m_axi_arvalid && outstanding_reg == 0 && !b1_valid_reg && !beat_valid;
// Every read of the jobs taken so far is issued (a stop must not cut an
// earlier job short).
assign ready = !busy_reg && !plan_valid;

always @(posedge clk) begin
    err      <= 1'b0;
    dev_done <= 1'b0;

    if (r_beat) begin
        word_off_reg <= r_last ? {SIZE{1'b0}} : word_next;
        dev_done     <= inflight_dev && r_last;
    end

    if (plan_calc && calc_last) begin
        busy_reg <= 1'b0;
    end

    freed_reg  <= fifo_rd_en;
    credit_reg <= issue ? credit_taken[CREDIT_W:1] : credit_kept;
    credit_ok_reg <= issue ? credit_ok_taken : credit_ok_kept;
    outstanding_reg <= outstanding_reg + {{(OUT_W-1){1'b0}}, issue}
                                       - {{(OUT_W-1){1'b0}}, r_burst_done};

    if (r_beat && r_bad && !poison_reg) begin
        poison_reg <= 1'b1;
        err        <= 1'b1;
        err_addr   <= inflight_addr;
        err_seq    <= inflight_seq;
    end

    // A stopped job is abandoned (and so is its plan stage, see plan_inst).
    if (stop) begin
        busy_reg       <= 1'b0;
    end

    if (start && ready) begin
        busy_reg       <= 1'b1;
        seq_reg        <= start_seq;
        dev_reg        <= start_dev;
        size_reg       <= start_size;
        fixed_reg      <= start_fixed;
    end

    if (rst || clear) begin
        busy_reg        <= 1'b0;
        credit_reg      <= FIFO_DEPTH[CREDIT_W-1:0];
        credit_ok_reg   <= 1'b1;
        freed_reg       <= 1'b0;
        outstanding_reg <= 0;
        poison_reg      <= 1'b0;
        err             <= 1'b0;
        dev_done        <= 1'b0;
        word_off_reg    <= {SIZE{1'b0}};
    end
end

endmodule

`resetall
