// SPDX-License-Identifier: Apache-2.0
// Formal properties of an AXI4 master port: asserts on what the master drives, assumes on the slave.
//
// Connected to the m_axi_* ports of the design only (no internal names), so
// it holds through any change inside the controller.  Property labels follow
// the rule names of ARM's AXI4 protocol checker (prefix AXI4_ left out, see
// ../shared/reference/axi4-protocol-rules.md); labels starting with ENV_
// constrain the slave (the memory or interconnect) and are assumptions.
//
// Bookkeeping, all reset by rst:
//   - per ID, the ARLEN of every read burst accepted and not yet answered
//     with RLAST (a queue of RD_DEPTH entries) and the R beat count of the
//     oldest, so the slave returns exactly ARLEN+1 beats per burst, in order
//     per ID and interleaved across IDs as it likes;
//   - in AW order, the AWLEN and AWID of every write burst accepted whose W
//     beats have not all gone (W follows AW order: AXI4 has no WID), and the
//     W beat count of the oldest;
//   - per ID, the write bursts whose AW and last W beat both went and whose
//     B has not come yet (the B the slave may give), and the write bursts
//     accepted on AW and not yet answered.
// The queues are sized so that the asserted bounds on outstanding bursts
// keep them from overflowing: the model is sound only while those bounds
// hold, and they are asserted.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi4_master_props #(
    // Width of the AXI4 data bus in bits
    parameter DATA_WIDTH = 32,
    // Width of the AXI4 address in bits
    parameter ADDR_WIDTH = 32,
    // Width of the AXI4 IDs
    parameter ID_WIDTH = 2,
    // Bit of the ID that tells a data burst (0) from a descriptor or status burst (1)
    parameter KIND_BIT = 1,
    // Longest data burst in beats (AxLEN of kind 0 at most MAX_BURST_LEN-1)
    parameter MAX_BURST_LEN = 4,
    // Longest descriptor read in beats (ARLEN of kind 1 at most this less one)
    parameter MAX_DESC_LEN = 8,
    // Longest status write in beats (AWLEN of kind 1 at most this less one)
    parameter MAX_STATUS_LEN = 2,
    // Read bursts in flight per ID at most, data and descriptor kind
    parameter MAX_RD_DATA = 2,
    parameter MAX_RD_DESC = 1,
    // Write bursts in flight (AW accepted, B not yet) per ID at most, data and status kind
    parameter MAX_WR_DATA = 2,
    parameter MAX_WR_STATUS = 1,
    // Write bursts accepted on AW whose W beats have not all gone, at most
    parameter MAX_W_OWED = 4,
    // Longest wait of the slave on AxREADY and WREADY, in cycles (bounded latency)
    parameter SLAVE_MAX_WAIT = 3
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire [ID_WIDTH-1:0]     m_axi_awid,
    input  wire [ADDR_WIDTH-1:0]   m_axi_awaddr,
    input  wire [7:0]              m_axi_awlen,
    input  wire [2:0]              m_axi_awsize,
    input  wire [1:0]              m_axi_awburst,
    input  wire                    m_axi_awlock,
    input  wire [3:0]              m_axi_awcache,
    input  wire [2:0]              m_axi_awprot,
    input  wire                    m_axi_awvalid,
    input  wire                    m_axi_awready,
    input  wire [DATA_WIDTH-1:0]   m_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0] m_axi_wstrb,
    input  wire                    m_axi_wlast,
    input  wire                    m_axi_wvalid,
    input  wire                    m_axi_wready,
    input  wire [ID_WIDTH-1:0]     m_axi_bid,
    input  wire [1:0]              m_axi_bresp,
    input  wire                    m_axi_bvalid,
    input  wire                    m_axi_bready,
    input  wire [ID_WIDTH-1:0]     m_axi_arid,
    input  wire [ADDR_WIDTH-1:0]   m_axi_araddr,
    input  wire [7:0]              m_axi_arlen,
    input  wire [2:0]              m_axi_arsize,
    input  wire [1:0]              m_axi_arburst,
    input  wire                    m_axi_arlock,
    input  wire [3:0]              m_axi_arcache,
    input  wire [2:0]              m_axi_arprot,
    input  wire                    m_axi_arvalid,
    input  wire                    m_axi_arready,
    input  wire [ID_WIDTH-1:0]     m_axi_rid,
    input  wire [DATA_WIDTH-1:0]   m_axi_rdata,
    input  wire [1:0]              m_axi_rresp,
    input  wire                    m_axi_rlast,
    input  wire                    m_axi_rvalid,
    input  wire                    m_axi_rready,

    // Bookkeeping, for covers in the wrapper
    output wire                    f_ar_fire,
    output wire                    f_aw_fire,
    output wire                    f_w_fire,
    output wire                    f_r_fire,
    output wire                    f_b_fire,
    // A read burst in flight (of any ID), a write response owed (of any ID)
    output wire                    f_rd_pending,
    output wire                    f_b_pending
);

`ifdef FORMAL

localparam NUM_IDS = 1 << ID_WIDTH;
localparam SIZE = $clog2(DATA_WIDTH / 8);
localparam RD_DEPTH = (MAX_RD_DATA > MAX_RD_DESC ? MAX_RD_DATA : MAX_RD_DESC) + 1;
localparam W_DEPTH = MAX_W_OWED + 1;
localparam CNT_W = 4;
localparam LANES = DATA_WIDTH / 8;
localparam LANE_W = SIZE > 0 ? SIZE : 1;

assign f_ar_fire = m_axi_arvalid && m_axi_arready;
assign f_aw_fire = m_axi_awvalid && m_axi_awready;
assign f_w_fire  = m_axi_wvalid && m_axi_wready;
assign f_r_fire  = m_axi_rvalid && m_axi_rready;
assign f_b_fire  = m_axi_bvalid && m_axi_bready;

reg f_past_valid = 1'b0;
reg f_past_rst = 1'b1;
always @(posedge clk) begin
    f_past_valid <= 1'b1;
    f_past_rst   <= rst;
end

// Reset is applied in the first cycle (it may come again at any time).
always @(*) begin
    if (!f_past_valid) begin
        assume (rst);
    end
end

// A stall check holds from the cycle after a reset has been released.
wire f_check = f_past_valid && !f_past_rst && !rst;

/*
 * Master: VALID low after reset (ERRM_*VALID_RESET)
 */
always @(posedge clk) begin
    if (f_past_valid && f_past_rst) begin
        ERRM_AWVALID_RESET: assert (!m_axi_awvalid);
        ERRM_WVALID_RESET:  assert (!m_axi_wvalid);
        ERRM_ARVALID_RESET: assert (!m_axi_arvalid);
    end
end

/*
 * Master: VALID held until READY, payload stable meanwhile
 */
always @(posedge clk) begin
    if (f_check && $past(m_axi_awvalid && !m_axi_awready)) begin
        ERRM_AWVALID_STABLE: assert (m_axi_awvalid);
        ERRM_AWID_STABLE:    assert (m_axi_awid == $past(m_axi_awid));
        ERRM_AWADDR_STABLE:  assert (m_axi_awaddr == $past(m_axi_awaddr));
        ERRM_AWLEN_STABLE:   assert (m_axi_awlen == $past(m_axi_awlen));
        ERRM_AWSIZE_STABLE:  assert (m_axi_awsize == $past(m_axi_awsize));
        ERRM_AWBURST_STABLE: assert (m_axi_awburst == $past(m_axi_awburst));
        ERRM_AWLOCK_STABLE:  assert (m_axi_awlock == $past(m_axi_awlock));
        ERRM_AWCACHE_STABLE: assert (m_axi_awcache == $past(m_axi_awcache));
        ERRM_AWPROT_STABLE:  assert (m_axi_awprot == $past(m_axi_awprot));
    end
    if (f_check && $past(m_axi_arvalid && !m_axi_arready)) begin
        ERRM_ARVALID_STABLE: assert (m_axi_arvalid);
        ERRM_ARID_STABLE:    assert (m_axi_arid == $past(m_axi_arid));
        ERRM_ARADDR_STABLE:  assert (m_axi_araddr == $past(m_axi_araddr));
        ERRM_ARLEN_STABLE:   assert (m_axi_arlen == $past(m_axi_arlen));
        ERRM_ARSIZE_STABLE:  assert (m_axi_arsize == $past(m_axi_arsize));
        ERRM_ARBURST_STABLE: assert (m_axi_arburst == $past(m_axi_arburst));
        ERRM_ARLOCK_STABLE:  assert (m_axi_arlock == $past(m_axi_arlock));
        ERRM_ARCACHE_STABLE: assert (m_axi_arcache == $past(m_axi_arcache));
        ERRM_ARPROT_STABLE:  assert (m_axi_arprot == $past(m_axi_arprot));
    end
    if (f_check && $past(m_axi_wvalid && !m_axi_wready)) begin
        ERRM_WVALID_STABLE: assert (m_axi_wvalid);
        // Stricter than the rule (which compares strobed lanes only): all of WDATA.
        ERRM_WDATA_STABLE:  assert (m_axi_wdata == $past(m_axi_wdata));
        ERRM_WSTRB_STABLE:  assert (m_axi_wstrb == $past(m_axi_wstrb));
        ERRM_WLAST_STABLE:  assert (m_axi_wlast == $past(m_axi_wlast));
    end
end

/*
 * Master: burst shape
 */
// Bytes from the start address to the end of its 4 KiB page, and the burst's bytes
function f_crosses_4k;
    input [11:0] addr;
    input [7:0]  len;
    input [2:0]  size;
    reg   [20:0] bytes;
    begin
        bytes = {13'd0, len} + 21'd1;
        bytes = bytes << size;
        f_crosses_4k = ({9'd0, addr} + bytes) > 21'd4096;
    end
endfunction

always @(*) begin
    if (!rst && m_axi_awvalid) begin
        ERRM_AWBURST:         assert (m_axi_awburst != 2'b11);
        // The controller issues INCR and FIXED bursts only, never WRAP.
        AWBURST_NO_WRAP:      assert (m_axi_awburst != 2'b10);
        ERRM_AWSIZE:          assert (m_axi_awsize <= SIZE[2:0]);
        ERRM_AWLEN_FIXED:     assert (m_axi_awburst != 2'b00 || m_axi_awlen <= 8'd15);
        ERRM_AWADDR_BOUNDARY: assert (m_axi_awburst != 2'b01
                                      || !f_crosses_4k(m_axi_awaddr[11:0], m_axi_awlen, m_axi_awsize));
        // Normal accesses only: no exclusive access is ever issued.
        ERRM_AWLOCK:          assert (!m_axi_awlock);
        ERRM_AWCACHE:         assert (m_axi_awcache[1] || m_axi_awcache[3:2] == 2'b00);
        AWLEN_MAX_DATA:       assert (m_axi_awid[KIND_BIT] || m_axi_awlen <= MAX_BURST_LEN - 1);
        AWLEN_MAX_STATUS:     assert (!m_axi_awid[KIND_BIT] || m_axi_awlen <= MAX_STATUS_LEN - 1);
    end
    if (!rst && m_axi_arvalid) begin
        ERRM_ARBURST:         assert (m_axi_arburst != 2'b11);
        ARBURST_NO_WRAP:      assert (m_axi_arburst != 2'b10);
        ERRM_ARSIZE:          assert (m_axi_arsize <= SIZE[2:0]);
        ERRM_ARLEN_FIXED:     assert (m_axi_arburst != 2'b00 || m_axi_arlen <= 8'd15);
        ERRM_ARADDR_BOUNDARY: assert (m_axi_arburst != 2'b01
                                      || !f_crosses_4k(m_axi_araddr[11:0], m_axi_arlen, m_axi_arsize));
        ERRM_ARLOCK:          assert (!m_axi_arlock);
        ERRM_ARCACHE:         assert (m_axi_arcache[1] || m_axi_arcache[3:2] == 2'b00);
        ARLEN_MAX_DATA:       assert (m_axi_arid[KIND_BIT] || m_axi_arlen <= MAX_BURST_LEN - 1);
        ARLEN_MAX_DESC:       assert (!m_axi_arid[KIND_BIT] || m_axi_arlen <= MAX_DESC_LEN - 1);
    end
end

/*
 * Write data: the bursts owed on W, in AW order (length, ID, and for the
 * strobes the start address's byte lane, the size and FIXED)
 */
reg [7:0]          wq_len   [0:W_DEPTH-1];
reg [ID_WIDTH-1:0] wq_id    [0:W_DEPTH-1];
reg [LANE_W-1:0]   wq_lane  [0:W_DEPTH-1];
reg [2:0]          wq_size  [0:W_DEPTH-1];
reg                wq_fixed [0:W_DEPTH-1];
reg [CNT_W-1:0]    w_owed;
reg [7:0]          w_beat;
wire               w_end = f_w_fire && m_axi_wlast;
wire [CNT_W-1:0]   w_owed_after_pop = w_owed - {{(CNT_W-1){1'b0}}, w_end};

integer i;
always @(posedge clk) begin
    if (w_end) begin
        for (i = 0; i < W_DEPTH - 1; i = i + 1) begin
            wq_len[i]   <= wq_len[i + 1];
            wq_id[i]    <= wq_id[i + 1];
            wq_lane[i]  <= wq_lane[i + 1];
            wq_size[i]  <= wq_size[i + 1];
            wq_fixed[i] <= wq_fixed[i + 1];
        end
    end
    if (f_aw_fire) begin
        wq_len[w_owed_after_pop]   <= m_axi_awlen;
        wq_id[w_owed_after_pop]    <= m_axi_awid;
        wq_lane[w_owed_after_pop]  <= m_axi_awaddr[LANE_W-1:0];
        wq_size[w_owed_after_pop]  <= m_axi_awsize;
        wq_fixed[w_owed_after_pop] <= m_axi_awburst == 2'b00;
    end
    w_owed <= w_owed_after_pop + {{(CNT_W-1){1'b0}}, f_aw_fire};
    if (f_w_fire) begin
        w_beat <= m_axi_wlast ? 8'd0 : w_beat + 8'd1;
    end
    if (rst) begin
        w_owed <= {CNT_W{1'b0}};
        w_beat <= 8'd0;
    end
end

// Byte lanes a W beat may strobe (AXI4 A3.4.3): beat `beat` of a burst
// starting at byte lane `start` of the bus with `size`; the first beat (and
// every beat of a FIXED burst) from the start address up to the end of its
// size-aligned container, the later beats of an INCR burst the whole
// container at start aligned + beat * 2^size, modulo the bus width.
function [LANES-1:0] f_wstrb_lanes;
    input [LANE_W-1:0] start;
    input [2:0]        size;
    input              fixed;
    input [7:0]        beat;
    reg   [15:0]       nbytes;
    reg   [15:0]       aligned;
    reg   [15:0]       lo;
    reg   [15:0]       hi;
    integer            b;
    begin
        nbytes  = 16'd1 << size;
        aligned = {{(16-LANE_W){1'b0}}, start} & ~(nbytes - 16'd1);
        if (fixed || beat == 8'd0) begin
            lo = {{(16-LANE_W){1'b0}}, start};
        end else begin
            lo = (aligned + ({8'd0, beat} << size)) & (LANES - 1);
        end
        hi = (fixed || beat == 8'd0 ? aligned : lo) + nbytes - 16'd1;
        for (b = 0; b < LANES; b = b + 1) begin
            f_wstrb_lanes[b] = b >= lo && b <= hi;
        end
    end
endfunction

wire [LANES-1:0] w_lanes = f_wstrb_lanes(wq_lane[0], wq_size[0], wq_fixed[0], w_beat);

always @(*) begin
    if (!rst) begin
        // Strobes only on the byte lanes of the beat's transfer (nothing
        // written outside what address, size and beat number allow).
        ERRM_WSTRB:      assert (!m_axi_wvalid || w_owed == {CNT_W{1'b0}} || (m_axi_wstrb & ~w_lanes) == 0);
        // The controller never sends a W beat before its burst's AW handshake
        // (stricter than AXI4, which allows W first).
        W_AFTER_AW:      assert (!m_axi_wvalid || w_owed != {CNT_W{1'b0}});
        ERRM_WDATA_NUM:  assert (!m_axi_wvalid || m_axi_wlast == (w_beat == wq_len[0]));
        W_BEAT_IN_BURST: assert (w_owed == {CNT_W{1'b0}} || w_beat <= wq_len[0]);
        W_OWED_MAX:      assert (w_owed <= MAX_W_OWED);
        W_IDLE_NO_BEAT:  assert (w_owed != {CNT_W{1'b0}} || w_beat == 8'd0);
    end
end

/*
 * Per ID: reads in flight, write responses owed
 */
wire [NUM_IDS-1:0] f_rd_over;
wire [NUM_IDS-1:0] f_wr_over;
wire [NUM_IDS-1:0] f_b_over;
wire [NUM_IDS-1:0] f_r_beat_bad;
wire [NUM_IDS-1:0] f_rd_busy;
wire [NUM_IDS-1:0] f_r_last_at;
wire [NUM_IDS-1:0] f_b_owed;

genvar d;
generate
    for (d = 0; d < NUM_IDS; d = d + 1) begin : g_id
        localparam [ID_WIDTH-1:0] ID = d;
        localparam IS_KIND = (d >> KIND_BIT) & 1;
        localparam MAX_RD = IS_KIND ? MAX_RD_DESC : MAX_RD_DATA;
        localparam MAX_WR = IS_KIND ? MAX_WR_STATUS : MAX_WR_DATA;

        // Reads: ARLEN of each burst in flight, oldest first, and the beat of the oldest
        reg [7:0]       rq_len [0:RD_DEPTH-1];
        reg [CNT_W-1:0] rd_cnt;
        reg [7:0]       r_beat;
        wire            ar_push = f_ar_fire && m_axi_arid == ID;
        wire            r_hit   = f_r_fire && m_axi_rid == ID;
        wire            r_pop   = r_hit && m_axi_rlast;
        wire [CNT_W-1:0] rd_after_pop = rd_cnt - {{(CNT_W-1){1'b0}}, r_pop};
        integer j;
        always @(posedge clk) begin
            if (r_pop) begin
                for (j = 0; j < RD_DEPTH - 1; j = j + 1) begin
                    rq_len[j] <= rq_len[j + 1];
                end
            end
            if (ar_push) begin
                rq_len[rd_after_pop] <= m_axi_arlen;
            end
            rd_cnt <= rd_after_pop + {{(CNT_W-1){1'b0}}, ar_push};
            if (r_hit) begin
                r_beat <= m_axi_rlast ? 8'd0 : r_beat + 8'd1;
            end
            if (rst) begin
                rd_cnt <= {CNT_W{1'b0}};
                r_beat <= 8'd0;
            end
        end

        // Writes: accepted on AW and not answered, and answerable (AW and last W went)
        reg [CNT_W-1:0] wr_cnt;
        reg [CNT_W-1:0] b_owed;
        wire            aw_push = f_aw_fire && m_axi_awid == ID;
        wire            w_done  = w_end && wq_id[0] == ID;
        wire            b_hit   = f_b_fire && m_axi_bid == ID;
        always @(posedge clk) begin
            wr_cnt <= wr_cnt + {{(CNT_W-1){1'b0}}, aw_push} - {{(CNT_W-1){1'b0}}, b_hit};
            b_owed <= b_owed + {{(CNT_W-1){1'b0}}, w_done} - {{(CNT_W-1){1'b0}}, b_hit};
            if (rst) begin
                wr_cnt <= {CNT_W{1'b0}};
                b_owed <= {CNT_W{1'b0}};
            end
        end

        // Per-ID results, checked once for all IDs below (labels are unique)
        assign f_rd_over[d]   = rd_cnt > MAX_RD;
        assign f_wr_over[d]   = wr_cnt > MAX_WR;
        assign f_b_over[d]    = b_owed > wr_cnt;
        assign f_r_beat_bad[d] = (rd_cnt != {CNT_W{1'b0}} && r_beat > rq_len[0])
                              || (rd_cnt == {CNT_W{1'b0}} && r_beat != 8'd0);
        assign f_rd_busy[d]   = rd_cnt != {CNT_W{1'b0}};
        assign f_r_last_at[d] = r_beat == rq_len[0];
        assign f_b_owed[d]    = b_owed != {CNT_W{1'b0}};
    end
endgenerate

assign f_rd_pending = |f_rd_busy;
assign f_b_pending  = |f_b_owed;

always @(*) begin
    if (!rst) begin
        // Never more bursts in flight per ID and direction than the parameters allow
        RD_OUTSTANDING_MAX: assert (f_rd_over == {NUM_IDS{1'b0}});
        WR_OUTSTANDING_MAX: assert (f_wr_over == {NUM_IDS{1'b0}});
        B_OWED_LE_WR:       assert (f_b_over == {NUM_IDS{1'b0}});
        R_BEAT_IN_BURST:    assert (f_r_beat_bad == {NUM_IDS{1'b0}});
        // The slave: R only for a read in flight, RLAST on its last beat;
        // B only for a write whose AW and last W beat have gone.
        if (m_axi_rvalid) begin
            ENV_ERRS_RID:       assume (f_rd_busy[m_axi_rid]);
            ENV_ERRS_RDATA_NUM: assume (m_axi_rlast == f_r_last_at[m_axi_rid]);
        end
        if (m_axi_bvalid) begin
            ENV_ERRS_BRESP_WLAST: assume (f_b_owed[m_axi_bid]);
        end
    end
end

/*
 * Slave: legal and with a bounded wait
 */
always @(*) begin
    if (rst || !f_past_valid) begin
        ENV_ERRS_RVALID_RESET: assume (!m_axi_rvalid);
        ENV_ERRS_BVALID_RESET: assume (!m_axi_bvalid);
    end
    if (!rst) begin
        // Never EXOKAY: no exclusive access is issued.
        ENV_ERRS_RRESP_EXOKAY: assume (!m_axi_rvalid || m_axi_rresp != 2'b01);
        ENV_ERRS_BRESP_EXOKAY: assume (!m_axi_bvalid || m_axi_bresp != 2'b01);
    end
end

always @(posedge clk) begin
    if (f_check && $past(m_axi_rvalid && !m_axi_rready)) begin
        ENV_ERRS_RVALID_STABLE: assume (m_axi_rvalid);
        ENV_ERRS_R_STABLE:      assume (m_axi_rid == $past(m_axi_rid) && m_axi_rdata == $past(m_axi_rdata)
                                        && m_axi_rresp == $past(m_axi_rresp)
                                        && m_axi_rlast == $past(m_axi_rlast));
    end
    if (f_check && $past(m_axi_bvalid && !m_axi_bready)) begin
        ENV_ERRS_BVALID_STABLE: assume (m_axi_bvalid);
        ENV_ERRS_B_STABLE:      assume (m_axi_bid == $past(m_axi_bid) && m_axi_bresp == $past(m_axi_bresp));
    end
end

// Cycles each VALID has waited for its READY
reg [3:0] aw_wait;
reg [3:0] w_wait;
reg [3:0] ar_wait;
always @(posedge clk) begin
    aw_wait <= (m_axi_awvalid && !m_axi_awready) ? aw_wait + 4'd1 : 4'd0;
    w_wait  <= (m_axi_wvalid && !m_axi_wready) ? w_wait + 4'd1 : 4'd0;
    ar_wait <= (m_axi_arvalid && !m_axi_arready) ? ar_wait + 4'd1 : 4'd0;
    if (rst) begin
        aw_wait <= 4'd0;
        w_wait  <= 4'd0;
        ar_wait <= 4'd0;
    end
end

always @(*) begin
    ENV_RECS_AWREADY_MAX_WAIT: assume (aw_wait <= SLAVE_MAX_WAIT);
    ENV_RECS_WREADY_MAX_WAIT:  assume (w_wait <= SLAVE_MAX_WAIT);
    ENV_RECS_ARREADY_MAX_WAIT: assume (ar_wait <= SLAVE_MAX_WAIT);
end

`endif

endmodule

`resetall
