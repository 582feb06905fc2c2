// SPDX-License-Identifier: Apache-2.0
// Priority arbiter: picks, among the requesters of the highest priority, the next one after the one granted last; the grant is registered.
//
// The choice made from this cycle's requests is granted in the next cycle,
// so the requests' logic and the grant's users are never in one path.  A
// requester must hold its request until served (AXI's VALID rule); the
// user serves the granted requester only if it still requests.  The
// grant stays with a requester that is served and asks again at once.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_arbiter #(
    // Number of requesters
    parameter PORTS = 4
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire [PORTS-1:0]     req,
    // Two bits of priority per requester, 3 highest
    input  wire [2*PORTS-1:0]   prio,
    // A requester was served this cycle: round robin goes on after it
    input  wire                 accept,
    input  wire [IDX_W-1:0]     accept_idx,
    // Registered: the choice among the previous cycle's requests
    output reg                  grant_valid,
    output reg  [IDX_W-1:0]     grant_idx
);

localparam IDX_W = PORTS > 1 ? $clog2(PORTS) : 1;

reg [IDX_W-1:0] last_reg;

integer i;
reg [IDX_W:0] cand;
reg choice_valid;
reg [IDX_W-1:0] choice_idx;
reg [1:0] top;
reg [PORTS-1:0] eligible;
// The sum before the modulo needs the extra bit; the index after it does not.
wire unused_cand = &{1'b0, cand[IDX_W]};

// The highest priority among the requesters; then search PORTS candidates
// of that priority starting just after the last grant.
always @* begin
    top = 2'd0;
    for (i = 0; i < PORTS; i = i + 1) begin
        if (req[i] && prio[2*i +: 2] > top) begin
            top = prio[2*i +: 2];
        end
    end
    for (i = 0; i < PORTS; i = i + 1) begin
        eligible[i] = req[i] && prio[2*i +: 2] == top;
    end
    choice_valid = 1'b0;
    choice_idx   = {IDX_W{1'b0}};
    for (i = PORTS; i >= 1; i = i - 1) begin
        cand = ({1'b0, last_reg} + i[IDX_W:0]) % PORTS[IDX_W:0];
        if (eligible[cand[IDX_W-1:0]]) begin
            choice_valid = 1'b1;
            choice_idx   = cand[IDX_W-1:0];
        end
    end
end

always @(posedge clk) begin
    grant_valid <= choice_valid;
    grant_idx   <= choice_idx;
    if (accept) begin
        last_reg <= accept_idx;
    end
    if (rst) begin
        last_reg    <= {IDX_W{1'b1}};
        grant_valid <= 1'b0;
    end
end

endmodule

`resetall
