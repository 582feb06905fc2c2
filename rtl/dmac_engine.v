// SPDX-License-Identifier: Apache-2.0
// Descriptor engine: fetches one descriptor, checks it, runs the read and write back-ends, writes the status back.
//
// It serves one job (channel, descriptor address) at a time, as granted by
// the arbiter, and reports the outcome to that channel.  It owns the AXI
// master: descriptor reads and status writes use ID 1, data uses ID 0.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_engine #(
    // Width of the data bus in bits (32..256)
    parameter DATA_WIDTH = 64,
    // Width of the bus address (32..64)
    parameter ADDR_WIDTH = 32,
    // Width of the AXI ID (at least 1)
    parameter ID_WIDTH = 4,
    // Number of channels
    parameter NUM_CHANNELS = 4,
    // Longest data burst in beats (1..256)
    parameter MAX_BURST_LEN = 16,
    // Data bursts in flight per direction at most (power of two)
    parameter MAX_OUTSTANDING = 8,
    // Data FIFO entries (power of two, at least MAX_BURST_LEN)
    parameter FIFO_DEPTH = 128,
    // Value driven on AxCACHE
    parameter [3:0] AXI_CACHE = 4'b0011,
    // Value driven on AxPROT
    parameter [2:0] AXI_PROT = 3'b000
) (
    input  wire                         clk,
    input  wire                         rst,

    // Job from the arbiter
    input  wire                         job_valid,
    output wire                         job_ready,
    input  wire [CHAN_W-1:0]            job_chan,
    input  wire [63:0]                  job_desc,

    // Per-channel pause and abort requests, and whether the running job is held with nothing in flight
    input  wire [NUM_CHANNELS-1:0]      chan_pause,
    input  wire [NUM_CHANNELS-1:0]      chan_abort,
    output wire                         quiet,
    output wire [CHAN_W-1:0]            quiet_chan,

    // Outcome of the job, one pulse
    output reg                          done_valid,
    output reg  [CHAN_W-1:0]            done_chan,
    output reg  [3:0]                   done_err,
    output reg  [63:0]                  done_err_addr,
    output reg  [63:0]                  done_next,
    output reg                          done_last,
    output reg                          done_irq,

    // Residue of the running job, valid when res_valid pulses
    output reg                          res_valid,
    output reg  [CHAN_W-1:0]            res_chan,
    output reg  [31:0]                  res_bytes,

    /*
     * AXI4 master
     */
    output wire [ID_WIDTH-1:0]          m_axi_awid,
    output wire [ADDR_WIDTH-1:0]        m_axi_awaddr,
    output wire [7:0]                   m_axi_awlen,
    output wire [2:0]                   m_axi_awsize,
    output wire [1:0]                   m_axi_awburst,
    output wire                         m_axi_awlock,
    output wire [3:0]                   m_axi_awcache,
    output wire [2:0]                   m_axi_awprot,
    output wire                         m_axi_awvalid,
    input  wire                         m_axi_awready,
    output wire [DATA_WIDTH-1:0]        m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]      m_axi_wstrb,
    output wire                         m_axi_wlast,
    output wire                         m_axi_wvalid,
    input  wire                         m_axi_wready,
    input  wire [ID_WIDTH-1:0]          m_axi_bid,
    input  wire [1:0]                   m_axi_bresp,
    input  wire                         m_axi_bvalid,
    output wire                         m_axi_bready,
    output wire [ID_WIDTH-1:0]          m_axi_arid,
    output wire [ADDR_WIDTH-1:0]        m_axi_araddr,
    output wire [7:0]                   m_axi_arlen,
    output wire [2:0]                   m_axi_arsize,
    output wire [1:0]                   m_axi_arburst,
    output wire                         m_axi_arlock,
    output wire [3:0]                   m_axi_arcache,
    output wire [2:0]                   m_axi_arprot,
    output wire                         m_axi_arvalid,
    input  wire                         m_axi_arready,
    input  wire [ID_WIDTH-1:0]          m_axi_rid,
    input  wire [DATA_WIDTH-1:0]        m_axi_rdata,
    input  wire [1:0]                   m_axi_rresp,
    input  wire                         m_axi_rlast,
    input  wire                         m_axi_rvalid,
    output wire                         m_axi_rready
);

`include "dmac_regs.vh"

localparam CHAN_W = NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1;
localparam DATA_BYTES = DATA_WIDTH / 8;
localparam SIZE = $clog2(DATA_BYTES);
localparam COUNT_WIDTH = 33;
localparam DESC_BITS = DMAC_DESC_SIZE * 8;
localparam DESC_BEATS = DMAC_DESC_SIZE / DATA_BYTES;
// The status write-back covers LEN and CTRL, the last 8 bytes of the descriptor.
localparam WB_FIRST = DMAC_DESC_LEN_OFFSET - (DMAC_DESC_LEN_OFFSET % DATA_BYTES);
localparam WB_BEATS = (DMAC_DESC_SIZE - WB_FIRST) / DATA_BYTES;
localparam [ID_WIDTH-1:0] ID_DATA = 0;
localparam [ID_WIDTH-1:0] ID_DESC = 1;
localparam [63:0] DESC_LAST_BYTE = {32'd0, DMAC_DESC_SIZE[31:0] - 32'd1};
localparam [63:0] WB_OFFSET = {32'd0, WB_FIRST[31:0]};
localparam [1:0] WB_LAST_BEAT = WB_BEATS[1:0] - 2'd1;
localparam [63:0] ADDR_MASK = (ADDR_WIDTH == 64) ? {64{1'b1}} : ((64'd1 << ADDR_WIDTH) - 64'd1);

initial begin
    if (DATA_WIDTH < 32 || DATA_WIDTH > 256 || (1 << SIZE) * 8 != DATA_WIDTH) begin
        $display("Error: DATA_WIDTH must be 32, 64, 128 or 256 (instance %m)");
        $finish;
    end
    if (ADDR_WIDTH < 32 || ADDR_WIDTH > 64) begin
        $display("Error: ADDR_WIDTH must be 32..64 (instance %m)");
        $finish;
    end
    if (ID_WIDTH < 1) begin
        $display("Error: ID_WIDTH must be at least 1 (instance %m)");
        $finish;
    end
    if (MAX_BURST_LEN < 1 || MAX_BURST_LEN > 256) begin
        $display("Error: MAX_BURST_LEN must be 1..256 (instance %m)");
        $finish;
    end
    if (FIFO_DEPTH < MAX_BURST_LEN || FIFO_DEPTH > 16384) begin
        $display("Error: FIFO_DEPTH must be MAX_BURST_LEN..16384 (instance %m)");
        $finish;
    end
end

localparam [3:0]
    STATE_IDLE     = 4'd0,
    STATE_FETCH_AR = 4'd1,
    STATE_FETCH_R  = 4'd2,
    STATE_DECODE   = 4'd3,
    STATE_MOVE     = 4'd4,
    STATE_WB       = 4'd5,
    STATE_WB_B     = 4'd6,
    STATE_REPORT   = 4'd7;

reg [3:0]            state_reg;
reg [CHAN_W-1:0]     chan_reg;
reg [63:0]           desc_addr_reg;
reg [DESC_BITS-1:0]  desc_reg;
reg [3:0]            desc_beat_reg;
reg                  desc_bad_reg;
reg [3:0]            err_reg;
reg [63:0]           err_addr_reg;
reg [31:0]           moved_reg;

reg                  ar_desc_valid_reg;
reg                  aw_wb_valid_reg;
reg                  w_wb_valid_reg;
reg [1:0]            wb_beat_reg;

// Prefetch of the next descriptor of the running chain, fetched while the
// current one moves data, and used if the next job is exactly that descriptor.
localparam [1:0]
    PF_NONE  = 2'd0,
    PF_AR    = 2'd1,
    PF_R     = 2'd2,
    PF_VALID = 2'd3;
reg [1:0]            pf_state_reg;
reg [63:0]           pf_addr_reg;
reg [CHAN_W-1:0]     pf_chan_reg;
reg [DESC_BITS-1:0]  pf_desc_reg;
reg [3:0]            pf_beat_reg;
reg                  pf_bad_reg;
// Cleared when the running job turns out not to continue its chain
reg                  pf_keep_reg;

// Descriptor fields
wire [63:0] desc_next = desc_reg[DMAC_DESC_NEXT_OFFSET*8 +: 64];
wire [63:0] desc_src  = desc_reg[DMAC_DESC_SRC_OFFSET*8 +: 64];
wire [63:0] desc_dst  = desc_reg[DMAC_DESC_DST_OFFSET*8 +: 64];
wire [31:0] desc_len  = desc_reg[DMAC_DESC_LEN_OFFSET*8 +: 32];
wire [31:0] desc_ctrl = desc_reg[DMAC_DESC_CTRL_OFFSET*8 +: 32];
wire        desc_irq  = desc_ctrl[DMAC_DESC_CTRL_IRQ_LSB];
wire        desc_last = desc_ctrl[DMAC_DESC_CTRL_LAST_LSB];

// Checks made before anything moves
// A descriptor pointer must be 32-byte aligned and the whole descriptor
// must lie inside the address space.
function ptr_misaligned;
    input [4:0] ptr_low;
    begin
        ptr_misaligned = ptr_low != 5'd0;
    end
endfunction

function ptr_out_of_range;
    input [63:0] ptr;
    begin
        ptr_out_of_range = (ptr & ~ADDR_MASK) != 64'd0
                        || ((ptr + DESC_LAST_BYTE) & ~ADDR_MASK) != 64'd0;
    end
endfunction

wire job_misaligned   = ptr_misaligned(job_desc[4:0]);
wire job_out_of_range = ptr_out_of_range(job_desc);

wire [64:0] src_last = {1'b0, desc_src} + {33'd0, desc_len} - 65'd1;
wire [64:0] dst_last = {1'b0, desc_dst} + {33'd0, desc_len} - 65'd1;
wire        desc_zero = desc_len == 32'd0;
wire        desc_out_of_range = src_last > {1'b0, ADDR_MASK} || dst_last > {1'b0, ADDR_MASK};
wire        job_pause = chan_pause[chan_reg];
wire        job_abort = chan_abort[chan_reg];
wire [3:0]  decode_err = job_abort         ? DMAC_ERR_ABORTED :
                         desc_zero         ? DMAC_ERR_BAD_LEN :
                         desc_out_of_range ? DMAC_ERR_ADDR_RANGE :
                                             DMAC_ERR_NONE;

/*
 * Data path: read back-end -> FIFO -> write back-end
 */
wire                   mv_start = state_reg == STATE_DECODE && decode_err == DMAC_ERR_NONE;
// Any byte alignment: the read side fetches the bus words covering the
// source range, the write side writes those covering the destination
// range, and the realigner shifts bytes between the two.
localparam [COUNT_WIDTH-1:0] ROUND_UP = {{(COUNT_WIDTH-SIZE){1'b0}}, {SIZE{1'b1}}};
wire [SIZE-1:0]        src_off = desc_src[SIZE-1:0];
wire [SIZE-1:0]        dst_off = desc_dst[SIZE-1:0];
wire [COUNT_WIDTH-1:0] rd_beats = ({1'b0, desc_len} + {{(COUNT_WIDTH-SIZE){1'b0}}, src_off}
                                  + ROUND_UP) >> SIZE;
wire [COUNT_WIDTH-1:0] wr_beats = ({1'b0, desc_len} + {{(COUNT_WIDTH-SIZE){1'b0}}, dst_off}
                                  + ROUND_UP) >> SIZE;
wire [SIZE-1:0]        last_lane = dst_off + desc_len[SIZE-1:0] - 1'b1;
wire [ADDR_WIDTH-1:0]  src_word = {desc_src[ADDR_WIDTH-1:SIZE], {SIZE{1'b0}}};
wire [ADDR_WIDTH-1:0]  dst_word = {desc_dst[ADDR_WIDTH-1:SIZE], {SIZE{1'b0}}};
wire                   mv_stop = err_reg != DMAC_ERR_NONE;
// Pause: no new burst; those in flight complete.
wire                   mv_hold = job_pause;

wire                   rd_idle;
wire                   rd_quiet;
wire                   rd_issued_all;
wire                   rd_err;
wire [ADDR_WIDTH-1:0]  rd_err_addr;
wire [ID_WIDTH-1:0]    rd_arid;
wire [ADDR_WIDTH-1:0]  rd_araddr;
wire [7:0]             rd_arlen;
wire                   rd_arvalid;

wire                   wr_idle;
wire                   wr_quiet;
wire                   wr_err;
wire [ADDR_WIDTH-1:0]  wr_err_addr;
wire [COUNT_WIDTH-1:0] wr_acked;
wire [COUNT_WIDTH-1:0] wr_good;
wire                   wr_progress;
wire [ID_WIDTH-1:0]    wr_awid;
wire [ADDR_WIDTH-1:0]  wr_awaddr;
wire [7:0]             wr_awlen;
wire                   wr_awvalid;
wire [DATA_WIDTH-1:0]  wr_wdata;
wire [DATA_BYTES-1:0]  wr_wstrb;
wire                   wr_wlast;
wire                   wr_wvalid;

wire [DATA_WIDTH-1:0]         rd_beat_data;
wire                          rd_beat_poison;
wire                          rd_beat_valid;

wire [DATA_WIDTH-1:0]         al_data;
wire [DATA_BYTES-1:0]         al_strb;
wire                          al_poison;
wire                          al_valid;

// FIFO entries: {poison, strobe, data}
localparam FIFO_W = DATA_WIDTH + DATA_BYTES + 1;
wire [FIFO_W-1:0]             fifo_rd_data;
wire                          fifo_rd_valid;
wire                          fifo_rd_en;
wire [$clog2(FIFO_DEPTH):0]   fifo_count;
wire                          fifo_clear = state_reg == STATE_MOVE && rd_idle && wr_idle;

wire r_data_beat = m_axi_rvalid && m_axi_rid == ID_DATA;
wire r_desc_beat = m_axi_rvalid && m_axi_rid == ID_DESC;
wire b_data      = m_axi_bvalid && m_axi_bid == ID_DATA;
wire b_status    = m_axi_bvalid && m_axi_bid == ID_DESC;

dmac_rd_mover #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .ID(ID_DATA),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .FIFO_DEPTH(FIFO_DEPTH),
    .COUNT_WIDTH(COUNT_WIDTH)
) rd_mover_inst (
    .clk(clk),
    .rst(rst),
    .start(mv_start),
    .start_addr(src_word),
    .start_beats(rd_beats),
    .stop(mv_stop),
    .hold(mv_hold),
    .idle(rd_idle),
    .quiet(rd_quiet),
    .issued_all(rd_issued_all),
    .err(rd_err),
    .err_addr(rd_err_addr),
    .m_axi_arid(rd_arid),
    .m_axi_araddr(rd_araddr),
    .m_axi_arlen(rd_arlen),
    .m_axi_arvalid(rd_arvalid),
    .m_axi_arready(m_axi_arready && state_reg == STATE_MOVE && pf_state_reg != PF_AR),
    .r_data(m_axi_rdata),
    .r_resp(m_axi_rresp),
    .r_last(m_axi_rlast),
    .r_valid(r_data_beat),
    .beat_data(rd_beat_data),
    .beat_poison(rd_beat_poison),
    .beat_valid(rd_beat_valid),
    .fifo_rd_en(fifo_rd_en)
);

dmac_realign #(
    .DATA_WIDTH(DATA_WIDTH),
    .COUNT_WIDTH(COUNT_WIDTH)
) realign_inst (
    .clk(clk),
    .rst(rst),
    .start(mv_start),
    .stop(mv_stop),
    .src_off(src_off),
    .dst_off(dst_off),
    .out_beats(wr_beats),
    .last_lane(last_lane),
    .in_beats(rd_beats),
    .in_data(rd_beat_data),
    .in_poison(rd_beat_poison),
    .in_valid(rd_beat_valid),
    .out_data(al_data),
    .out_strb(al_strb),
    .out_poison(al_poison),
    .out_valid(al_valid)
);

dmac_fifo #(
    .WIDTH(FIFO_W),
    .DEPTH(FIFO_DEPTH)
) data_fifo_inst (
    .clk(clk),
    .rst(rst),
    .clear(fifo_clear),
    .wr_data({al_poison, al_strb, al_data}),
    .wr_en(al_valid),
    .full(),
    .rd_data(fifo_rd_data),
    .rd_valid(fifo_rd_valid),
    .rd_en(fifo_rd_en),
    .count(fifo_count)
);

dmac_wr_mover #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .ID(ID_DATA),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .FIFO_DEPTH(FIFO_DEPTH),
    .COUNT_WIDTH(COUNT_WIDTH)
) wr_mover_inst (
    .clk(clk),
    .rst(rst),
    .start(mv_start),
    .start_addr(dst_word),
    .start_beats(wr_beats),
    .stop(mv_stop),
    .hold(mv_hold),
    .idle(wr_idle),
    .quiet(wr_quiet),
    .acked_beats(wr_acked),
    .good_beats(wr_good),
    .progress(wr_progress),
    .err(wr_err),
    .err_addr(wr_err_addr),
    .fifo_rd_data(fifo_rd_data),
    .fifo_rd_valid(fifo_rd_valid),
    .fifo_count(fifo_count),
    .fifo_rd_en(fifo_rd_en),
    .m_axi_awid(wr_awid),
    .m_axi_awaddr(wr_awaddr),
    .m_axi_awlen(wr_awlen),
    .m_axi_awvalid(wr_awvalid),
    .m_axi_awready(m_axi_awready && state_reg == STATE_MOVE),
    .m_axi_wdata(wr_wdata),
    .m_axi_wstrb(wr_wstrb),
    .m_axi_wlast(wr_wlast),
    .m_axi_wvalid(wr_wvalid),
    .m_axi_wready(m_axi_wready && state_reg == STATE_MOVE),
    .b_resp(m_axi_bresp),
    .b_valid(b_data)
);

// Failing bus addresses widened to the 64-bit register format
// (bit 64 only makes the zero-extension legal when ADDR_WIDTH is 64)
wire [64:0] rd_err_addr_ext = {{(65-ADDR_WIDTH){1'b0}}, rd_err_addr};
wire [64:0] wr_err_addr_ext = {{(65-ADDR_WIDTH){1'b0}}, wr_err_addr};
wire unused_ext = &{1'b0, rd_err_addr_ext[64], wr_err_addr_ext[64]};

// Bytes the destination really received, in order, before any failure.
// Write beat m covers transfer bytes up to m * DATA_BYTES - dst_off.
wire [COUNT_WIDTH-1:0] moved_beats = (wr_acked < wr_good) ? wr_acked : wr_good;
wire [COUNT_WIDTH+SIZE-1:0] moved_span = {moved_beats, {SIZE{1'b0}}}
                                       - {{(COUNT_WIDTH){1'b0}}, dst_off};
wire [31:0] moved_bytes = moved_beats == 0 ? 32'd0 :
                          moved_span >= {{(SIZE+1){1'b0}}, desc_len} ? desc_len : moved_span[31:0];

/*
 * Status write-back image: LEN := bytes moved, CTRL[31:16] := status
 */
reg [31:0] wb_ctrl;
reg [DESC_BITS-1:0] wb_image;
reg [DMAC_DESC_SIZE-1:0] wb_strb_image;

always @* begin
    wb_ctrl = 32'd0;
    wb_ctrl[DMAC_DESC_CTRL_DONE_LSB] = 1'b1;
    wb_ctrl[DMAC_DESC_CTRL_ERR_LSB +: DMAC_DESC_CTRL_ERR_WIDTH] = err_reg;
    wb_image = {DESC_BITS{1'b0}};
    wb_image[DMAC_DESC_LEN_OFFSET*8 +: 32] = moved_reg;
    wb_image[DMAC_DESC_CTRL_OFFSET*8 +: 32] = wb_ctrl;
    wb_strb_image = {DMAC_DESC_SIZE{1'b0}};
    wb_strb_image[DMAC_DESC_LEN_OFFSET +: 4] = 4'hF;
    wb_strb_image[DMAC_DESC_CTRL_OFFSET + 2 +: 2] = 2'h3;
end

wire [63:0] wb_addr = desc_addr_reg + WB_OFFSET;

/*
 * AXI master: the engine's own accesses, or the back-ends' during MOVE
 */
wire own_ar = state_reg == STATE_FETCH_AR || pf_state_reg == PF_AR;
wire [ADDR_WIDTH-1:0] own_araddr = state_reg == STATE_FETCH_AR ? desc_addr_reg[ADDR_WIDTH-1:0]
                                                                 : pf_addr_reg[ADDR_WIDTH-1:0];
wire own_aw = state_reg == STATE_WB;

assign m_axi_arid    = own_ar ? ID_DESC : rd_arid;
assign m_axi_araddr  = own_ar ? own_araddr : rd_araddr;
assign m_axi_arlen   = own_ar ? DESC_BEATS[7:0] - 8'd1 : rd_arlen;
assign m_axi_arsize  = SIZE[2:0];
assign m_axi_arburst = 2'b01;
assign m_axi_arlock  = 1'b0;
assign m_axi_arcache = AXI_CACHE;
assign m_axi_arprot  = AXI_PROT;
assign m_axi_arvalid = own_ar ? (ar_desc_valid_reg || pf_state_reg == PF_AR) : rd_arvalid;
assign m_axi_rready  = 1'b1;

assign m_axi_awid    = own_aw ? ID_DESC : wr_awid;
assign m_axi_awaddr  = own_aw ? wb_addr[ADDR_WIDTH-1:0] : wr_awaddr;
assign m_axi_awlen   = own_aw ? WB_BEATS[7:0] - 8'd1 : wr_awlen;
assign m_axi_awsize  = SIZE[2:0];
assign m_axi_awburst = 2'b01;
assign m_axi_awlock  = 1'b0;
assign m_axi_awcache = AXI_CACHE;
assign m_axi_awprot  = AXI_PROT;
assign m_axi_awvalid = own_aw ? aw_wb_valid_reg : wr_awvalid;
assign m_axi_wdata   = own_aw ? wb_image[(WB_FIRST + wb_beat_reg*DATA_BYTES)*8 +: DATA_WIDTH] : wr_wdata;
assign m_axi_wstrb   = own_aw ? wb_strb_image[WB_FIRST + wb_beat_reg*DATA_BYTES +: DATA_BYTES] : wr_wstrb;
assign m_axi_wlast   = own_aw ? wb_beat_reg == WB_LAST_BEAT : wr_wlast;
assign m_axi_wvalid  = own_aw ? w_wb_valid_reg : wr_wvalid;
assign m_axi_bready  = 1'b1;

// Not in the cycle the outcome is reported: the channel that just finished
// asks again from the next cycle, and must be able to win the arbitration.
assign job_ready = state_reg == STATE_IDLE && !done_valid
                 && pf_state_reg != PF_AR && pf_state_reg != PF_R;

// The next descriptor may be prefetched once the data reads are all issued,
// if the chain goes on, nothing went wrong, and it is a valid pointer.
wire next_ok = !ptr_misaligned(desc_next[4:0]) && !ptr_out_of_range(desc_next);
wire pf_start = state_reg == STATE_MOVE && pf_state_reg == PF_NONE && rd_issued_all
             && !desc_last && next_ok && err_reg == DMAC_ERR_NONE && !job_pause && !job_abort;
wire pf_hit = pf_state_reg == PF_VALID && pf_chan_reg == job_chan && pf_addr_reg == job_desc;
assign quiet      = state_reg == STATE_MOVE && mv_hold && rd_quiet && wr_quiet;
assign quiet_chan = chan_reg;

always @(posedge clk) begin
    done_valid <= 1'b0;
    res_valid  <= 1'b0;

    // Keep the first error of a job only.
    if (state_reg == STATE_MOVE && err_reg == DMAC_ERR_NONE) begin
        if (job_abort) begin
            err_reg <= DMAC_ERR_ABORTED;
        end else if (rd_err) begin
            err_reg      <= DMAC_ERR_DATA_READ;
            err_addr_reg <= rd_err_addr_ext[63:0];
        end else if (wr_err) begin
            err_reg      <= DMAC_ERR_DATA_WRITE;
            err_addr_reg <= wr_err_addr_ext[63:0];
        end
    end

    if (wr_progress) begin
        res_valid <= 1'b1;
        res_chan  <= chan_reg;
        res_bytes <= desc_len - moved_bytes;
    end

    case (state_reg)
        STATE_IDLE: begin
            if (job_valid && job_ready) begin
                chan_reg      <= job_chan;
                desc_addr_reg <= job_desc;
                err_addr_reg  <= job_desc;
                moved_reg     <= 32'd0;
                desc_beat_reg <= 4'd0;
                desc_bad_reg  <= 1'b0;
                if (job_misaligned) begin
                    err_reg   <= DMAC_ERR_DESC_ALIGN;
                    state_reg <= STATE_REPORT;
                end else if (job_out_of_range) begin
                    err_reg   <= DMAC_ERR_ADDR_RANGE;
                    state_reg <= STATE_REPORT;
                end else if (pf_hit) begin
                    err_reg   <= DMAC_ERR_NONE;
                    desc_reg  <= pf_desc_reg;
                    state_reg <= STATE_DECODE;
                end else begin
                    err_reg           <= DMAC_ERR_NONE;
                    ar_desc_valid_reg <= 1'b1;
                    state_reg         <= STATE_FETCH_AR;
                end
            end
        end
        STATE_FETCH_AR: begin
            if (m_axi_arready) begin
                ar_desc_valid_reg <= 1'b0;
                state_reg         <= STATE_FETCH_R;
            end
        end
        STATE_FETCH_R: begin
            if (r_desc_beat) begin
                desc_reg[desc_beat_reg*DATA_WIDTH +: DATA_WIDTH] <= m_axi_rdata;
                desc_beat_reg <= desc_beat_reg + 4'd1;
                if (m_axi_rresp[1]) begin
                    desc_bad_reg <= 1'b1;
                end
                if (m_axi_rlast) begin
                    if (desc_bad_reg || m_axi_rresp[1]) begin
                        err_reg   <= DMAC_ERR_DESC_READ;
                        state_reg <= STATE_REPORT;
                    end else begin
                        state_reg <= STATE_DECODE;
                    end
                end
            end
        end
        STATE_DECODE: begin
            res_valid <= 1'b1;
            res_chan  <= chan_reg;
            res_bytes <= desc_len;
            if (decode_err != DMAC_ERR_NONE) begin
                err_reg         <= decode_err;
                aw_wb_valid_reg <= 1'b1;
                w_wb_valid_reg  <= 1'b1;
                wb_beat_reg     <= 2'd0;
                state_reg       <= STATE_WB;
            end else begin
                state_reg <= STATE_MOVE;
            end
        end
        STATE_MOVE: begin
            if (rd_idle && wr_idle) begin
                moved_reg       <= moved_bytes;
                aw_wb_valid_reg <= 1'b1;
                w_wb_valid_reg  <= 1'b1;
                wb_beat_reg     <= 2'd0;
                state_reg       <= STATE_WB;
            end
        end
        STATE_WB: begin
            if (m_axi_awready) begin
                aw_wb_valid_reg <= 1'b0;
            end
            if (w_wb_valid_reg && m_axi_wready) begin
                if (m_axi_wlast) begin
                    w_wb_valid_reg <= 1'b0;
                end else begin
                    wb_beat_reg <= wb_beat_reg + 2'd1;
                end
            end
            if ((!aw_wb_valid_reg || m_axi_awready)
                    && (!w_wb_valid_reg || (m_axi_wready && m_axi_wlast))) begin
                state_reg <= STATE_WB_B;
            end
        end
        STATE_WB_B: begin
            if (b_status) begin
                if (m_axi_bresp[1] && err_reg == DMAC_ERR_NONE) begin
                    err_reg      <= DMAC_ERR_STATUS_WRITE;
                    err_addr_reg <= wb_addr;
                end
                state_reg <= STATE_REPORT;
            end
        end
        STATE_REPORT: begin
            done_valid    <= 1'b1;
            done_chan     <= chan_reg;
            done_err      <= err_reg;
            done_err_addr <= err_addr_reg;
            done_next     <= desc_next;
            done_last     <= desc_last;
            done_irq      <= desc_irq && err_reg == DMAC_ERR_NONE;
            state_reg     <= STATE_IDLE;
            if (err_reg != DMAC_ERR_NONE || desc_last) begin
                pf_keep_reg <= 1'b0;
            end
        end
        default: state_reg <= STATE_IDLE;
    endcase

    /*
     * Prefetch
     */
    // Whatever was prefetched is used or dropped by the job accepted now.
    if (state_reg == STATE_IDLE && job_valid && job_ready && pf_state_reg == PF_VALID) begin
        pf_state_reg <= PF_NONE;
    end
    if (pf_start) begin
        pf_state_reg <= PF_AR;
        pf_addr_reg  <= desc_next;
        pf_chan_reg  <= chan_reg;
        pf_beat_reg  <= 4'd0;
        pf_bad_reg   <= 1'b0;
        pf_keep_reg  <= 1'b1;
    end
    if (pf_state_reg == PF_AR && m_axi_arready) begin
        pf_state_reg <= PF_R;
    end
    if (pf_state_reg == PF_R && r_desc_beat) begin
        pf_desc_reg[pf_beat_reg*DATA_WIDTH +: DATA_WIDTH] <= m_axi_rdata;
        pf_beat_reg <= pf_beat_reg + 4'd1;
        if (m_axi_rresp[1]) begin
            pf_bad_reg <= 1'b1;
        end
        if (m_axi_rlast) begin
            // A failed prefetch is forgotten: the normal fetch reports the error.
            pf_state_reg <= (pf_bad_reg || m_axi_rresp[1] || !pf_keep_reg) ? PF_NONE : PF_VALID;
        end
    end
    if (pf_state_reg == PF_VALID && !pf_keep_reg) begin
        pf_state_reg <= PF_NONE;
    end

    if (rst) begin
        pf_state_reg      <= PF_NONE;
        pf_keep_reg       <= 1'b0;
        state_reg         <= STATE_IDLE;
        err_reg           <= DMAC_ERR_NONE;
        ar_desc_valid_reg <= 1'b0;
        aw_wb_valid_reg   <= 1'b0;
        w_wb_valid_reg    <= 1'b0;
        done_valid        <= 1'b0;
        res_valid         <= 1'b0;
    end
end

endmodule

`resetall
