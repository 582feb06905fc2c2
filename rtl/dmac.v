// SPDX-License-Identifier: Apache-2.0
// Descriptor-chaining DMA controller: AXI4-Lite registers, NUM_CHANNELS channels, one AXI4 master.
//
// Module tree (see docs/architecture.md):
//   dmac
//   +- dmac_axil_slave   AXI4-Lite slave -> register strobes
//   +- dmac_csr          global registers, routing to the channel blocks
//   +- dmac_chan [n]     per-channel registers and chain state
//   +- dmac_arbiter      priority, then round-robin choice of the next channel job
//   +- dmac_engine       descriptor fetch, checks, status write-back
//      +- dmac_rd_mover  read bursts -> data FIFO
//      +- dmac_fifo      data FIFO
//      +- dmac_wr_mover  data FIFO -> write bursts, write responses
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
    // Data FIFO entries (power of two, at least MAX_BURST_LEN)
    parameter FIFO_DEPTH = 128,
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

    // Level interrupt: any channel with an enabled event pending
    output wire                       irq
);

localparam CHAN_W = NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1;

/*
 * Registers
 */
wire                       reg_wr_en;
wire [AXIL_ADDR_WIDTH-1:0] reg_wr_addr;
wire [31:0]                reg_wr_data;
wire [3:0]                 reg_wr_strb;
wire [AXIL_ADDR_WIDTH-1:0] reg_rd_addr;
wire [31:0]                reg_rd_data;

wire [NUM_CHANNELS-1:0]    chan_wr_en;
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
    .reg_wr_en(reg_wr_en),
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
    .reg_wr_en(reg_wr_en),
    .reg_wr_addr(reg_wr_addr),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(reg_rd_data),
    .chan_wr_en(chan_wr_en),
    .chan_wr_off(chan_wr_off),
    .chan_rd_off(chan_rd_off),
    .chan_rd_data(chan_rd_data),
    .chan_irq(chan_irq)
);

/*
 * Channels, arbiter, engine
 */
wire [NUM_CHANNELS-1:0]    job_req;
wire [NUM_CHANNELS*64-1:0] job_desc;
wire                       job_valid;
wire                       job_ready;
wire [CHAN_W-1:0]          job_chan;

wire                       done_valid;
wire [CHAN_W-1:0]          done_chan;
wire [3:0]                 done_err;
wire [63:0]                done_err_addr;
wire [63:0]                done_next;
wire                       done_last;
wire                       done_irq;

wire [NUM_CHANNELS-1:0]    chan_pause;
wire [2*NUM_CHANNELS-1:0]  chan_prio;
wire [NUM_CHANNELS-1:0]    chan_abort;
wire                       engine_quiet;
wire [CHAN_W-1:0]          engine_quiet_chan;

wire                       res_valid;
wire [CHAN_W-1:0]          res_chan;
wire [31:0]                res_bytes;

genvar n;
generate
    for (n = 0; n < NUM_CHANNELS; n = n + 1) begin : g_chan
        dmac_chan chan_inst (
            .clk(clk),
            .rst(rst),
            .reg_wr_en(chan_wr_en[n]),
            .reg_wr_off(chan_wr_off),
            .reg_wr_data(reg_wr_data),
            .reg_wr_strb(reg_wr_strb),
            .reg_rd_off(chan_rd_off),
            .reg_rd_data(chan_rd_data[n*32 +: 32]),
            .job_req(job_req[n]),
            .job_desc(job_desc[n*64 +: 64]),
            .job_grant(job_valid && job_ready && job_chan == n),
            .pause_req(chan_pause[n]),
            .prio(chan_prio[2*n +: 2]),
            .abort_req(chan_abort[n]),
            .quiet(engine_quiet && engine_quiet_chan == n),
            .done_valid(done_valid && done_chan == n),
            .done_err(done_err),
            .done_err_addr(done_err_addr),
            .done_next(done_next),
            .done_last(done_last),
            .done_irq(done_irq),
            .res_valid(res_valid && res_chan == n),
            .res_bytes(res_bytes),
            .irq(chan_irq[n])
        );
    end
endgenerate

assign irq = |chan_irq;

dmac_arbiter #(
    .PORTS(NUM_CHANNELS)
) arbiter_inst (
    .clk(clk),
    .rst(rst),
    .req(job_req),
    .prio(chan_prio),
    .accept(job_ready),
    .grant_valid(job_valid),
    .grant_idx(job_chan)
);

dmac_engine #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .NUM_CHANNELS(NUM_CHANNELS),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .FIFO_DEPTH(FIFO_DEPTH)
) engine_inst (
    .clk(clk),
    .rst(rst),
    .job_valid(job_valid),
    .job_ready(job_ready),
    .job_chan(job_chan),
    .job_desc(job_desc[job_chan*64 +: 64]),
    .chan_pause(chan_pause),
    .chan_abort(chan_abort),
    .quiet(engine_quiet),
    .quiet_chan(engine_quiet_chan),
    .done_valid(done_valid),
    .done_chan(done_chan),
    .done_err(done_err),
    .done_err_addr(done_err_addr),
    .done_next(done_next),
    .done_last(done_last),
    .done_irq(done_irq),
    .res_valid(res_valid),
    .res_chan(res_chan),
    .res_bytes(res_bytes),
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
