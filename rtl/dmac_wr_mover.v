// SPDX-License-Identifier: Apache-2.0
// Write back-end: splits each job's destination range into INCR bursts fed by the realigner, and collects the write responses per job.
//
// Three sides work on different jobs at once, in job order: AW announces the
// bursts of the job at the head of the job queue, W sends the realigned beats
// of the bursts announced, B counts the responses of the oldest unfinished
// job and reports its outcome when its last burst is answered.
//
// A burst of at most STORE_FORWARD_MAX beats is announced only when the data
// FIFO already holds every source beat its realigned beats need, so W never
// waits on the read side.  A longer burst (MAX_BURST_LEN above
// STORE_FORWARD_MAX) is announced once STORE_FORWARD_MAX + 1 of its source
// beats are in the FIFO and read bursts for all the others have been issued:
// their beats are sure to come (the read side reserved their FIFO room and
// pushes every beat, a failed one poisoned), so W may wait on R within the
// burst but never for good, and a 256-beat burst does not wait for 256 beats.
// Poisoned beats go out with WSTRB = 0: the burst completes as the protocol
// requires, but memory is not touched.
//
// A device job (writing a peripheral's FIFO register) is one burst of narrow
// beats, one element each (AxSIZE = element width, FIXED or INCR): W takes
// the elements out of the realigned words one by one and puts each in the
// lanes of its address.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_wr_mover #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Longest burst in beats
    parameter MAX_BURST_LEN = 16,
    // Write bursts in flight at most (power of two)
    parameter MAX_OUTSTANDING = 8,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33,
    // Width of the job sequence numbers
    parameter SEQ_W = 4,
    // Data FIFO entries (bounds the source beats waiting to be announced)
    parameter FIFO_DEPTH = 128,
    // Bursts up to this many beats wait for all their source beats (store and
    // forward); longer ones start with this many and one more in the FIFO
    parameter STORE_FORWARD_MAX = 16
) (
    input  wire                         clk,
    input  wire                         rst,
    // Forget everything (the channel stopped and is quiet)
    input  wire                         clear,

    // Next job: destination (bus-word aligned), output and input beats, lead
    input  wire                         job_valid,
    output wire                         job_pop,
    input  wire [ADDR_WIDTH-1:0]        job_addr,
    input  wire [COUNT_WIDTH-1:0]       job_out_beats,
    input  wire [COUNT_WIDTH-1:0]       job_in_beats,
    input  wire                         job_lead,
    // Device job: job_out_beats elements of 2^job_size bytes in one burst
    input  wire                         job_dev,
    input  wire [2:0]                   job_size,
    input  wire                         job_fixed,

    // A source beat went into the data FIFO
    input  wire                         in_push,
    // A read burst was issued: in_commit_m1 + 1 source beats will follow
    input  wire                         in_commit,
    input  wire [$clog2(FIFO_DEPTH):0]  in_commit_m1,
    // The job whose bursts AW announces now (or will announce next)
    output reg  [SEQ_W-1:0]             aw_seq,
    // aw_seq moves on after this cycle
    output wire                         aw_seq_step,
    // Bursts of job aw_seq may be announced
    input  wire                         aw_allow,
    // Announce nothing for now (pause)
    input  wire                         hold,
    // No burst announced and unfinished
    output wire                         quiet,

    // Write address request (AWID chosen by the channel)
    output wire [ADDR_WIDTH-1:0]        aw_addr,
    output wire [7:0]                   aw_len,
    output wire [2:0]                   aw_size,
    output wire [1:0]                   aw_burst,
    output wire                         aw_valid,
    input  wire                         aw_ready,

    // Realigned beats
    input  wire [DATA_WIDTH-1:0]        al_data,
    input  wire [DATA_WIDTH/8-1:0]      al_strb,
    input  wire                         al_poison,
    input  wire                         al_valid,
    output wire                         al_ready,

    // Write data
    output wire [DATA_WIDTH-1:0]        w_data,
    output wire [DATA_WIDTH/8-1:0]      w_strb,
    output wire                         w_last,
    output wire                         w_valid,
    input  wire                         w_ready,

    // Write responses of this channel's data writes
    input  wire [1:0]                   b_resp,
    input  wire                         b_valid,

    // Outcome of the oldest job, when its last burst is answered: beats
    // acknowledged in order before any failure, and whether all went well
    output reg                          jdone,
    output reg  [COUNT_WIDTH-1:0]       jdone_acked,
    output reg                          jdone_ok,
    // Beats of the oldest unfinished job acknowledged so far
    output reg  [COUNT_WIDTH-1:0]       acked,

    // A write response failed
    output reg                          err,
    output reg  [ADDR_WIDTH-1:0]        err_addr,
    output reg  [SEQ_W-1:0]             err_seq
);

localparam DATA_BYTES = DATA_WIDTH / 8;
localparam SIZE = $clog2(DATA_BYTES);

// RESP[0] tells EXOKAY from OKAY and SLVERR from DECERR: both errors are handled alike.
wire unused_resp = &{1'b0, b_resp[0]};

/*
 * AW side: the job being announced
 *
 * A two-stage pipeline, so that no cycle chains wide arithmetic: the plan
 * stage cuts the next burst off the job (length, whether it is the job's
 * last, the source beats it needs) into a register, and the announce stage
 * sends the registered burst once its data is in the FIFO.  The plan stage
 * holds two bursts (a dmac_skid slice, whose head is plan_*) and takes the next one
 * whenever the second entry is free, so its step (which reaches every
 * register of the splitter) does not wait for the announce decision, and
 * bursts can go out back to back.  Source beats are counted relative to the
 * job's progress, so every compare is as narrow as a burst.
 */
localparam AV_W = $clog2(FIFO_DEPTH) + 2;

// Plan stage: what is left of the job at the head of the job queue
reg                   loaded_reg;
// Source beats of the job not claimed by a planned burst (the address and
// the output beats left are the splitter's)
reg [COUNT_WIDTH-1:0] in_left_reg;
reg                   lead_reg;
reg                   dev_reg;
reg [2:0]             size_reg;
reg                   fixed_reg;

// Source beats in the FIFO beyond those the announced bursts claimed
reg [AV_W-1:0]        avail_reg;

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
    .load(job_pop),
    .load_addr(job_addr),
    .load_beats(job_out_beats),
    .step(plan_calc),
    .ready(split_ready),
    .addr(split_addr),
    .left_m1(split_left_m1),
    .last(split_last),
    .len(split_len),
    .cap_m1(split_cap_m1),
    .cap_neg(split_cap_neg)
);
wire unused_split = &{1'b0, split_left_m1[COUNT_WIDTH-1:8]};

// A device job is one burst (the channel keeps it within MAX_BURST_LEN and 4 KiB).
wire       calc_last = dev_reg || split_last;
wire [7:0] calc_len  = dev_reg ? split_left_m1[7:0] : split_len;
// Source beats the burst claims: its own output beats, the job's last
// burst all the source beats left (one more or less than its outputs).
// Output k takes input k, and input k+1 with a lead, so a burst that is not
// the job's last needs one beat more than it claims with a lead; the last
// one needs just what is left.  Each is at most one adder from registers:
// the cap plus one or two, or the source beats left negated.
wire [9:0]      cap_need   = {1'b0, split_cap_m1} + {8'd0, lead_reg, !lead_reg};
wire [9:0]      calc_need  = calc_last ? in_left_reg[9:0] : cap_need;
wire [AV_W-1:0] left_neg   = -in_left_reg[AV_W-1:0];
wire [AV_W-1:0] calc_nclaim = calc_last ? left_neg : split_cap_neg[AV_W-1:0];

// Announce stage: the planned burst, head of a two-entry plan stage (a
// dmac_skid slice; the plan stage takes a burst whenever the second entry
// is free, plan_room): address, length less one, whether it is the job's
// last, the source beats it needs in the FIFO and minus those it takes
// from the count, device, size, FIXED
localparam PLAN_W = ADDR_WIDTH + 8 + 1 + 10 + AV_W + 5;
wire                  plan_room;
wire                  plan_valid;
wire [ADDR_WIDTH-1:0] plan_addr;
wire [7:0]            plan_len;
wire                  plan_last;
wire [9:0]            plan_need;
wire [AV_W-1:0]       plan_nclaim;
wire                  plan_dev;
wire [2:0]            plan_size;
wire                  plan_fixed;
wire                  issue;

dmac_skid #(
    .WIDTH(PLAN_W)
) plan_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_data({split_addr, calc_len, calc_last, calc_need, calc_nclaim, dev_reg, size_reg, fixed_reg}),
    .s_valid(plan_calc),
    .s_ready(plan_room),
    .m_data({plan_addr, plan_len, plan_last, plan_need, plan_nclaim, plan_dev, plan_size, plan_fixed}),
    .m_valid(plan_valid),
    .m_ready(issue)
);

localparam CMP_W = AV_W > 10 ? AV_W : 10;
wire [CMP_W-1:0] avail_cmp = {{(CMP_W-AV_W){1'b0}}, avail_reg};
wire [CMP_W-1:0] need_cmp  = {{(CMP_W-10){1'b0}}, plan_need};
// Whether the FIFO holds the head burst's source beats comes from two
// registered flags: enough for any burst (a burst needs at most
// MAX_BURST_LEN + 1 source beats), worked out for an announce and for none
// and chosen by it; or enough for the head itself, from the compare of the
// cycle before (have_head_reg), valid while the head stayed (head_new_reg
// clear: then nothing was claimed and the count only grew).  A burst that
// finds fewer than MAX_BURST_LEN + 1 beats waits one cycle more.
localparam integer NEED_MAX_I = MAX_BURST_LEN + 1;
localparam [CMP_W-1:0] NEED_MAX = NEED_MAX_I[CMP_W-1:0];
reg  have_any_reg;
reg  have_head_reg;
reg  head_new_reg;
wire have_cut;
wire have_data = have_any_reg || (have_head_reg && !head_new_reg) || have_cut;
// A claim is at most a burst and one, which FIFO_DEPTH >= MAX_BURST_LEN
// holds: AV_W bits hold it and its negation.

wire wq_full;
wire bq_full;

// AW leaves through a register slice, so the announce waits on its room
// (a flip-flop), never on AWREADY.
wire aw_room;

dmac_ax_slice #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH)
) aw_slice_inst (
    .clk(clk),
    .rst(rst || clear),
    .s_addr(plan_addr),
    .s_len(plan_len),
    .s_dev(plan_dev),
    .s_size(plan_size),
    .s_fixed(plan_fixed),
    .s_valid(issue),
    .s_ready(aw_room),
    .m_addr(aw_addr),
    .m_len(aw_len),
    .m_size(aw_size),
    .m_burst(aw_burst),
    .m_valid(aw_valid),
    .m_ready(aw_ready)
);
assign issue = plan_valid && aw_allow && !hold && aw_room && !wq_full && !bq_full && have_data;
assign plan_calc = loaded_reg && split_ready && plan_room;

// Source beats available after this cycle, worked out for an announce and
// for none in parallel and chosen by it: an announce takes the planned
// burst's claim, a push into the FIFO adds one.
wire [AV_W-1:0] avail_kept  = avail_reg + {{(AV_W-1){1'b0}}, in_push};
wire [AV_W:0]   avail_taken = {avail_reg, 1'b1} + {plan_nclaim, in_push};
wire unused_taken = &{1'b0, avail_taken[0]};
wire [CMP_W-1:0] avail_kept_cmp  = {{(CMP_W-AV_W){1'b0}}, avail_kept};
wire [CMP_W-1:0] avail_taken_cmp = {{(CMP_W-AV_W){1'b0}}, avail_taken[AV_W:1]};
// With cut-through a burst may claim beats still on their way, so the count
// goes below zero (two's complement; AV_W holds -(MAX_BURST_LEN + 1)) and
// its sign bit gates every compare.  Store and forward never claims more than
// is there: the sign bit is then always clear and drops out.
localparam CUT_ON = MAX_BURST_LEN > STORE_FORWARD_MAX;
wire             avail_neg       = CUT_ON && avail_reg[AV_W-1];
wire             avail_kept_neg  = CUT_ON && avail_kept[AV_W-1];
wire             avail_taken_neg = CUT_ON && avail_taken[AV_W];
wire             any_kept  = avail_kept_cmp >= NEED_MAX && !avail_kept_neg;
wire             any_taken = avail_taken_cmp >= NEED_MAX && !avail_taken_neg;

assign job_pop = job_valid && !loaded_reg;
assign aw_seq_step = issue && plan_last;

/*
 * W side: bursts announced, in order
 *
 * The burst being sent is held in registers (h_*), loaded from the queue's
 * head when the previous one's last beat goes, so the next burst's beats
 * follow without a gap.  Whether the beat is the burst's last and whether
 * it uses up the realigned word are flags worked out a beat ahead, so the
 * realigner's ready is a gate of flip-flops (none of it comes from the
 * queue's LUT RAM or from a compare).
 */
wire            wq_valid;
wire [7:0]      wq_len;
wire            wq_dev;
wire [2:0]      wq_size;
wire            wq_fixed;
wire [SIZE-1:0] wq_lane;
wire            wq_pop;

reg             h_valid_reg;
reg  [7:0]      h_left_reg;     // beats after this one
reg             h_last_reg;     // this beat is the burst's last
reg             h_dev_reg;
reg  [2:0]      h_size_reg;
reg             h_fixed_reg;
reg  [SIZE-1:0] h_lane_reg;
reg  [8:0]      wgood_reg;
reg             wpoison_reg;

wire w_fire = w_valid && w_ready;
wire w_done = w_fire && w_last;
assign wq_pop = wq_valid && (!h_valid_reg || w_done);

dmac_fifo #(
    .WIDTH(8 + 5 + SIZE),
    .DEPTH(MAX_OUTSTANDING)
) w_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({plan_addr[SIZE-1:0], plan_fixed, plan_size, plan_dev, plan_len}),
    .wr_en(issue),
    .full(wq_full),
    .rd_data({wq_lane, wq_fixed, wq_size, wq_dev, wq_len}),
    .rd_valid(wq_valid),
    .rd_en(wq_pop),
    .count()
);

// Device element k: bytes (k * 2^size) mod DATA_BYTES of the current word
// (word_off_reg, stepped by the element width per beat), to the lanes of
// its address (the burst's for FIXED, k elements further for INCR): one
// rotation by their distance.  Lanes outside the element carry no strobe.
// The rotation and the element's strobes are registered a beat ahead
// (rot_reg, dev_strb_reg: worked out from the next element's offset when a
// beat goes, from the queue's head when a burst is loaded), so the beat
// path is the rotation's multiplexers alone.
// wrap_reg: this element ends the word (word_off_reg + step wraps to 0).
reg  [SIZE-1:0]       word_off_reg;
reg                   wrap_reg;
reg  [SIZE-1:0]       rot_reg;
reg  [DATA_BYTES-1:0] dev_strb_reg;
wire [SIZE-1:0]       elem_step = {{(SIZE-1){1'b0}}, 1'b1} << h_size_reg;
wire [SIZE-1:0]       word_next = word_off_reg + elem_step;
wire [SIZE-1:0]       word_next2 = word_next + elem_step;
// The next element's lanes and rotation: for INCR the rotation stays.
wire [SIZE-1:0]       lane_next = h_fixed_reg ? h_lane_reg : h_lane_reg + word_next;
wire [SIZE-1:0]       rot_next  = h_fixed_reg ? word_next - h_lane_reg : rot_reg;
wire [DATA_BYTES-1:0] elem_strb = ~({DATA_BYTES{1'b1}} << (9'd1 << h_size_reg));
// For a burst being loaded: its first element (word offset 0) goes to the
// lanes of the burst's address, and ends the word when it is a whole word.
wire [SIZE-1:0]       load_step = {{(SIZE-1){1'b0}}, 1'b1} << wq_size;
wire [DATA_BYTES-1:0] load_strb = ~({DATA_BYTES{1'b1}} << (9'd1 << wq_size));
wire [2*DATA_WIDTH-1:0] rot_pair = {al_data, al_data} >> {rot_reg, 3'b000};
// The word is used up when this element took its last byte, or the burst ends.
wire                  word_done = !h_dev_reg || wrap_reg || h_last_reg;
wire unused_rot = &{1'b0, rot_pair[2*DATA_WIDTH-1:DATA_WIDTH]};

assign w_valid  = h_valid_reg && al_valid;
assign al_ready = h_valid_reg && w_ready && word_done;
assign w_data   = h_dev_reg ? rot_pair[DATA_WIDTH-1:0] : al_data;
assign w_strb   = al_poison ? {DATA_BYTES{1'b0}} : h_dev_reg ? dev_strb_reg : al_strb;
assign w_last   = h_last_reg;

always @(posedge clk) begin
    if (w_fire) begin
        h_left_reg   <= h_left_reg - 8'd1;
        h_last_reg   <= h_left_reg == 8'd1;
        word_off_reg <= word_next;
        wrap_reg     <= word_next2 == {SIZE{1'b0}};
        rot_reg      <= rot_next;
        dev_strb_reg <= elem_strb << lane_next;
        wgood_reg    <= wgood_next;
        wpoison_reg  <= wpoison_next;
    end
    if (w_done) begin
        h_valid_reg <= 1'b0;
    end
    if (wq_pop) begin
        h_valid_reg  <= 1'b1;
        h_left_reg   <= wq_len;
        h_last_reg   <= wq_len == 8'd0;
        h_dev_reg    <= wq_dev;
        h_size_reg   <= wq_size;
        h_fixed_reg  <= wq_fixed;
        h_lane_reg   <= wq_lane;
        word_off_reg <= {SIZE{1'b0}};
        wrap_reg     <= load_step == {SIZE{1'b0}};
        rot_reg      <= {SIZE{1'b0}} - wq_lane;
        dev_strb_reg <= load_strb << wq_lane;
        wgood_reg    <= 9'd0;
        wpoison_reg  <= 1'b0;
    end
    if (rst || clear) begin
        h_valid_reg <= 1'b0;
    end
end

// Per finished burst: beats sent before its first poisoned one, and whether it had one.
wire [8:0] wgood_next   = (wpoison_reg || al_poison) ? wgood_reg : wgood_reg + 9'd1;
wire       wpoison_next = wpoison_reg || al_poison;
wire [8:0] wd_good;
wire       wd_poison;

dmac_fifo #(
    .WIDTH(10),
    .DEPTH(MAX_OUTSTANDING)
) w_done_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({wpoison_next, wgood_next}),
    .wr_en(w_done),
    .full(),
    .rd_data({wd_poison, wd_good}),
    .rd_valid(),
    .rd_en(b_valid),
    .count()
);

/*
 * Cut-through of long bursts: source beats requested (read bursts issued)
 * beyond those the announced bursts claimed, counted like avail_reg, and the
 * same two registered flags (for any burst, for the head) over both counts.
 */
generate
if (CUT_ON) begin : g_cut
    localparam integer CUT_I = STORE_FORWARD_MAX + 1;
    localparam [CMP_W-1:0] CUT = CUT_I[CMP_W-1:0];
    reg  [AV_W-1:0]  commit_reg;
    // What this cycle adds: the words of the read burst issued a cycle before
    reg  [AV_W-1:0]  commit_add_reg;
    reg              cut_any_reg;
    reg              cut_head_reg;
    wire [AV_W-1:0]  commit_kept  = commit_reg + commit_add_reg;
    wire [AV_W-1:0]  commit_taken = commit_kept + plan_nclaim;
    wire [CMP_W-1:0] commit_cmp       = {{(CMP_W-AV_W){1'b0}}, commit_reg};
    wire [CMP_W-1:0] commit_kept_cmp  = {{(CMP_W-AV_W){1'b0}}, commit_kept};
    wire [CMP_W-1:0] commit_taken_cmp = {{(CMP_W-AV_W){1'b0}}, commit_taken};
    // Enough of the burst is here, or W is still busy with an earlier burst
    // (the burst's beats then have that burst's time to arrive; only the
    // bound on a W stall depends on it, never what is written)
    wire cut_kept  = (avail_kept_cmp >= CUT && !avail_kept_neg || h_valid_reg)
                  && commit_kept_cmp >= NEED_MAX;
    wire cut_taken = (avail_taken_cmp >= CUT && !avail_taken_neg || h_valid_reg)
                  && commit_taken_cmp >= NEED_MAX;

    assign have_cut = cut_any_reg || (cut_head_reg && !head_new_reg);

    always @(posedge clk) begin
        commit_add_reg <= in_commit ? {{(AV_W-1-$clog2(FIFO_DEPTH)){1'b0}}, in_commit_m1} + 1'b1
                                    : {AV_W{1'b0}};
        commit_reg     <= issue ? commit_taken : commit_kept;
        cut_any_reg    <= issue ? cut_taken : cut_kept;
        cut_head_reg   <= (avail_cmp >= CUT && !avail_neg || h_valid_reg) && commit_cmp >= need_cmp;
        if (rst || clear) begin
            commit_add_reg <= {AV_W{1'b0}};
            commit_reg     <= {AV_W{1'b0}};
            cut_any_reg    <= 1'b0;
            cut_head_reg   <= 1'b0;
        end
    end
end else begin : g_store_forward
    assign have_cut = 1'b0;
    wire unused_commit = &{1'b0, in_commit, in_commit_m1};
end
endgenerate

/*
 * B side: responses, in order, counted per job
 */
wire                  bq_valid;
wire [ADDR_WIDTH-1:0] bq_addr;
wire                  bq_last;
wire [SEQ_W-1:0]      bq_seq;
reg                   job_bad_reg;

dmac_fifo #(
    .WIDTH(ADDR_WIDTH + 1 + SEQ_W),
    .DEPTH(MAX_OUTSTANDING)
) b_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(clear),
    .wr_data({aw_seq, plan_last, plan_addr}),
    .wr_en(issue),
    .full(bq_full),
    .rd_data({bq_seq, bq_last, bq_addr}),
    .rd_valid(bq_valid),
    .rd_en(b_valid),
    .count()
);

assign quiet = !aw_valid && !wq_valid && !h_valid_reg && !bq_valid;

wire                   b_bad   = b_resp[1];
// Beats sent before the first poisoned one: all of them (len + 1) when none
// was, so no adder comes before the count's.
wire [COUNT_WIDTH-1:0] b_beats = {{(COUNT_WIDTH-9){1'b0}}, wd_good};
wire [COUNT_WIDTH-1:0] acked_next = (job_bad_reg || b_bad) ? acked : acked + b_beats;
wire                   bad_next   = job_bad_reg || b_bad || wd_poison;

always @(posedge clk) begin
    err      <= 1'b0;
    jdone    <= 1'b0;

    if (issue && plan_last) begin
        aw_seq <= aw_seq + 1'b1;
    end

    avail_reg     <= issue ? avail_taken[AV_W:1] : avail_kept;
    have_any_reg  <= issue ? any_taken : any_kept;
    have_head_reg <= avail_cmp >= need_cmp && !avail_neg;
    head_new_reg  <= !plan_valid || issue;


    if (plan_calc) begin
        // Stepped by the cap: after the job's last burst it is not used.
        in_left_reg    <= in_left_reg + split_cap_neg;
        if (calc_last) begin
            loaded_reg <= 1'b0;
        end
    end

    if (job_pop) begin
        loaded_reg     <= 1'b1;
        in_left_reg    <= job_in_beats;
        lead_reg       <= job_lead;
        dev_reg        <= job_dev;
        size_reg       <= job_size;
        fixed_reg      <= job_fixed;
    end

    if (b_valid) begin
        if (b_bad) begin
            err      <= 1'b1;
            err_addr <= bq_addr;
            err_seq  <= bq_seq;
        end
        acked       <= acked_next;
        job_bad_reg <= bad_next;
        if (bq_last) begin
            jdone       <= 1'b1;
            jdone_acked <= acked_next;
            jdone_ok    <= !bad_next;
            acked       <= 0;
            job_bad_reg <= 1'b0;
        end
    end

    if (rst || clear) begin
        loaded_reg     <= 1'b0;
        avail_reg      <= {AV_W{1'b0}};
        have_any_reg   <= 1'b0;
        head_new_reg   <= 1'b1;
        aw_seq         <= 0;
        acked          <= 0;
        job_bad_reg    <= 1'b0;
        err            <= 1'b0;
        jdone          <= 1'b0;
    end
end

endmodule

`resetall
