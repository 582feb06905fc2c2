// SPDX-License-Identifier: Apache-2.0
// Formal properties of an AXI4-Lite slave port: asserts on what the slave drives, assumes on the master.
//
// Connected to the s_axil_* ports only.  Labels follow ARM's checker rule
// names (see ../shared/reference/axi4-protocol-rules.md); ENV_ labels
// constrain the master (the CPU) and are assumptions.  Requests and
// responses are counted per channel: a write is answerable once both its AW
// and its W handshake have completed (in an earlier cycle), a read once its
// AR handshake has; every response must be answerable (one response per
// request, none without one), is held until taken, and comes within
// MAX_LATENCY cycles.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_slave_props #(
    // Width of the register address
    parameter ADDR_WIDTH = 12,
    // Requests of each kind in flight at most (the slave serves one at a time)
    parameter MAX_OUTSTANDING = 1,
    // Cycles from a complete request to its response, at most
    parameter MAX_LATENCY = 4,
    // Longest wait of the master on BREADY and RREADY, in cycles
    parameter MASTER_MAX_WAIT = 3
) (
    input  wire                  clk,
    input  wire                  rst,

    input  wire [ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]            s_axil_awprot,
    input  wire                  s_axil_awvalid,
    input  wire                  s_axil_awready,
    input  wire [31:0]           s_axil_wdata,
    input  wire [3:0]            s_axil_wstrb,
    input  wire                  s_axil_wvalid,
    input  wire                  s_axil_wready,
    input  wire [1:0]            s_axil_bresp,
    input  wire                  s_axil_bvalid,
    input  wire                  s_axil_bready,
    input  wire [ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]            s_axil_arprot,
    input  wire                  s_axil_arvalid,
    input  wire                  s_axil_arready,
    input  wire [31:0]           s_axil_rdata,
    input  wire [1:0]            s_axil_rresp,
    input  wire                  s_axil_rvalid,
    input  wire                  s_axil_rready
);

`ifdef FORMAL

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

wire f_check = f_past_valid && !f_past_rst && !rst;

wire aw_fire = s_axil_awvalid && s_axil_awready;
wire w_fire  = s_axil_wvalid && s_axil_wready;
wire b_fire  = s_axil_bvalid && s_axil_bready;
wire ar_fire = s_axil_arvalid && s_axil_arready;
wire r_fire  = s_axil_rvalid && s_axil_rready;

// Handshakes completed and not yet answered
reg [2:0] aw_cnt;
reg [2:0] w_cnt;
reg [2:0] ar_cnt;
// Cycles an answerable request has waited for its response to show
reg [3:0] b_lat;
reg [3:0] r_lat;
wire      wr_owed = aw_cnt != 3'd0 && w_cnt != 3'd0;
wire      rd_owed = ar_cnt != 3'd0;

always @(posedge clk) begin
    aw_cnt <= aw_cnt + {2'd0, aw_fire} - {2'd0, b_fire};
    w_cnt  <= w_cnt + {2'd0, w_fire} - {2'd0, b_fire};
    ar_cnt <= ar_cnt + {2'd0, ar_fire} - {2'd0, r_fire};
    b_lat  <= (wr_owed && !s_axil_bvalid) ? b_lat + 4'd1 : 4'd0;
    r_lat  <= (rd_owed && !s_axil_rvalid) ? r_lat + 4'd1 : 4'd0;
    if (rst) begin
        aw_cnt <= 3'd0;
        w_cnt  <= 3'd0;
        ar_cnt <= 3'd0;
        b_lat  <= 4'd0;
        r_lat  <= 4'd0;
    end
end

/*
 * Slave
 */
always @(posedge clk) begin
    if (f_past_valid && f_past_rst) begin
        AXI4LITE_ERRS_BVALID_RESET: assert (!s_axil_bvalid);
        AXI4LITE_ERRS_RVALID_RESET: assert (!s_axil_rvalid);
    end
    if (f_check && $past(s_axil_bvalid && !s_axil_bready)) begin
        AXI4LITE_ERRS_BVALID_STABLE: assert (s_axil_bvalid);
        AXI4LITE_ERRS_BRESP_STABLE:  assert (s_axil_bresp == $past(s_axil_bresp));
    end
    if (f_check && $past(s_axil_rvalid && !s_axil_rready)) begin
        AXI4LITE_ERRS_RVALID_STABLE: assert (s_axil_rvalid);
        AXI4LITE_ERRS_RDATA_STABLE:  assert (s_axil_rdata == $past(s_axil_rdata));
        AXI4LITE_ERRS_RRESP_STABLE:  assert (s_axil_rresp == $past(s_axil_rresp));
    end
end

always @(*) begin
    if (!rst) begin
        // A response only for a request whose handshakes completed before it
        AXI4LITE_ERRS_BRESP_AW:     assert (!s_axil_bvalid || aw_cnt != 3'd0);
        AXI4LITE_ERRS_BRESP_WLAST:  assert (!s_axil_bvalid || w_cnt != 3'd0);
        AXI4LITE_ERRS_RID:          assert (!s_axil_rvalid || ar_cnt != 3'd0);
        AXI4LITE_ERRS_BRESP_EXOKAY: assert (!s_axil_bvalid || s_axil_bresp != 2'b01);
        AXI4LITE_ERRS_RRESP_EXOKAY: assert (!s_axil_rvalid || s_axil_rresp != 2'b01);
        // Requests in flight are bounded (so is the bookkeeping)
        AXIL_AW_OUTSTANDING_MAX:    assert (aw_cnt <= MAX_OUTSTANDING);
        AXIL_W_OUTSTANDING_MAX:     assert (w_cnt <= MAX_OUTSTANDING);
        AXIL_AR_OUTSTANDING_MAX:    assert (ar_cnt <= MAX_OUTSTANDING);
        // No new request taken while as many are in flight as allowed
        AXIL_AWREADY_FULL:          assert (!s_axil_awready || aw_cnt < MAX_OUTSTANDING);
        AXIL_WREADY_FULL:           assert (!s_axil_wready || w_cnt < MAX_OUTSTANDING);
        AXIL_ARREADY_FULL:          assert (!s_axil_arready || ar_cnt < MAX_OUTSTANDING);
        // This slave is always ready when nothing of its kind is in flight
        AXIL_AWREADY_IDLE:          assert (s_axil_awready || aw_cnt != 3'd0);
        AXIL_WREADY_IDLE:           assert (s_axil_wready || w_cnt != 3'd0);
        AXIL_ARREADY_IDLE:          assert (s_axil_arready || ar_cnt != 3'd0);
        // Liveness as a bound: an answerable request is answered in time
        AXIL_BVALID_LATENCY:        assert (b_lat <= MAX_LATENCY);
        AXIL_RVALID_LATENCY:        assert (r_lat <= MAX_LATENCY);
    end
end

/*
 * Master: legal, with a bounded wait on the responses
 */
always @(*) begin
    if (rst || !f_past_valid) begin
        ENV_AXI4LITE_ERRM_AWVALID_RESET: assume (!s_axil_awvalid);
        ENV_AXI4LITE_ERRM_WVALID_RESET:  assume (!s_axil_wvalid);
        ENV_AXI4LITE_ERRM_ARVALID_RESET: assume (!s_axil_arvalid);
    end
end

always @(posedge clk) begin
    if (f_check && $past(s_axil_awvalid && !s_axil_awready)) begin
        ENV_AXI4LITE_ERRM_AWVALID_STABLE: assume (s_axil_awvalid);
        ENV_AXI4LITE_ERRM_AW_STABLE:      assume (s_axil_awaddr == $past(s_axil_awaddr)
                                                  && s_axil_awprot == $past(s_axil_awprot));
    end
    if (f_check && $past(s_axil_wvalid && !s_axil_wready)) begin
        ENV_AXI4LITE_ERRM_WVALID_STABLE: assume (s_axil_wvalid);
        ENV_AXI4LITE_ERRM_W_STABLE:      assume (s_axil_wdata == $past(s_axil_wdata)
                                                 && s_axil_wstrb == $past(s_axil_wstrb));
    end
    if (f_check && $past(s_axil_arvalid && !s_axil_arready)) begin
        ENV_AXI4LITE_ERRM_ARVALID_STABLE: assume (s_axil_arvalid);
        ENV_AXI4LITE_ERRM_AR_STABLE:      assume (s_axil_araddr == $past(s_axil_araddr)
                                                  && s_axil_arprot == $past(s_axil_arprot));
    end
end

reg [3:0] bready_wait;
reg [3:0] rready_wait;
always @(posedge clk) begin
    bready_wait <= (s_axil_bvalid && !s_axil_bready) ? bready_wait + 4'd1 : 4'd0;
    rready_wait <= (s_axil_rvalid && !s_axil_rready) ? rready_wait + 4'd1 : 4'd0;
    if (rst) begin
        bready_wait <= 4'd0;
        rready_wait <= 4'd0;
    end
end

always @(*) begin
    ENV_AXI4LITE_RECM_BREADY_MAX_WAIT: assume (bready_wait <= MASTER_MAX_WAIT);
    ENV_AXI4LITE_RECM_RREADY_MAX_WAIT: assume (rready_wait <= MASTER_MAX_WAIT);
end

`endif

endmodule

`resetall
