// SPDX-License-Identifier: Apache-2.0
// Write back-end: splits a destination range into INCR bursts fed from the data FIFO and collects the write responses.
//
// A burst is announced on AW only when all its beats already sit in the FIFO,
// so W never waits on the read side.  Poisoned beats go out with WSTRB = 0:
// the burst completes as the protocol requires, but memory is not touched.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_wr_mover #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32,
    // Width of the AXI ID
    parameter ID_WIDTH = 4,
    // AWID used for data writes
    parameter [ID_WIDTH-1:0] ID = 0,
    // Longest burst in beats
    parameter MAX_BURST_LEN = 16,
    // Write bursts in flight at most
    parameter MAX_OUTSTANDING = 8,
    // Entries of the data FIFO this side drains
    parameter FIFO_DEPTH = 64,
    // Width of the beat counters
    parameter COUNT_WIDTH = 33
) (
    input  wire                         clk,
    input  wire                         rst,

    // Job: write `beats` beats from `addr`
    input  wire                         start,
    input  wire [ADDR_WIDTH-1:0]        start_addr,
    input  wire [COUNT_WIDTH-1:0]       start_beats,
    // Stop announcing bursts for good (error or abort); announced ones complete
    input  wire                         stop,
    // Announce no new burst for now (pause)
    input  wire                         hold,
    // No burst left to announce, no beat or response outstanding
    output wire                         idle,
    // No beat or response outstanding
    output wire                         quiet,

    // Beats acknowledged with OKAY, before the first failing response
    output reg  [COUNT_WIDTH-1:0]       acked_beats,
    // Beats sent with their strobes on (before the first poisoned beat)
    output reg  [COUNT_WIDTH-1:0]       good_beats,
    // Pulses when acked_beats changed
    output reg                          progress,

    // Error report: one pulse at the first failing write response of a job
    output reg                          err,
    output reg  [ADDR_WIDTH-1:0]        err_addr,

    // Data FIFO read side: {poison, strobe, data}
    input  wire [DATA_WIDTH+DATA_WIDTH/8:0] fifo_rd_data,
    input  wire                         fifo_rd_valid,
    input  wire [$clog2(FIFO_DEPTH):0]  fifo_count,
    output wire                         fifo_rd_en,

    // AXI write address channel
    output wire [ID_WIDTH-1:0]          m_axi_awid,
    output wire [ADDR_WIDTH-1:0]        m_axi_awaddr,
    output wire [7:0]                   m_axi_awlen,
    output wire                         m_axi_awvalid,
    input  wire                         m_axi_awready,

    // AXI write data channel
    output wire [DATA_WIDTH-1:0]        m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]      m_axi_wstrb,
    output wire                         m_axi_wlast,
    output wire                         m_axi_wvalid,
    input  wire                         m_axi_wready,

    // AXI write response channel, already filtered to this ID
    input  wire [1:0]                   b_resp,
    input  wire                         b_valid
);

localparam DATA_BYTES = DATA_WIDTH / 8;

// RESP[0] tells EXOKAY from OKAY and SLVERR from DECERR: both errors are handled alike.
wire unused_resp = &{1'b0, b_resp[0]};
localparam SIZE = $clog2(DATA_BYTES);
localparam FIFO_CNT_W = $clog2(FIFO_DEPTH) + 1;

reg [ADDR_WIDTH-1:0]  addr_reg;
reg [COUNT_WIDTH-1:0] beats_left_reg;
// FIFO beats already promised to an announced burst but not yet sent
reg [15:0]            claimed_reg;
reg                   wr_err_reg;
reg                   poison_seen_reg;

reg [ADDR_WIDTH-1:0]  awaddr_reg;
reg [7:0]             awlen_reg;
reg                   awvalid_reg;

reg [7:0]             wbeat_reg;

wire [8:0] burst_beats;

dmac_burst_len #(
    .DATA_BYTES(DATA_BYTES),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .COUNT_WIDTH(COUNT_WIDTH)
) burst_len_inst (
    .addr(addr_reg[11:0]),
    .beats_left(beats_left_reg),
    .beats(burst_beats)
);

// Counters of FIFO entries are 16 bits wide (FIFO_DEPTH <= 16384).
wire [15:0] unclaimed = {{(16-FIFO_CNT_W){1'b0}}, fifo_count} - claimed_reg;

// Announced bursts: W side needs each length, B side each address and length.
wire       wq_full;
wire       wq_valid;
wire [7:0] wq_len;
wire       bq_full;
wire       bq_valid;
wire [ADDR_WIDTH+7:0] bq_head;

wire issue = (!awvalid_reg || m_axi_awready) && !stop && !hold && beats_left_reg != 0
           && !wq_full && !bq_full
           && unclaimed >= {7'd0, burst_beats};

wire w_fire = m_axi_wvalid && m_axi_wready;
wire w_done = w_fire && m_axi_wlast;
wire b_fire = b_valid;
wire b_bad  = b_resp[1];
wire fifo_poison = fifo_rd_data[DATA_WIDTH+DATA_BYTES];

dmac_fifo #(
    .WIDTH(8),
    .DEPTH(MAX_OUTSTANDING)
) w_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(1'b0),
    .wr_data(burst_beats[7:0] - 8'd1),
    .wr_en(issue),
    .full(wq_full),
    .rd_data(wq_len),
    .rd_valid(wq_valid),
    .rd_en(w_done),
    .count()
);

dmac_fifo #(
    .WIDTH(ADDR_WIDTH + 8),
    .DEPTH(MAX_OUTSTANDING)
) b_queue_inst (
    .clk(clk),
    .rst(rst),
    .clear(1'b0),
    .wr_data({addr_reg, burst_beats[7:0] - 8'd1}),
    .wr_en(issue),
    .full(bq_full),
    .rd_data(bq_head),
    .rd_valid(bq_valid),
    .rd_en(b_fire),
    .count()
);

assign m_axi_awid    = ID;
assign m_axi_awaddr  = awaddr_reg;
assign m_axi_awlen   = awlen_reg;
assign m_axi_awvalid = awvalid_reg;

// Beats of an announced burst are in the FIFO by construction.
assign m_axi_wvalid = wq_valid && fifo_rd_valid;
assign m_axi_wdata  = fifo_rd_data[DATA_WIDTH-1:0];
assign m_axi_wstrb  = fifo_poison ? {DATA_BYTES{1'b0}} : fifo_rd_data[DATA_WIDTH +: DATA_BYTES];
assign m_axi_wlast  = wbeat_reg == wq_len;
assign fifo_rd_en   = w_fire;

assign quiet = !awvalid_reg && !wq_valid && !bq_valid;
assign idle  = quiet && (beats_left_reg == 0 || stop);

wire [COUNT_WIDTH-1:0] bq_beats = {{(COUNT_WIDTH-8){1'b0}}, bq_head[7:0]} + 1'b1;

always @(posedge clk) begin
    err      <= 1'b0;
    progress <= 1'b0;

    if (m_axi_awready) begin
        awvalid_reg <= 1'b0;
    end

    if (issue) begin
        awaddr_reg     <= addr_reg;
        awlen_reg      <= burst_beats[7:0] - 8'd1;
        awvalid_reg    <= 1'b1;
        addr_reg       <= addr_reg + ({{(ADDR_WIDTH-9){1'b0}}, burst_beats} << SIZE);
        beats_left_reg <= beats_left_reg - {{(COUNT_WIDTH-9){1'b0}}, burst_beats};
    end

    claimed_reg <= claimed_reg
                 + (issue ? {7'd0, burst_beats} : 16'd0)
                 - {15'd0, w_fire};

    if (w_fire) begin
        wbeat_reg <= m_axi_wlast ? 8'd0 : wbeat_reg + 8'd1;
        if (fifo_poison) begin
            poison_seen_reg <= 1'b1;
        end else if (!poison_seen_reg) begin
            good_beats <= good_beats + 1'b1;
        end
    end

    if (b_fire) begin
        if (b_bad) begin
            if (!wr_err_reg) begin
                err      <= 1'b1;
                err_addr <= bq_head[ADDR_WIDTH+7:8];
            end
            wr_err_reg <= 1'b1;
        end else if (!wr_err_reg) begin
            acked_beats <= acked_beats + bq_beats;
            progress    <= 1'b1;
        end
    end

    // A stopped job is abandoned: nothing of it may be announced later.
    if (stop) begin
        beats_left_reg <= 0;
    end

    if (start) begin
        addr_reg        <= start_addr;
        beats_left_reg  <= start_beats;
        acked_beats     <= 0;
        good_beats      <= 0;
        wr_err_reg      <= 1'b0;
        poison_seen_reg <= 1'b0;
    end

    if (rst) begin
        beats_left_reg  <= 0;
        claimed_reg     <= 0;
        awvalid_reg     <= 1'b0;
        wbeat_reg       <= 0;
        acked_beats     <= 0;
        good_beats      <= 0;
        wr_err_reg      <= 1'b0;
        poison_seen_reg <= 1'b0;
        err             <= 1'b0;
        progress        <= 1'b0;
    end
end

endmodule

`resetall
