// SPDX-License-Identifier: Apache-2.0
// Formal top: the controller at its smallest useful configuration, its bus checkers, controller invariants and covers.
//
// Every input of this module is free: the solver plays the CPU on s_axil_*
// (legal, by the assumptions of axil_slave_props), the memory on m_axi_*
// (legal, by those of axi4_master_props) and the peripherals on the request
// lines.  Everything here looks at the ports of rtl/dmac.v only.  The
// controller invariants and the covers follow the channel through its
// registers: the wrapper remembers the address of each register read, so a
// read of channel 0's STATUS tells what software would see.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_formal #(
    // The smallest configuration that still has every mechanism: one
    // channel, 4-beat bursts (a descriptor then takes a burst of 8 beats),
    // two data bursts in flight, the smallest data FIFO the top accepts.
    parameter DATA_WIDTH = 32,
    parameter ADDR_WIDTH = 32,
    parameter ID_WIDTH = 2,
    parameter NUM_CHANNELS = 1,
    parameter MAX_BURST_LEN = 4,
    parameter MAX_OUTSTANDING = 2,
    parameter FIFO_DEPTH = 8,
    parameter DESC_PREFETCH = 1,
    parameter NUM_REQ = 1,
    parameter AXIL_ADDR_WIDTH = 12
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]                 s_axil_awprot,
    input  wire                       s_axil_awvalid,
    input  wire [31:0]                s_axil_wdata,
    input  wire [3:0]                 s_axil_wstrb,
    input  wire                       s_axil_wvalid,
    input  wire                       s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]                 s_axil_arprot,
    input  wire                       s_axil_arvalid,
    input  wire                       s_axil_rready,

    input  wire                       m_axi_awready,
    input  wire                       m_axi_wready,
    input  wire [ID_WIDTH-1:0]        m_axi_bid,
    input  wire [1:0]                 m_axi_bresp,
    input  wire                       m_axi_bvalid,
    input  wire                       m_axi_arready,
    input  wire [ID_WIDTH-1:0]        m_axi_rid,
    input  wire [DATA_WIDTH-1:0]      m_axi_rdata,
    input  wire [1:0]                 m_axi_rresp,
    input  wire                       m_axi_rlast,
    input  wire                       m_axi_rvalid,

    input  wire [NUM_REQ-1:0]         dma_req_burst,
    input  wire [NUM_REQ-1:0]         dma_req_single,
    input  wire [NUM_REQ-1:0]         dma_req_last
);

`ifdef FORMAL

localparam CHAN_W = NUM_CHANNELS > 1 ? $clog2(NUM_CHANNELS) : 1;
localparam DESC_BEATS = 32 / (DATA_WIDTH / 8);
localparam MAX_DESC_LEN = DESC_BEATS > MAX_BURST_LEN ? DESC_BEATS : MAX_BURST_LEN;
// Channel 0's registers (regs/dmac.rdl: channel blocks from 0x100)
localparam [AXIL_ADDR_WIDTH-1:0] CH0_CTRL   = 12'h100;
localparam [AXIL_ADDR_WIDTH-1:0] CH0_STATUS = 12'h104;
localparam [AXIL_ADDR_WIDTH-1:0] CH0_CFG    = 12'h134;
localparam [3:0] ERR_DESC_READ    = 4'h2;
localparam [3:0] ERR_DATA_READ    = 4'h3;
localparam [3:0] ERR_DATA_WRITE   = 4'h4;
localparam [3:0] ERR_STATUS_WRITE = 4'h5;
localparam [3:0] ERR_ABORTED      = 4'h9;
localparam [1:0] FLOW_MEM2DEV     = 2'd1;
localparam [1:0] FLOW_DEV2MEM     = 2'd2;

wire                       s_axil_awready;
wire                       s_axil_wready;
wire [1:0]                 s_axil_bresp;
wire                       s_axil_bvalid;
wire                       s_axil_arready;
wire [31:0]                s_axil_rdata;
wire [1:0]                 s_axil_rresp;
wire                       s_axil_rvalid;

wire [ID_WIDTH-1:0]        m_axi_awid;
wire [ADDR_WIDTH-1:0]      m_axi_awaddr;
wire [7:0]                 m_axi_awlen;
wire [2:0]                 m_axi_awsize;
wire [1:0]                 m_axi_awburst;
wire                       m_axi_awlock;
wire [3:0]                 m_axi_awcache;
wire [2:0]                 m_axi_awprot;
wire                       m_axi_awvalid;
wire [DATA_WIDTH-1:0]      m_axi_wdata;
wire [DATA_WIDTH/8-1:0]    m_axi_wstrb;
wire                       m_axi_wlast;
wire                       m_axi_wvalid;
wire                       m_axi_bready;
wire [ID_WIDTH-1:0]        m_axi_arid;
wire [ADDR_WIDTH-1:0]      m_axi_araddr;
wire [7:0]                 m_axi_arlen;
wire [2:0]                 m_axi_arsize;
wire [1:0]                 m_axi_arburst;
wire                       m_axi_arlock;
wire [3:0]                 m_axi_arcache;
wire [2:0]                 m_axi_arprot;
wire                       m_axi_arvalid;
wire                       m_axi_rready;

wire [NUM_REQ-1:0]         dma_ack;
wire [NUM_REQ-1:0]         dma_tc;
wire                       irq;

dmac #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .NUM_CHANNELS(NUM_CHANNELS),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .FIFO_DEPTH(FIFO_DEPTH),
    .DESC_PREFETCH(DESC_PREFETCH),
    .NUM_REQ(NUM_REQ),
    .AXIL_ADDR_WIDTH(AXIL_ADDR_WIDTH)
) dut (
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
    .m_axi_rready(m_axi_rready),
    .dma_req_burst(dma_req_burst),
    .dma_req_single(dma_req_single),
    .dma_req_last(dma_req_last),
    .dma_ack(dma_ack),
    .dma_tc(dma_tc),
    .irq(irq)
);

wire f_ar_fire;
wire f_aw_fire;
wire f_w_fire;
wire f_r_fire;
wire f_b_fire;
wire f_rd_pending;
wire f_b_pending;

axi4_master_props #(
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .KIND_BIT(CHAN_W),
    .MAX_BURST_LEN(MAX_BURST_LEN),
    .MAX_DESC_LEN(MAX_DESC_LEN),
    .MAX_STATUS_LEN(8 / (DATA_WIDTH / 8) > 0 ? 8 / (DATA_WIDTH / 8) : 1),
    .MAX_RD_DATA(MAX_OUTSTANDING),
    .MAX_RD_DESC(1),
    .MAX_WR_DATA(MAX_OUTSTANDING),
    .MAX_WR_STATUS(1),
    .MAX_W_OWED(4)
) axi_props (
    .clk(clk),
    .rst(rst),
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
    .m_axi_rready(m_axi_rready),
    .f_ar_fire(f_ar_fire),
    .f_aw_fire(f_aw_fire),
    .f_w_fire(f_w_fire),
    .f_r_fire(f_r_fire),
    .f_b_fire(f_b_fire),
    .f_rd_pending(f_rd_pending),
    .f_b_pending(f_b_pending)
);

axil_slave_props #(
    .ADDR_WIDTH(AXIL_ADDR_WIDTH)
) axil_props (
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
    .s_axil_rready(s_axil_rready)
);

/*
 * What software sees: channel 0's STATUS, read with no register write in
 * progress from the AR handshake to the R handshake (so the value read is
 * still the channel's state when it is returned), and whether a register
 * write has come since.
 */
wire axil_aw_fire = s_axil_awvalid && s_axil_awready;
wire axil_w_fire  = s_axil_wvalid && s_axil_wready;
wire axil_b_fire  = s_axil_bvalid && s_axil_bready;
wire axil_ar_fire = s_axil_arvalid && s_axil_arready;
wire axil_r_fire  = s_axil_rvalid && s_axil_rready;

reg                       wr_pending;
reg [AXIL_ADDR_WIDTH-1:0] rd_addr;
reg                       rd_clean;
always @(posedge clk) begin
    if (axil_aw_fire || axil_w_fire) begin
        wr_pending <= 1'b1;
    end
    if (axil_b_fire) begin
        wr_pending <= 1'b0;
    end
    if (axil_ar_fire) begin
        rd_addr  <= {s_axil_araddr[AXIL_ADDR_WIDTH-1:2], 2'b00};
        rd_clean <= !wr_pending && !axil_aw_fire && !axil_w_fire;
    end else if (axil_aw_fire || axil_w_fire || wr_pending) begin
        rd_clean <= 1'b0;
    end
    if (rst) begin
        wr_pending <= 1'b0;
        rd_clean   <= 1'b0;
    end
end

// Register writes as the slave performs them: its AW and its W, in either
// order or together (the slave takes one write at a time).
reg                       wr_aw_seen;
reg [AXIL_ADDR_WIDTH-1:0] wr_aw_addr;
reg                       wr_w_seen;
reg [31:0]                wr_w_data;
reg [3:0]                 wr_w_strb;
wire [AXIL_ADDR_WIDTH-1:0] wr_addr = axil_aw_fire ? s_axil_awaddr : wr_aw_addr;
wire [31:0]               wr_data = axil_w_fire ? s_axil_wdata : wr_w_data;
wire [3:0]                wr_strb = axil_w_fire ? s_axil_wstrb : wr_w_strb;
wire                      wr_done = (wr_aw_seen || axil_aw_fire) && (wr_w_seen || axil_w_fire);
wire                      wr_ctrl = wr_done && wr_addr[AXIL_ADDR_WIDTH-1:2] == CH0_CTRL[AXIL_ADDR_WIDTH-1:2];
wire                      wr_cfg  = wr_done && wr_addr[AXIL_ADDR_WIDTH-1:2] == CH0_CFG[AXIL_ADDR_WIDTH-1:2];
wire                      wr_start = wr_ctrl && wr_strb[0] && wr_data[0];
always @(posedge clk) begin
    if (axil_aw_fire) begin
        wr_aw_seen <= 1'b1;
        wr_aw_addr <= s_axil_awaddr;
    end
    if (axil_w_fire) begin
        wr_w_seen <= 1'b1;
        wr_w_data <= s_axil_wdata;
        wr_w_strb <= s_axil_wstrb;
    end
    if (wr_done) begin
        wr_aw_seen <= 1'b0;
        wr_w_seen  <= 1'b0;
    end
    if (rst) begin
        wr_aw_seen <= 1'b0;
        wr_w_seen  <= 1'b0;
    end
end

wire       status_rd = axil_r_fire && rd_clean && rd_addr == CH0_STATUS;
wire       st_busy   = s_axil_rdata[0];
wire       st_paused = s_axil_rdata[1];
wire [3:0] st_err    = s_axil_rdata[11:8];

// Idle (or paused) as read, and no register write since
reg seen_idle;
reg seen_paused;
always @(posedge clk) begin
    if (status_rd && !axil_aw_fire && !axil_w_fire) begin
        seen_idle   <= !st_busy;
        seen_paused <= st_paused;
    end
    if (axil_aw_fire || axil_w_fire) begin
        seen_idle   <= 1'b0;
        seen_paused <= 1'b0;
    end
    if (rst) begin
        seen_idle   <= 1'b0;
        seen_paused <= 1'b0;
    end
end

/*
 * Software contract (docs/registers.md, CHAN.CFG): "change it only while the
 * channel is idle".  The channel is known idle after reset and after a clean
 * STATUS read with BUSY clear, until a CTRL write with START set.  Without
 * this, BMC finds a CFG write to a busy channel (FLOW changed mid-chain) that
 * makes the controller issue a data read of ARLEN 255 across 4 KiB.
 */
reg sw_idle;
always @(posedge clk) begin
    if (status_rd && !st_busy) begin
        sw_idle <= 1'b1;
    end
    if (wr_start) begin
        sw_idle <= 1'b0;
    end
    if (rst) begin
        sw_idle <= 1'b1;
    end
end

`ifndef FORMAL_CFG_WHILE_BUSY
always @(*) begin
    if (!rst && wr_cfg) begin
        ENV_SW_CFG_WHILE_IDLE: assume (sw_idle);
    end
end
`else
wire unused_sw = &{1'b0, sw_idle, wr_cfg};
`endif

// Controller invariants, on the ports
always @(*) begin
    if (!rst && seen_idle) begin
        // A channel that reported idle (after a chain, an error or an
        // abort) drives nothing on the bus until software writes again.
        IDLE_NO_AR: assert (!m_axi_arvalid);
        IDLE_NO_AW: assert (!m_axi_awvalid);
        IDLE_NO_W:  assert (!m_axi_wvalid);
    end
    if (!rst && seen_paused) begin
        // A channel that reported paused issues no data burst until software
        // writes again (descriptor reads ahead are not data; an ABORT written
        // just before the read may still write the descriptor's status back).
        PAUSED_NO_DATA_AR: assert (!m_axi_arvalid || m_axi_arid[CHAN_W]);
        PAUSED_NO_DATA_AW: assert (!m_axi_awvalid || m_axi_awid[CHAN_W]);
    end
end

/*
 * Request line 0: acknowledged only after the device side of its burst
 * completed on the bus (docs/request-lines.md, step 3).  In a device flow
 * every data burst on the device side serves one request: for MEM2DEV the
 * data writes (their B), for DEV2MEM the data reads (their RLAST).  The
 * wrapper counts those completions and the acknowledges from the START of
 * a chain on an idle channel, and an acknowledge must find a completion not
 * yet acknowledged, from an earlier cycle.  In MEM2MEM nothing is counted,
 * so no acknowledge may come at all.  The flow is CFG as software wrote it
 * (CFG is written only while idle, ENV_SW_CFG_WHILE_IDLE, so it is the flow
 * the chain runs with); without that contract the wrapper cannot know
 * which CFG write took effect, so the check is left out there.
 */
reg  [1:0] sw_flow;
reg  [4:0] dev_done_cnt;
reg  [4:0] dev_ack_cnt;
wire       dev_burst_done = (sw_flow == FLOW_MEM2DEV && f_b_fire && !m_axi_bid[CHAN_W])
                         || (sw_flow == FLOW_DEV2MEM && f_r_fire && m_axi_rlast && !m_axi_rid[CHAN_W]);
always @(posedge clk) begin
    if (wr_cfg && wr_strb[0]) begin
        sw_flow <= wr_data[1:0];
    end
    dev_done_cnt <= dev_done_cnt + {4'd0, dev_burst_done};
    dev_ack_cnt  <= dev_ack_cnt + {4'd0, dma_ack[0]};
    if (rst || (wr_start && sw_idle)) begin
        dev_done_cnt <= 5'd0;
        dev_ack_cnt  <= 5'd0;
    end
    if (rst) begin
        sw_flow <= 2'd0;
    end
end

`ifndef FORMAL_CFG_WHILE_BUSY
always @(*) begin
    if (!rst && dma_ack[0]) begin
        REQ_ACK_AFTER_BURST: assert (dev_ack_cnt < dev_done_cnt);
    end
end
`else
wire unused_req = &{1'b0, dev_done_cnt, dev_ack_cnt};
`endif

`ifdef FORMAL_ONE_DESC
/*
 * The small environment of the cover tasks (and bmc_dev): one descriptor,
 * a fast memory.  Everything else stays free and legal as above.
 *   - Software: its register writes are, in order, CFG (FORMAL_DEV only: a
 *     device flow on line 0, elements of 4 bytes, MAXBURST 0 to 2) and CTRL
 *     with START; no other write.  Register reads are of STATUS only, and
 *     BREADY/RREADY are high.
 *   - Memory: AWREADY, WREADY and ARREADY high; R and B whenever one is owed
 *     (the cycle after the handshake that makes it owed); responses free.
 *   - The descriptor at 0 (DESC's reset value) reads NEXT 0, SRC 0x1000,
 *     DST 0x2000, LEN 4 (FORMAL_DEV: 4 or 8), CTRL LAST: one beat to copy
 *     (one or two elements to move for a device).
 * The traces are still traces of the RTL from reset; they only show what
 * this environment can drive it to.
 */
`ifdef FORMAL_DEV
localparam ENV_WRITES = 2;
`else
localparam ENV_WRITES = 1;
`endif
reg [1:0] env_aw_n;
reg [1:0] env_w_n;
reg [2:0] env_desc_beat;
always @(posedge clk) begin
    if (axil_aw_fire) begin
        env_aw_n <= env_aw_n + 2'd1;
    end
    if (axil_w_fire) begin
        env_w_n <= env_w_n + 2'd1;
    end
    if (f_r_fire && m_axi_rid[CHAN_W]) begin
        env_desc_beat <= m_axi_rlast ? 3'd0 : env_desc_beat + 3'd1;
    end
    if (rst) begin
        env_aw_n      <= 2'd0;
        env_w_n       <= 2'd0;
        env_desc_beat <= 3'd0;
    end
end

// The k-th write's address and data (the slave takes one write at a time,
// so the k-th AW and the k-th W are one write)
wire env_cfg_aw = ENV_WRITES == 2 && env_aw_n == 2'd0;
wire env_cfg_w  = ENV_WRITES == 2 && env_w_n == 2'd0;
wire env_cfg_ok = (s_axil_wdata[1:0] == FLOW_MEM2DEV || s_axil_wdata[1:0] == FLOW_DEV2MEM)
               && s_axil_wdata[15:2] == 14'h0080 && s_axil_wdata[20:16] <= 5'd2
               && s_axil_wdata[31:21] == 11'd0;

reg [31:0] env_desc_word;
always @(*) begin
    case (env_desc_beat)
        3'd2:    env_desc_word = 32'h0000_1000;
        3'd4:    env_desc_word = 32'h0000_2000;
        3'd6:    env_desc_word = 32'h0000_0004;
        3'd7:    env_desc_word = 32'h0000_0002;
        default: env_desc_word = 32'h0000_0000;
    endcase
end
`ifdef FORMAL_DEV
wire env_desc_ok = env_desc_beat == 3'd6 ? (m_axi_rdata == 32'd4 || m_axi_rdata == 32'd8)
                                         : m_axi_rdata == env_desc_word;
`else
wire env_desc_ok = m_axi_rdata == env_desc_word;
`endif

always @(*) begin
    if (!rst) begin
        ENV_ONE_DESC_SW_AW:    assume (!s_axil_awvalid || (env_aw_n < ENV_WRITES
                                       && s_axil_awaddr == (env_cfg_aw ? CH0_CFG : CH0_CTRL)));
        ENV_ONE_DESC_SW_W:     assume (!s_axil_wvalid || (env_w_n < ENV_WRITES && s_axil_wstrb == 4'hf
                                       && (env_cfg_w ? env_cfg_ok : s_axil_wdata == 32'h1)));
        ENV_ONE_DESC_SW_AR:    assume (!s_axil_arvalid || s_axil_araddr == CH0_STATUS);
        ENV_ONE_DESC_SW_READY: assume (s_axil_bready && s_axil_rready);
        ENV_ONE_DESC_MEM_READY: assume (m_axi_awready && m_axi_wready && m_axi_arready);
        ENV_ONE_DESC_MEM_R:    assume (!f_rd_pending || m_axi_rvalid);
        ENV_ONE_DESC_MEM_B:    assume (!f_b_pending || m_axi_bvalid);
        ENV_ONE_DESC_DESC:     assume (!m_axi_rvalid || !m_axi_rid[CHAN_W] || env_desc_ok);
    end
end
`endif

`ifdef FORMAL_DEV
/*
 * The device on line 0 follows docs/request-lines.md: a request (burst or
 * single, with last only beside one of them) is held, all three lines
 * stable, until the cycle after its acknowledge.
 */
reg       env_req_up;
reg [2:0] env_req_d;
always @(posedge clk) begin
    env_req_up <= (dma_req_burst[0] || dma_req_single[0]) && !dma_ack[0];
    env_req_d  <= {dma_req_burst[0], dma_req_single[0], dma_req_last[0]};
    if (rst) begin
        env_req_up <= 1'b0;
    end
end
always @(*) begin
    if (!rst) begin
        ENV_DEV_REQ_HELD:      assume (!env_req_up
                                       || {dma_req_burst[0], dma_req_single[0], dma_req_last[0]} == env_req_d);
        ENV_DEV_LAST_WITH_REQ: assume (!dma_req_last[0] || dma_req_burst[0] || dma_req_single[0]);
    end
end
`endif

/*
 * Covers
 */
wire data_b_ok   = f_b_fire && !m_axi_bid[CHAN_W] && m_axi_bresp == 2'b00;
wire status_b_ok = f_b_fire && m_axi_bid[CHAN_W] && m_axi_bresp == 2'b00;

reg       had_data_b;
reg [1:0] pause_phase;
always @(posedge clk) begin
    if (data_b_ok) begin
        had_data_b <= 1'b1;
    end
    // Pause and resume: PAUSED read, then PAUSE cleared, then a data burst
    case (pause_phase)
        2'd0: if (status_rd && st_busy && st_paused) pause_phase <= 2'd1;
        2'd1: if (wr_ctrl && wr_strb[0] && !wr_data[2] && !wr_data[1]) pause_phase <= 2'd2;
        2'd2: if (f_ar_fire && !m_axi_arid[CHAN_W]) pause_phase <= 2'd3;
        default: ;
    endcase
    if (rst) begin
        had_data_b   <= 1'b0;
        pause_phase  <= 2'd0;
    end
end

always @(*) begin
    if (!rst) begin
        // A descriptor completes: data written, then its status write answered
        COVER_DESC_DONE:         cover (status_b_ok && had_data_b);
        COVER_ERR_DESC_READ:     cover (status_rd && !st_busy && st_err == ERR_DESC_READ);
        COVER_ERR_DATA_READ:     cover (status_rd && !st_busy && st_err == ERR_DATA_READ);
        COVER_ERR_DATA_WRITE:    cover (status_rd && !st_busy && st_err == ERR_DATA_WRITE);
        COVER_ERR_STATUS_WRITE:  cover (status_rd && !st_busy && st_err == ERR_STATUS_WRITE);
        COVER_PAUSE_RESUME:      cover (pause_phase == 2'd3);
        COVER_ABORT_DONE:        cover (status_rd && !st_busy && st_err == ERR_ABORTED);
        // A request acknowledged, in each device flow (REQ_ACK_AFTER_BURST not vacuous)
        COVER_REQ_ACK_MEM2DEV:   cover (dma_ack[0] && sw_flow == FLOW_MEM2DEV);
        COVER_REQ_ACK_DEV2MEM:   cover (dma_ack[0] && sw_flow == FLOW_DEV2MEM);
    end
end

`endif

endmodule

`resetall
