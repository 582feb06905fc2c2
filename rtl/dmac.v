// SPDX-License-Identifier: Apache-2.0
// Descriptor-chaining DMA controller: AXI4-Lite registers, NUM_CHANNELS channels, one AXI4 master.
//
// Module tree (see docs/architecture.md):
//   dmac
//   +- dmac_axil_slave   AXI4-Lite slave -> register strobes
//   +- dmac_csr          global registers, routing to the channel blocks
//   +- dmac_chan [n]     per-channel registers, interrupts, coalescing
//   +- dmac_desc_fetch   descriptor reads ahead of the data for every channel
//   +- dmac_lane [n]     per-channel pipeline of descriptor jobs
//   |  +- dmac_rd_mover    read bursts -> data FIFO
//   |  +- dmac_fifo        descriptor, job and data queues
//   |  +- dmac_realign     source-aligned -> destination-aligned beats
//   |  +- dmac_wr_mover    write bursts, write responses per job
//   +- dmac_axi_mux      burst-by-burst arbitration of the shared AXI4 master
//      +- dmac_arbiter   priority, then round robin
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac #(
    // Width of the AXI4 data bus in bits: 32, 64, 128 or 256
    parameter DATA_WIDTH = 64,
    // Width of the AXI4 address in bits: 32..64
    parameter ADDR_WIDTH = 32,
    // Width of the AXI4 IDs
    parameter ID_WIDTH = 4,
    // Number of channels: 1..8
    parameter NUM_CHANNELS = 4,
    // Longest data burst in beats: 1..256
    parameter MAX_BURST_LEN = 16,
    // Data bursts in flight per direction at most (power of two)
    parameter MAX_OUTSTANDING = 8,
    // Data FIFO entries per channel (power of two, at least 2 * MAX_BURST_LEN)
    parameter FIFO_DEPTH = 128,
    // Descriptors read in one burst at most (1..16), when the chain is contiguous
    parameter DESC_PREFETCH = 4,
    // Descriptors whose statuses one write-back burst covers at most (1..16),
    // when they are contiguous; fewer if MAX_BURST_LEN (or 16 beats) is shorter
    parameter STATUS_BATCH = 16,
    // Data write bursts of at most this many beats wait for all their source
    // beats (store and forward); longer ones start once this many and one
    // more are in the data FIFO and the rest have been requested (cut-through)
    parameter STORE_FORWARD_MAX = 16,
    // Peripheral request lines: 1..8
    parameter NUM_REQ = 8,
    // Width of the AXI4-Lite register address
    parameter AXIL_ADDR_WIDTH = 12
) (
    input  wire                       clk,
    input  wire                       rst,

    /*
     * AXI4-Lite slave: registers
     */
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]                 s_axil_awprot,
    input  wire                       s_axil_awvalid,
    output wire                       s_axil_awready,
    input  wire [31:0]                s_axil_wdata,
    input  wire [3:0]                 s_axil_wstrb,
    input  wire                       s_axil_wvalid,
    output wire                       s_axil_wready,
    output wire [1:0]                 s_axil_bresp,
    output wire                       s_axil_bvalid,
    input  wire                       s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]                 s_axil_arprot,
    input  wire                       s_axil_arvalid,
    output wire                       s_axil_arready,
    output wire [31:0]                s_axil_rdata,
    output wire [1:0]                 s_axil_rresp,
    output wire                       s_axil_rvalid,
    input  wire                       s_axil_rready,

    /*
     * AXI4 master: descriptors and data
     */
    output wire [ID_WIDTH-1:0]        m_axi_awid,
    output wire [ADDR_WIDTH-1:0]      m_axi_awaddr,
    output wire [7:0]                 m_axi_awlen,
    output wire [2:0]                 m_axi_awsize,
    output wire [1:0]                 m_axi_awburst,
    output wire                       m_axi_awlock,
    output wire [3:0]                 m_axi_awcache,
    output wire [2:0]                 m_axi_awprot,
    output wire                       m_axi_awvalid,
    input  wire                       m_axi_awready,
    output wire [DATA_WIDTH-1:0]      m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]    m_axi_wstrb,
    output wire                       m_axi_wlast,
    output wire                       m_axi_wvalid,
    input  wire                       m_axi_wready,
    input  wire [ID_WIDTH-1:0]        m_axi_bid,
    input  wire [1:0]                 m_axi_bresp,
    input  wire                       m_axi_bvalid,
    output wire                       m_axi_bready,
    output wire [ID_WIDTH-1:0]        m_axi_arid,
    output wire [ADDR_WIDTH-1:0]      m_axi_araddr,
    output wire [7:0]                 m_axi_arlen,
    output wire [2:0]                 m_axi_arsize,
    output wire [1:0]                 m_axi_arburst,
    output wire                       m_axi_arlock,
    output wire [3:0]                 m_axi_arcache,
    output wire [2:0]                 m_axi_arprot,
    output wire                       m_axi_arvalid,
    input  wire                       m_axi_arready,
    input  wire [ID_WIDTH-1:0]        m_axi_rid,
    input  wire [DATA_WIDTH-1:0]      m_axi_rdata,
    input  wire [1:0]                 m_axi_rresp,
    input  wire                       m_axi_rlast,
    input  wire                       m_axi_rvalid,
    output wire                       m_axi_rready,

    /*
     * Peripheral request lines (docs/request-lines.md)
     */
    input  wire [NUM_REQ-1:0]         dma_req_burst,
    input  wire [NUM_REQ-1:0]         dma_req_single,
    input  wire [NUM_REQ-1:0]         dma_req_last,
    output reg  [NUM_REQ-1:0]         dma_ack,
    output reg  [NUM_REQ-1:0]         dma_tc,

    // Level interrupt: any channel with an enabled event pending
    output wire                       irq
);

localparam SIZE = $clog2(DATA_WIDTH / 8);

initial begin
    if (DATA_WIDTH < 32 || DATA_WIDTH > 256 || (1 << SIZE) * 8 != DATA_WIDTH) begin
        $display("Error: DATA_WIDTH must be 32, 64, 128 or 256 (instance %m)");
        $finish;
    end
    if (ADDR_WIDTH < 32 || ADDR_WIDTH > 64) begin
        $display("Error: ADDR_WIDTH must be 32..64 (instance %m)");
        $finish;
    end
    if (NUM_CHANNELS < 1 || NUM_CHANNELS > 8) begin
        $display("Error: NUM_CHANNELS must be 1..8 (instance %m)");
        $finish;
    end
    if (MAX_BURST_LEN < 1 || MAX_BURST_LEN > 256) begin
        $display("Error: MAX_BURST_LEN must be 1..256 (instance %m)");
        $finish;
    end
    if (STATUS_BATCH < 1 || STATUS_BATCH > 16) begin
        $display("Error: STATUS_BATCH must be 1..16 (instance %m)");
        $finish;
    end
    if (STORE_FORWARD_MAX < 1 || STORE_FORWARD_MAX > 256) begin
        $display("Error: STORE_FORWARD_MAX must be 1..256 (instance %m)");
        $finish;
    end
    if (NUM_REQ < 1 || NUM_REQ > 8) begin
        $display("Error: NUM_REQ must be 1..8 (instance %m)");
        $finish;
    end
    // A write burst is announced once the FIFO holds its source beats (one
    // more than the burst when the realigner leads), and the read side asks
    // for whole bursts: with fewer than two bursts of room a chain stops.
    if (FIFO_DEPTH < 2 * MAX_BURST_LEN || FIFO_DEPTH > 16384) begin
        $display("Error: FIFO_DEPTH must be 2 * MAX_BURST_LEN..16384 (instance %m)");
        $finish;
    end
end

/*
 * Registers
 */
wire                       reg_wr_req;
wire [AXIL_ADDR_WIDTH-1:0] reg_wr_addr;
wire [31:0]                reg_wr_data;
wire [3:0]                 reg_wr_strb;
wire [AXIL_ADDR_WIDTH-1:0] reg_rd_addr;
wire [31:0]                reg_rd_data;

wire [NUM_CHANNELS-1:0]    chan_wr_req;
wire [5:0]                 chan_wr_off;
wire [5:0]                 chan_rd_off;
wire [NUM_CHANNELS*32-1:0] chan_rd_data;
wire [NUM_CHANNELS-1:0]    chan_irq;

dmac_axil_slave #(
    .ADDR_WIDTH(AXIL_ADDR_WIDTH)
) axil_slave_inst (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axil_awaddr),
    .s_axil_awprot(s_axil_awprot),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_wdata(s_axil_wdata),
    .s_axil_wstrb(s_axil_wstrb),
    .s_axil_wvalid(s_axil_wvalid),
    .s_axil_wready(s_axil_wready),
    .s_axil_bresp(s_axil_bresp),
    .s_axil_bvalid(s_axil_bvalid),
    .s_axil_bready(s_axil_bready),
    .s_axil_araddr(s_axil_araddr),
    .s_axil_arprot(s_axil_arprot),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_rdata(s_axil_rdata),
    .s_axil_rresp(s_axil_rresp),
    .s_axil_rvalid(s_axil_rvalid),
    .s_axil_rready(s_axil_rready),
    .reg_wr_req(reg_wr_req),
    .reg_wr_addr(reg_wr_addr),
    .reg_wr_data(reg_wr_data),
    .reg_wr_strb(reg_wr_strb),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(reg_rd_data)
);

dmac_csr #(
    .ADDR_WIDTH(AXIL_ADDR_WIDTH),
    .NUM_CHANNELS(NUM_CHANNELS),
    .DATA_WIDTH(DATA_WIDTH),
    .BUS_ADDR_WIDTH(ADDR_WIDTH),
    .MAX_BURST_LEN(MAX_BURST_LEN)
) csr_inst (
    .clk(clk),
    .rst(rst),
    .reg_wr_req(reg_wr_req),
    .reg_wr_addr(reg_wr_addr),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(reg_rd_data),
    .chan_wr_req(chan_wr_req),
    .chan_wr_off(chan_wr_off),
    .chan_rd_off(chan_rd_off),
    .chan_rd_data(chan_rd_data),
    .chan_irq(chan_irq)
);

/*
 * Channels: registers and lanes
 */
localparam ADDR_W = ADDR_WIDTH;
localparam DATA_BYTES = DATA_WIDTH / 8;

wire [2*NUM_CHANNELS-1:0]         chan_prio;

wire [NUM_CHANNELS-1:0]           l_ar_valid;
wire [NUM_CHANNELS-1:0]           l_ar_ready;
wire [NUM_CHANNELS*ADDR_W-1:0]    l_ar_addr;
wire [NUM_CHANNELS*8-1:0]         l_ar_len;
wire [NUM_CHANNELS*3-1:0]         l_ar_size;
wire [NUM_CHANNELS*2-1:0]         l_ar_burst;
wire [NUM_CHANNELS-1:0]           l_r_valid;
wire [NUM_CHANNELS*DATA_WIDTH-1:0] l_r_data;
wire [NUM_CHANNELS*2-1:0]         l_r_resp;
wire [NUM_CHANNELS-1:0]           l_r_last;
wire [NUM_CHANNELS-1:0]           l_aw_valid;
wire [NUM_CHANNELS-1:0]           l_aw_ready;
wire [NUM_CHANNELS*ADDR_W-1:0]    l_aw_addr;
wire [NUM_CHANNELS*8-1:0]         l_aw_len;
wire [NUM_CHANNELS*3-1:0]         l_aw_size;
wire [NUM_CHANNELS*2-1:0]         l_aw_burst;
wire [NUM_CHANNELS-1:0]           chan_ack;
wire [NUM_CHANNELS-1:0]           chan_tc;
wire [NUM_CHANNELS*3-1:0]         chan_req;
wire [NUM_CHANNELS-1:0]           chan_dev;
wire [NUM_CHANNELS-1:0]           l_aw_kind;
wire [NUM_CHANNELS-1:0]           l_wd_valid;
wire [NUM_CHANNELS-1:0]           l_wd_ready;
wire [NUM_CHANNELS*DATA_WIDTH-1:0] l_wd_data;
wire [NUM_CHANNELS*DATA_BYTES-1:0] l_wd_strb;
wire [NUM_CHANNELS-1:0]           l_wd_last;
wire [NUM_CHANNELS-1:0]           l_ws_valid;
wire [NUM_CHANNELS-1:0]           l_ws_ready;
wire [NUM_CHANNELS*DATA_WIDTH-1:0] l_ws_data;
wire [NUM_CHANNELS*DATA_BYTES-1:0] l_ws_strb;
wire [NUM_CHANNELS-1:0]           l_ws_last;
wire [NUM_CHANNELS-1:0]           l_b_valid;
wire [NUM_CHANNELS-1:0]           l_b_kind;
wire [NUM_CHANNELS*2-1:0]         l_b_resp;

// The shared descriptor fetcher and each lane's side of it
wire [NUM_CHANNELS-1:0]           f_start;
wire [NUM_CHANNELS*64-1:0]        f_start_ptr;
wire [NUM_CHANNELS-1:0]           f_halt;
wire [NUM_CHANNELS-1:0]           f_hold;
wire [NUM_CHANNELS*6-1:0]         f_room;
wire [NUM_CHANNELS-1:0]           f_push;
wire [3:0]                        f_err;
wire                              f_fetched;
wire [ADDR_W-1:0]                 f_addr;
wire [ADDR_W-1:0]                 f_src;
wire [ADDR_W-1:0]                 f_dst;
wire [31:0]                       f_len;
wire                              f_irq;
wire                              f_last;
wire [NUM_CHANNELS*64-1:0]        f_bad_ptr;
wire [NUM_CHANNELS-1:0]           f_quiet;
wire                              f_ar_valid;
wire                              f_ar_ready;
wire [ADDR_W-1:0]                 f_ar_addr;
wire [7:0]                        f_ar_len;
wire [1:0]                        f_ar_prio;
wire                              f_ar_soon;
wire [(NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1)-1:0] f_ar_chan;
wire                              f_r_valid;
wire [DATA_WIDTH-1:0]             f_r_data;
wire [1:0]                        f_r_resp;
wire                              f_r_last;

genvar n;
generate
    for (n = 0; n < NUM_CHANNELS; n = n + 1) begin : g_chan
        wire        start;
        wire [63:0] start_ptr;
        wire        abort_cmd;
        wire        pause;
        wire        cpl_valid;
        wire        cpl_irq;
        wire        halt_valid;
        wire [3:0]  halt_err;
        wire [63:0] halt_err_addr;
        wire [63:0] halt_desc;
        wire [31:0] halt_residue;
        wire [63:0] cur_desc;
        wire [31:0] residue;
        wire        paused;
        wire [1:0]  cfg_flow;
        wire        cfg_dev_incr;
        wire [2:0]  cfg_req;
        wire [1:0]  cfg_width;
        wire [4:0]  cfg_maxburst;
        // The channel's request line (none if it is beyond NUM_REQ)
        wire        line_ok = {1'b0, cfg_req} < NUM_REQ[3:0];
        wire [7:0]  req_burst_all  = {{(8-NUM_REQ){1'b0}}, dma_req_burst};
        wire [7:0]  req_single_all = {{(8-NUM_REQ){1'b0}}, dma_req_single};
        wire [7:0]  req_last_all   = {{(8-NUM_REQ){1'b0}}, dma_req_last};
        // The channel's line, sampled into registers: the lane sees it a
        // cycle late (and so ignores it for two cycles from an acknowledge).
        reg         req_burst_reg;
        reg         req_single_reg;
        reg         req_last_reg;
        always @(posedge clk) begin
            req_burst_reg  <= line_ok && req_burst_all[cfg_req];
            req_single_reg <= line_ok && req_single_all[cfg_req];
            req_last_reg   <= line_ok && req_last_all[cfg_req];
        end

        dmac_chan chan_inst (
            .clk(clk),
            .rst(rst),
            .reg_wr_req(chan_wr_req[n]),
            .reg_wr_off(chan_wr_off),
            .reg_wr_data(reg_wr_data),
            .reg_wr_strb(reg_wr_strb),
            .reg_rd_off(chan_rd_off),
            .reg_rd_data(chan_rd_data[n*32 +: 32]),
            .start(start),
            .start_ptr(start_ptr),
            .abort_cmd(abort_cmd),
            .pause(pause),
            .prio(chan_prio[2*n +: 2]),
            .cfg_flow(cfg_flow),
            .cfg_dev_incr(cfg_dev_incr),
            .cfg_req(cfg_req),
            .cfg_width(cfg_width),
            .cfg_maxburst(cfg_maxburst),
            .cpl_valid(cpl_valid),
            .cpl_irq(cpl_irq),
            .halt_valid(halt_valid),
            .halt_err(halt_err),
            .halt_err_addr(halt_err_addr),
            .halt_desc(halt_desc),
            .halt_residue(halt_residue),
            .cur_desc(cur_desc),
            .residue(residue),
            .lane_paused(paused),
            .irq(chan_irq[n])
        );

        dmac_lane #(
            .DATA_WIDTH(DATA_WIDTH),
            .ADDR_WIDTH(ADDR_WIDTH),
            .MAX_BURST_LEN(MAX_BURST_LEN),
            .MAX_OUTSTANDING(MAX_OUTSTANDING),
            .FIFO_DEPTH(FIFO_DEPTH),
            .DESC_PREFETCH(DESC_PREFETCH),
            .STATUS_BATCH(STATUS_BATCH),
            .STORE_FORWARD_MAX(STORE_FORWARD_MAX)
        ) lane_inst (
            .clk(clk),
            .rst(rst),
            .start(start),
            .start_ptr(start_ptr),
            .abort_cmd(abort_cmd),
            .pause(pause),
            .cfg_flow(cfg_flow),
            .cfg_dev_incr(cfg_dev_incr),
            .cfg_width(cfg_width),
            .cfg_maxburst(cfg_maxburst),
            .req_burst(req_burst_reg),
            .req_single(req_single_reg),
            .req_last(req_last_reg),
            .dev_ack(chan_ack[n]),
            .dev_tc(chan_tc[n]),
            .cpl_valid(cpl_valid),
            .cpl_irq(cpl_irq),
            .halt_valid(halt_valid),
            .halt_err(halt_err),
            .halt_err_addr(halt_err_addr),
            .halt_desc(halt_desc),
            .halt_residue(halt_residue),
            .cur_desc(cur_desc),
            .residue(residue),
            .paused(paused),
            .f_start(f_start[n]),
            .f_halt(f_halt[n]),
            .f_hold(f_hold[n]),
            .f_room(f_room[n*6 +: 6]),
            .f_push(f_push[n]),
            .f_err(f_err),
            .f_fetched(f_fetched),
            .f_addr(f_addr),
            .f_src(f_src),
            .f_dst(f_dst),
            .f_len(f_len),
            .f_irq(f_irq),
            .f_last(f_last),
            .bad_ptr(f_bad_ptr[n*64 +: 64]),
            .f_quiet(f_quiet[n]),
            .ar_valid(l_ar_valid[n]),
            .ar_ready(l_ar_ready[n]),
            .ar_addr(l_ar_addr[n*ADDR_W +: ADDR_W]),
            .ar_len(l_ar_len[n*8 +: 8]),
            .ar_size(l_ar_size[n*3 +: 3]),
            .ar_burst(l_ar_burst[n*2 +: 2]),
            .r_valid(l_r_valid[n]),
            .r_data(l_r_data[n*DATA_WIDTH +: DATA_WIDTH]),
            .r_resp(l_r_resp[n*2 +: 2]),
            .r_last(l_r_last[n]),
            .aw_valid(l_aw_valid[n]),
            .aw_ready(l_aw_ready[n]),
            .aw_addr(l_aw_addr[n*ADDR_W +: ADDR_W]),
            .aw_len(l_aw_len[n*8 +: 8]),
            .aw_size(l_aw_size[n*3 +: 3]),
            .aw_burst(l_aw_burst[n*2 +: 2]),
            .aw_kind(l_aw_kind[n]),
            .wd_valid(l_wd_valid[n]),
            .wd_ready(l_wd_ready[n]),
            .wd_data(l_wd_data[n*DATA_WIDTH +: DATA_WIDTH]),
            .wd_strb(l_wd_strb[n*DATA_BYTES +: DATA_BYTES]),
            .wd_last(l_wd_last[n]),
            .ws_valid(l_ws_valid[n]),
            .ws_ready(l_ws_ready[n]),
            .ws_data(l_ws_data[n*DATA_WIDTH +: DATA_WIDTH]),
            .ws_strb(l_ws_strb[n*DATA_BYTES +: DATA_BYTES]),
            .ws_last(l_ws_last[n]),
            .b_valid(l_b_valid[n]),
            .b_kind(l_b_kind[n]),
            .b_resp(l_b_resp[n*2 +: 2])
        );

        assign f_start_ptr[n*64 +: 64] = start_ptr;
        assign chan_req[n*3 +: 3] = cfg_req;
        assign chan_dev[n] = line_ok;
    end
endgenerate

// Acknowledges go back on the line each channel is configured for (one
// channel per line: two channels on one line see the same requests).
integer c;
always @* begin
    dma_ack = {NUM_REQ{1'b0}};
    dma_tc  = {NUM_REQ{1'b0}};
    for (c = 0; c < NUM_CHANNELS; c = c + 1) begin
        if (chan_dev[c]) begin
            dma_ack = dma_ack | (chan_ack[c] ? ({{(NUM_REQ-1){1'b0}}, 1'b1} << chan_req[c*3 +: 3]) : {NUM_REQ{1'b0}});
            dma_tc  = dma_tc  | (chan_tc[c]  ? ({{(NUM_REQ-1){1'b0}}, 1'b1} << chan_req[c*3 +: 3]) : {NUM_REQ{1'b0}});
        end
    end
end

assign irq = |chan_irq;

dmac_desc_fetch #(
    .NUM_CHANNELS(NUM_CHANNELS),
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .DESC_PREFETCH(DESC_PREFETCH),
    .ROOM_W(6)
) fetch_inst (
    .clk(clk),
    .rst(rst),
    .start(f_start),
    .start_ptr(f_start_ptr),
    .halt(f_halt),
    .hold(f_hold),
    .room(f_room),
    .prio(chan_prio),
    .ar_addr(f_ar_addr),
    .ar_len(f_ar_len),
    .ar_prio(f_ar_prio),
    .ar_soon(f_ar_soon),
    .ar_chan(f_ar_chan),
    .ar_valid(f_ar_valid),
    .ar_ready(f_ar_ready),
    .r_data(f_r_data),
    .r_resp(f_r_resp),
    .r_last(f_r_last),
    .r_valid(f_r_valid),
    .push(f_push),
    .push_err(f_err),
    .push_fetched(f_fetched),
    .push_addr(f_addr),
    .push_src(f_src),
    .push_dst(f_dst),
    .push_len(f_len),
    .push_irq(f_irq),
    .push_last(f_last),
    .bad_ptr(f_bad_ptr),
    .quiet(f_quiet)
);

dmac_axi_mux #(
    .NUM_CHANNELS(NUM_CHANNELS),
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH)
) axi_mux_inst (
    .clk(clk),
    .rst(rst),
    .prio(chan_prio),
    .l_ar_valid(l_ar_valid),
    .l_ar_ready(l_ar_ready),
    .l_ar_addr(l_ar_addr),
    .l_ar_len(l_ar_len),
    .l_ar_size(l_ar_size),
    .l_ar_burst(l_ar_burst),
    .l_r_valid(l_r_valid),
    .l_r_data(l_r_data),
    .l_r_resp(l_r_resp),
    .l_r_last(l_r_last),
    .l_aw_valid(l_aw_valid),
    .l_aw_ready(l_aw_ready),
    .l_aw_addr(l_aw_addr),
    .l_aw_len(l_aw_len),
    .l_aw_size(l_aw_size),
    .l_aw_burst(l_aw_burst),
    .l_aw_kind(l_aw_kind),
    .l_wd_valid(l_wd_valid),
    .l_wd_ready(l_wd_ready),
    .l_wd_data(l_wd_data),
    .l_wd_strb(l_wd_strb),
    .l_wd_last(l_wd_last),
    .l_ws_valid(l_ws_valid),
    .l_ws_ready(l_ws_ready),
    .l_ws_data(l_ws_data),
    .l_ws_strb(l_ws_strb),
    .l_ws_last(l_ws_last),
    .l_b_valid(l_b_valid),
    .l_b_kind(l_b_kind),
    .l_b_resp(l_b_resp),
    .f_ar_valid(f_ar_valid),
    .f_ar_ready(f_ar_ready),
    .f_ar_addr(f_ar_addr),
    .f_ar_len(f_ar_len),
    .f_ar_prio(f_ar_prio),
    .f_ar_soon(f_ar_soon),
    .f_ar_chan(f_ar_chan),
    .f_r_valid(f_r_valid),
    .f_r_data(f_r_data),
    .f_r_resp(f_r_resp),
    .f_r_last(f_r_last),
    .m_axi_awid(m_axi_awid),
    .m_axi_awaddr(m_axi_awaddr),
    .m_axi_awlen(m_axi_awlen),
    .m_axi_awsize(m_axi_awsize),
    .m_axi_awburst(m_axi_awburst),
    .m_axi_awlock(m_axi_awlock),
    .m_axi_awcache(m_axi_awcache),
    .m_axi_awprot(m_axi_awprot),
    .m_axi_awvalid(m_axi_awvalid),
    .m_axi_awready(m_axi_awready),
    .m_axi_wdata(m_axi_wdata),
    .m_axi_wstrb(m_axi_wstrb),
    .m_axi_wlast(m_axi_wlast),
    .m_axi_wvalid(m_axi_wvalid),
    .m_axi_wready(m_axi_wready),
    .m_axi_bid(m_axi_bid),
    .m_axi_bresp(m_axi_bresp),
    .m_axi_bvalid(m_axi_bvalid),
    .m_axi_bready(m_axi_bready),
    .m_axi_arid(m_axi_arid),
    .m_axi_araddr(m_axi_araddr),
    .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize),
    .m_axi_arburst(m_axi_arburst),
    .m_axi_arlock(m_axi_arlock),
    .m_axi_arcache(m_axi_arcache),
    .m_axi_arprot(m_axi_arprot),
    .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready),
    .m_axi_rid(m_axi_rid),
    .m_axi_rdata(m_axi_rdata),
    .m_axi_rresp(m_axi_rresp),
    .m_axi_rlast(m_axi_rlast),
    .m_axi_rvalid(m_axi_rvalid),
    .m_axi_rready(m_axi_rready)
);

endmodule

`resetall
