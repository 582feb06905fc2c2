// SPDX-License-Identifier: Apache-2.0
// AXI4 master port shared by the channels' lanes and the descriptor fetcher: burst-by-burst arbitration of AR and AW, W in AW order, R and B routed by ID.
//
// IDs: {kind, channel}, kind 1 for descriptor reads and status writes, 0 for
// data, so each channel's reads (and writes) of one kind come back in order
// while different channels and kinds may be reordered and interleaved by the
// interconnect.  Descriptor reads come from the one fetcher all channels
// share, and all carry {1, 0}, so they come back in the order they were
// issued (status writes keep {1, n}).  A channel that is stalled (paused, waiting for data, or out
// of credits) simply does not request, so it never holds the others back.
// A request shown on the bus stays there, unchanged, until it is taken.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_axi_mux #(
    // Number of channels
    parameter NUM_CHANNELS = 4,
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Width of the AXI ID (at least one more bit than the channel number)
    parameter ID_WIDTH = 4,
    // Value driven on AxCACHE
    parameter [3:0] AXI_CACHE = 4'b0011,
    // Value driven on AxPROT
    parameter [2:0] AXI_PROT = 3'b000
) (
    input  wire                             clk,
    input  wire                             rst,

    // Per channel arbitration priority, 3 highest
    input  wire [2*NUM_CHANNELS-1:0]        prio,

    /*
     * Lanes
     */
    input  wire [NUM_CHANNELS-1:0]          l_ar_valid,
    output wire [NUM_CHANNELS-1:0]          l_ar_ready,
    input  wire [NUM_CHANNELS*ADDR_WIDTH-1:0] l_ar_addr,
    input  wire [NUM_CHANNELS*8-1:0]        l_ar_len,
    input  wire [NUM_CHANNELS*3-1:0]        l_ar_size,
    input  wire [NUM_CHANNELS*2-1:0]        l_ar_burst,
    // Read data and write responses, registered, to the lanes: each lane
    // has its own copy, loaded with the beats and responses its ID names
    output reg  [NUM_CHANNELS-1:0]          l_r_valid,
    output reg  [NUM_CHANNELS*DATA_WIDTH-1:0] l_r_data,
    output reg  [NUM_CHANNELS*2-1:0]        l_r_resp,
    output reg  [NUM_CHANNELS-1:0]          l_r_last,

    input  wire [NUM_CHANNELS-1:0]          l_aw_valid,
    output wire [NUM_CHANNELS-1:0]          l_aw_ready,
    input  wire [NUM_CHANNELS*ADDR_WIDTH-1:0] l_aw_addr,
    input  wire [NUM_CHANNELS*8-1:0]        l_aw_len,
    input  wire [NUM_CHANNELS*3-1:0]        l_aw_size,
    input  wire [NUM_CHANNELS*2-1:0]        l_aw_burst,
    input  wire [NUM_CHANNELS-1:0]          l_aw_kind,

    input  wire [NUM_CHANNELS-1:0]          l_wd_valid,
    output wire [NUM_CHANNELS-1:0]          l_wd_ready,
    input  wire [NUM_CHANNELS*DATA_WIDTH-1:0] l_wd_data,
    input  wire [NUM_CHANNELS*DATA_WIDTH/8-1:0] l_wd_strb,
    input  wire [NUM_CHANNELS-1:0]          l_wd_last,
    input  wire [NUM_CHANNELS-1:0]          l_ws_valid,
    output wire [NUM_CHANNELS-1:0]          l_ws_ready,
    input  wire [NUM_CHANNELS*DATA_WIDTH-1:0] l_ws_data,
    input  wire [NUM_CHANNELS*DATA_WIDTH/8-1:0] l_ws_strb,
    input  wire [NUM_CHANNELS-1:0]          l_ws_last,

    output reg  [NUM_CHANNELS-1:0]          l_b_valid,
    output reg  [NUM_CHANNELS-1:0]          l_b_kind,
    output reg  [NUM_CHANNELS*2-1:0]        l_b_resp,

    /*
     * Descriptor fetcher: its reads (INCR, full width) at priority f_ar_prio
     */
    input  wire                             f_ar_valid,
    output wire                             f_ar_ready,
    input  wire [ADDR_WIDTH-1:0]            f_ar_addr,
    input  wire [7:0]                       f_ar_len,
    input  wire [1:0]                       f_ar_prio,
    // The fetcher's request comes next cycle; the channel of the one on AR
    input  wire                             f_ar_soon,
    input  wire [(NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1)-1:0] f_ar_chan,
    output reg                              f_r_valid,
    output reg  [DATA_WIDTH-1:0]            f_r_data,
    output reg  [1:0]                       f_r_resp,
    output reg                              f_r_last,

    /*
     * AXI4 master
     */
    output wire [ID_WIDTH-1:0]              m_axi_awid,
    output wire [ADDR_WIDTH-1:0]            m_axi_awaddr,
    output wire [7:0]                       m_axi_awlen,
    output wire [2:0]                       m_axi_awsize,
    output wire [1:0]                       m_axi_awburst,
    output wire                             m_axi_awlock,
    output wire [3:0]                       m_axi_awcache,
    output wire [2:0]                       m_axi_awprot,
    output wire                             m_axi_awvalid,
    input  wire                             m_axi_awready,
    output wire [DATA_WIDTH-1:0]            m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]          m_axi_wstrb,
    output wire                             m_axi_wlast,
    output wire                             m_axi_wvalid,
    input  wire                             m_axi_wready,
    input  wire [ID_WIDTH-1:0]              m_axi_bid,
    input  wire [1:0]                       m_axi_bresp,
    input  wire                             m_axi_bvalid,
    output wire                             m_axi_bready,
    output wire [ID_WIDTH-1:0]              m_axi_arid,
    output wire [ADDR_WIDTH-1:0]            m_axi_araddr,
    output wire [7:0]                       m_axi_arlen,
    output wire [2:0]                       m_axi_arsize,
    output wire [1:0]                       m_axi_arburst,
    output wire                             m_axi_arlock,
    output wire [3:0]                       m_axi_arcache,
    output wire [2:0]                       m_axi_arprot,
    output wire                             m_axi_arvalid,
    input  wire                             m_axi_arready,
    input  wire [ID_WIDTH-1:0]              m_axi_rid,
    input  wire [DATA_WIDTH-1:0]            m_axi_rdata,
    input  wire [1:0]                       m_axi_rresp,
    input  wire                             m_axi_rlast,
    input  wire                             m_axi_rvalid,
    output wire                             m_axi_rready
);

localparam CHAN_W = NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1;
localparam DATA_BYTES = DATA_WIDTH / 8;
localparam integer SIZE_I = $clog2(DATA_BYTES);
localparam [2:0] SIZE_FULL = SIZE_I[2:0];
// Bursts granted on AW whose W beats have not all been sent, at most.  A
// burst granted now waits on W behind no more than these, whatever their
// channel's priority: a device channel's few beats are not queued behind a
// bulk copy's whole window of bursts.  Four keep W busy across an AW that
// the bus holds for up to about three bursts' worth of beats.
localparam W_AHEAD = 4;

initial begin
    if (ID_WIDTH < CHAN_W + 1) begin
        $display("Error: ID_WIDTH must be at least %0d for %0d channels (instance %m)",
                 CHAN_W + 1, NUM_CHANNELS);
        $finish;
    end
end

function [ID_WIDTH-1:0] make_id;
    input              kind;
    input [CHAN_W-1:0] chan;
    begin
        make_id = ({{(ID_WIDTH-1){1'b0}}, kind} << CHAN_W) | {{(ID_WIDTH-CHAN_W){1'b0}}, chan};
    end
endfunction

/*
 * AR: the lanes' data reads and the descriptor fetcher's reads.  The
 * arbiter's grant is registered and one-hot (chosen from the
 * previous cycle's requests, so the lanes' request logic and their ready
 * are not in one path: a lane's ready is one gate of flip-flops and its own
 * valid), and the granted request goes through a register slice
 * (dmac_skid), so the bus's ARREADY never reaches the lanes
 * combinationally; the slice's output holds a request on the bus,
 * unchanged, until it is taken.
 */
localparam AR_W = ID_WIDTH + ADDR_WIDTH + 8 + 3 + 2;
// Requesters: the lanes' data reads, then the fetcher (index NUM_CHANNELS)
localparam AR_PORTS = NUM_CHANNELS + 1;
localparam AR_IDX_W = $clog2(AR_PORTS);
wire [AR_PORTS-1:0]          ar_req   = {f_ar_valid, l_ar_valid};
// What the arbiter chooses from: the fetcher a cycle before its request (it
// is registered in the fetcher, the grant here: so a fetch after the grant
// served a lane does not wait a cycle for it); with no request, the lane of
// the channel the last fetch was for, which asks for its data next (so the
// grant is parked there, not on the fetcher).
reg  [NUM_CHANNELS-1:0]      ar_park_reg;
wire [AR_PORTS-1:0]          ar_ask   = {f_ar_valid || f_ar_soon, l_ar_valid};
wire [AR_PORTS-1:0]          ar_choose = |ar_ask ? ar_ask : {1'b0, ar_park_reg};
wire [AR_PORTS*ADDR_WIDTH-1:0] ar_addr = {f_ar_addr, l_ar_addr};
wire [AR_PORTS*8-1:0]        ar_len   = {f_ar_len, l_ar_len};
wire [AR_PORTS*3-1:0]        ar_size  = {SIZE_FULL, l_ar_size};
wire [AR_PORTS*2-1:0]        ar_burst = {2'b01, l_ar_burst};
// The fetcher's reads arbitrate at the priority it asks for (see dmac_desc_fetch).
wire [2*AR_PORTS-1:0]        ar_prio  = {f_ar_prio, prio};
wire [AR_PORTS-1:0]     ar_grant;
wire [AR_IDX_W-1:0]     ar_grant_idx;
wire                    ar_s_ready;
// The grant is registered: the granted requester is served if it still requests.
wire                    ar_s_valid = |(ar_grant & ar_req);
wire                    ar_take = ar_s_valid && ar_s_ready;
wire                    ar_grant_f = ar_grant[NUM_CHANNELS];
wire [ID_WIDTH-1:0]     ar_id = ar_grant_f ? make_id(1'b1, {CHAN_W{1'b0}})
                                           : make_id(1'b0, ar_grant_idx[CHAN_W-1:0]);

assign l_ar_ready = ar_grant[NUM_CHANNELS-1:0] & l_ar_valid & {NUM_CHANNELS{ar_s_ready}};
assign f_ar_ready = ar_grant_f && f_ar_valid && ar_s_ready;

dmac_arbiter #(
    .PORTS(AR_PORTS)
) ar_arbiter_inst (
    .clk(clk),
    .rst(rst),
    .req(ar_choose),
    .enable(1'b1),
    .prio(ar_prio),
    .accept(ar_take),
    .grant(ar_grant),
    .grant_idx(ar_grant_idx)
);

always @(posedge clk) begin
    if (ar_take) begin
        ar_park_reg <= ar_grant_f ? {{(NUM_CHANNELS-1){1'b0}}, 1'b1} << f_ar_chan : {NUM_CHANNELS{1'b0}};
    end
    if (rst) begin
        ar_park_reg <= {NUM_CHANNELS{1'b0}};
    end
end

dmac_skid #(
    .WIDTH(AR_W)
) ar_slice_inst (
    .clk(clk),
    .rst(rst),
    .s_data({ar_id,
             ar_addr[ar_grant_idx*ADDR_WIDTH +: ADDR_WIDTH],
             ar_len[ar_grant_idx*8 +: 8],
             ar_size[ar_grant_idx*3 +: 3],
             ar_burst[ar_grant_idx*2 +: 2]}),
    .s_valid(ar_s_valid),
    .s_ready(ar_s_ready),
    .m_data({m_axi_arid, m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst}),
    .m_valid(m_axi_arvalid),
    .m_ready(m_axi_arready)
);

assign m_axi_arlock  = 1'b0;
assign m_axi_arcache = AXI_CACHE;
assign m_axi_arprot  = AXI_PROT;

/*
 * AW, through a register slice like AR.  The order of the W bursts is
 * recorded as each AW is taken by the bus, so no W beat goes out before
 * its address.  The bursts owed on W are counted in a thermometer code
 * (w_owed_reg[k-1]: at least k), so whether there is room is a flip-flop;
 * a burst's last W beat is counted off a cycle after it went (w_end_reg),
 * so the count may read one too many for a cycle, never too few.
 */
localparam AW_W = ID_WIDTH + ADDR_WIDTH + 8 + 3 + 2;
wire [NUM_CHANNELS-1:0] aw_grant;
wire [CHAN_W-1:0]       aw_grant_idx;
wire                    aw_s_ready;
reg  [W_AHEAD-1:0]      w_owed_reg;
reg                     w_end_reg;
wire                    w_room = !w_owed_reg[W_AHEAD-1];
wire                    aw_s_valid = |(aw_grant & l_aw_valid) && w_room;
wire                    aw_take = aw_s_valid && aw_s_ready;
wire                    aw_fire = m_axi_awvalid && m_axi_awready;

assign l_aw_ready = aw_grant & l_aw_valid & {NUM_CHANNELS{aw_s_ready && w_room}};

dmac_arbiter #(
    .PORTS(NUM_CHANNELS)
) aw_arbiter_inst (
    .clk(clk),
    .rst(rst),
    .req(l_aw_valid),
    .enable(w_room),
    .prio(prio),
    .accept(aw_take),
    .grant(aw_grant),
    .grant_idx(aw_grant_idx)
);

dmac_skid #(
    .WIDTH(AW_W)
) aw_slice_inst (
    .clk(clk),
    .rst(rst),
    .s_data({make_id(l_aw_kind[aw_grant_idx], aw_grant_idx),
             l_aw_addr[aw_grant_idx*ADDR_WIDTH +: ADDR_WIDTH],
             l_aw_len[aw_grant_idx*8 +: 8],
             l_aw_size[aw_grant_idx*3 +: 3],
             l_aw_burst[aw_grant_idx*2 +: 2]}),
    .s_valid(aw_s_valid),
    .s_ready(aw_s_ready),
    .m_data({m_axi_awid, m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst}),
    .m_valid(m_axi_awvalid),
    .m_ready(m_axi_awready)
);

assign m_axi_awlock  = 1'b0;
assign m_axi_awcache = AXI_CACHE;
assign m_axi_awprot  = AXI_PROT;

always @(posedge clk) begin
    case ({aw_take, w_end_reg})
        2'b10: w_owed_reg <= {w_owed_reg[W_AHEAD-2:0], 1'b1};
        2'b01: w_owed_reg <= {1'b0, w_owed_reg[W_AHEAD-1:1]};
        default: ;
    endcase
    if (rst) begin
        w_owed_reg <= {W_AHEAD{1'b0}};
    end
end

/*
 * W: beats of the bursts in AW order, through a register slice.  The
 * sources are the lanes' data writes, then their status writes.  The order
 * of the bursts whose AW went is kept in a ring of W_AHEAD entries, each a
 * one-hot select and its index, with one-hot read and write pointers and
 * a valid bit per entry (at most W_AHEAD bursts are owed, so it never
 * overflows).  The burst being sent is held in a register, one select bit
 * per source and its index, so the choice among the lanes is a mux of
 * registered selects and no pointer compare or decode lies on the W path
 * or on the lanes' ready.  It loads the next burst in the cycle the last
 * beat goes, so bursts follow each other without a gap.
 */
localparam NSRC = 2 * NUM_CHANNELS;
localparam SRC_W = CHAN_W + 1;
reg  [NSRC-1:0]       w_sel_reg;
reg  [SRC_W-1:0]      w_idx_reg;
reg                   w_idle_reg;
wire [NSRC-1:0]       src_valid = {l_ws_valid, l_wd_valid};
wire [NSRC-1:0]       src_last  = {l_ws_last, l_wd_last};
wire [NSRC*DATA_WIDTH-1:0] src_data = {l_ws_data, l_wd_data};
wire [NSRC*DATA_BYTES-1:0] src_strb = {l_ws_strb, l_wd_strb};
wire                  w_s_valid = |(w_sel_reg & src_valid);
wire                  w_s_last  = |(w_sel_reg & src_last);
wire                  w_s_ready;
// The last beat of the burst being sent goes in this cycle
wire                  w_end = |(w_sel_reg & src_valid & src_last) && w_s_ready;
wire                  w_load = w_idle_reg || w_end;
wire [DATA_WIDTH-1:0] w_s_data = src_data[w_idx_reg*DATA_WIDTH +: DATA_WIDTH];
wire [DATA_BYTES-1:0] w_s_strb = src_strb[w_idx_reg*DATA_BYTES +: DATA_BYTES];

// The ring
reg  [W_AHEAD-1:0]      ord_wr_reg;
reg  [W_AHEAD-1:0]      ord_rd_reg;
reg  [W_AHEAD-1:0]      ord_valid_reg;
reg  [W_AHEAD*NSRC-1:0] ord_sel_reg;
reg  [W_AHEAD*SRC_W-1:0] ord_idx_reg;
// The source of the AW that went, from the kind and channel of its ID
wire [SRC_W-1:0]        aw_src = {1'b0, m_axi_awid[CHAN_W-1:0]}
                               + (m_axi_awid[CHAN_W] ? NUM_CHANNELS[SRC_W-1:0] : {SRC_W{1'b0}});
reg                     head_valid;
reg  [NSRC-1:0]         head_sel;
reg  [SRC_W-1:0]        head_idx;

integer e;
always @* begin
    head_valid = 1'b0;
    head_sel   = {NSRC{1'b0}};
    head_idx   = {SRC_W{1'b0}};
    for (e = 0; e < W_AHEAD; e = e + 1) begin
        head_valid = head_valid | (ord_rd_reg[e] & ord_valid_reg[e]);
        head_sel   = head_sel | (ord_sel_reg[e*NSRC +: NSRC] & {NSRC{ord_rd_reg[e]}});
        head_idx   = head_idx | (ord_idx_reg[e*SRC_W +: SRC_W] & {SRC_W{ord_rd_reg[e]}});
    end
end

always @(posedge clk) begin
    if (aw_fire) begin
        ord_wr_reg <= {ord_wr_reg[W_AHEAD-2:0], ord_wr_reg[W_AHEAD-1]};
    end
    if (w_load && head_valid) begin
        ord_rd_reg <= {ord_rd_reg[W_AHEAD-2:0], ord_rd_reg[W_AHEAD-1]};
    end
    // The burst being sent: the ring's head (none if it is empty)
    if (w_load) begin
        w_sel_reg  <= head_sel & {NSRC{head_valid}};
        w_idx_reg  <= head_idx;
        w_idle_reg <= !head_valid;
    end
    w_end_reg <= w_end;
    if (rst) begin
        ord_wr_reg    <= {{(W_AHEAD-1){1'b0}}, 1'b1};
        ord_rd_reg    <= {{(W_AHEAD-1){1'b0}}, 1'b1};
        w_sel_reg     <= {NSRC{1'b0}};
        w_idle_reg    <= 1'b1;
        w_end_reg     <= 1'b0;
    end
end

// The entries: one is written as its AW goes, and emptied as it is loaded
// (when both, it was full and is read and rewritten in one cycle).
genvar q;
generate
    for (q = 0; q < W_AHEAD; q = q + 1) begin : g_ord
        always @(posedge clk) begin
            if (aw_fire && ord_wr_reg[q]) begin
                ord_valid_reg[q]              <= 1'b1;
                ord_sel_reg[q*NSRC +: NSRC]   <= {{(NSRC-1){1'b0}}, 1'b1} << aw_src;
                ord_idx_reg[q*SRC_W +: SRC_W] <= aw_src;
            end else if (w_load && ord_rd_reg[q]) begin
                ord_valid_reg[q] <= 1'b0;
            end
            if (rst) begin
                ord_valid_reg[q] <= 1'b0;
            end
        end
    end
endgenerate

dmac_skid #(
    .WIDTH(DATA_WIDTH + DATA_BYTES + 1)
) w_slice_inst (
    .clk(clk),
    .rst(rst),
    .s_data({w_s_data, w_s_strb, w_s_last}),
    .s_valid(w_s_valid),
    .s_ready(w_s_ready),
    .m_data({m_axi_wdata, m_axi_wstrb, m_axi_wlast}),
    .m_valid(m_axi_wvalid),
    .m_ready(m_axi_wready)
);

assign l_wd_ready = w_sel_reg[NUM_CHANNELS-1:0] & {NUM_CHANNELS{w_s_ready}};
assign l_ws_ready = w_sel_reg[NSRC-1:NUM_CHANNELS] & {NUM_CHANNELS{w_s_ready}};

assign m_axi_rready  = 1'b1;
assign m_axi_bready  = 1'b1;

/*
 * R and B: RREADY and BREADY are always high, so a register stage on the
 * way in costs a cycle of latency and keeps the bus's timing away from the
 * lanes.  Beats and responses go to the channel their ID names, into that
 * lane's own copy of the stage (loaded only with its beats, so the copies
 * differ and stay apart): the lanes lie apart on the device, and one set of
 * registers for all would put a long route in front of each lane's logic.
 */
reg [NUM_CHANNELS-1:0] r_hit;
reg [NUM_CHANNELS-1:0] b_hit;
// (every descriptor read is the fetcher's)
wire                   f_hit = m_axi_rvalid && (m_axi_rid >> CHAN_W) == {{(ID_WIDTH-1){1'b0}}, 1'b1};
integer h;
always @* begin
    for (h = 0; h < NUM_CHANNELS; h = h + 1) begin
        r_hit[h] = m_axi_rvalid && m_axi_rid == make_id(1'b0, h[CHAN_W-1:0]);
        b_hit[h] = m_axi_bvalid && m_axi_bid == make_id(m_axi_bid[CHAN_W], h[CHAN_W-1:0]);
    end
end
integer c;
always @(posedge clk) begin
    f_r_valid <= f_hit;
    if (f_hit) begin
        f_r_data <= m_axi_rdata;
        f_r_resp <= m_axi_rresp;
        f_r_last <= m_axi_rlast;
    end
    for (c = 0; c < NUM_CHANNELS; c = c + 1) begin
        l_r_valid[c] <= r_hit[c];
        l_b_valid[c] <= b_hit[c];
        if (r_hit[c]) begin
            l_r_data[c*DATA_WIDTH +: DATA_WIDTH] <= m_axi_rdata;
            l_r_resp[c*2 +: 2]                <= m_axi_rresp;
            l_r_last[c]                       <= m_axi_rlast;
        end
        if (b_hit[c]) begin
            l_b_kind[c]                       <= m_axi_bid[CHAN_W];
            l_b_resp[c*2 +: 2]                <= m_axi_bresp;
        end
    end
    if (rst) begin
        f_r_valid <= 1'b0;
        l_r_valid <= {NUM_CHANNELS{1'b0}};
        l_b_valid <= {NUM_CHANNELS{1'b0}};
    end
end

endmodule

`resetall
