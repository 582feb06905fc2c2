// SPDX-License-Identifier: Apache-2.0
// Priority arbiter: picks, among the requesters of the highest priority, the next one after the one granted last; the grant is registered.
//
// The choice made from this cycle's requests is granted in the next cycle,
// so the requests' logic and the grant's users are never in one path; with
// no requests the grant is parked on the requester granted last.  A
// requester must hold its request until served (AXI's VALID rule); the
// user serves the granted requester only if it still requests.  The
// grant stays with a requester that is served and asks again at once.
//
// Which requester goes before which is held in a registered matrix
// (beats_reg: j beats i when its priority is higher, or equal and j comes
// first in the round-robin order after the last requester served), so the
// choice is, for each requester, an AND-OR of the requests with one column
// of flip-flops: two LUT levels, no priority compare or search on the
// requests' path.  The matrix follows an accept in the next cycle, and a
// change of priority one cycle later than the requests (it is registered).
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
    // Requests are considered only while this is high
    input  wire                 enable,
    // Two bits of priority per requester, 3 highest
    input  wire [2*PORTS-1:0]   prio,
    // The granted requester was served this cycle: round robin goes on after it
    input  wire                 accept,
    // Registered: the choice among the previous cycle's requests, one-hot
    // (all zero for none) and as an index
    output reg  [PORTS-1:0]     grant,
    output reg  [IDX_W-1:0]     grant_idx
);

localparam IDX_W = PORTS > 1 ? $clog2(PORTS) : 1;
localparam [PORTS-1:0] FIRST = 1;

// Round-robin order after requester k was served: k+1 first, k last.
function ahead_of;
    input integer j;
    input integer i;
    input integer k;
    begin
        ahead_of = (j + PORTS - k - 1) % PORTS < (i + PORTS - k - 1) % PORTS;
    end
endfunction

// ahead_reg[j*PORTS+i]: j comes before i in the round-robin order;
// beats_reg[j*PORTS+i]: j is chosen before i (priority, then that order).
reg [PORTS*PORTS-1:0] ahead_reg;
reg [PORTS*PORTS-1:0] beats_reg;
reg [PORTS*PORTS-1:0] ahead_after;
reg [PORTS*PORTS-1:0] ahead_next;
reg [PORTS*PORTS-1:0] beats_next;
reg [PORTS*PORTS-1:0] ahead_reset;
reg [PORTS-1:0]       choice;
reg [IDX_W-1:0]       choice_idx;

integer i, j, k;
always @* begin
    ahead_after = {PORTS*PORTS{1'b0}};
    ahead_reset = {PORTS*PORTS{1'b0}};
    for (j = 0; j < PORTS; j = j + 1) begin
        for (i = 0; i < PORTS; i = i + 1) begin
            ahead_reset[j*PORTS+i] = j < i;
            // The order after the granted requester (served when accepted)
            for (k = 0; k < PORTS; k = k + 1) begin
                if (grant_idx == k[IDX_W-1:0]) begin
                    ahead_after[j*PORTS+i] = ahead_of(j, i, k);
                end
            end
        end
    end
    ahead_next = accept ? ahead_after : ahead_reg;
    for (j = 0; j < PORTS; j = j + 1) begin
        for (i = 0; i < PORTS; i = i + 1) begin
            beats_next[j*PORTS+i] = prio[2*j +: 2] > prio[2*i +: 2]
                || (prio[2*j +: 2] == prio[2*i +: 2] && ahead_next[j*PORTS+i]);
        end
    end
    // A requester is chosen when no other requester beats it.
    choice_idx = {IDX_W{1'b0}};
    for (i = 0; i < PORTS; i = i + 1) begin
        choice[i] = enable && req[i];
        for (j = 0; j < PORTS; j = j + 1) begin
            if (j != i && req[j] && beats_reg[j*PORTS+i]) begin
                choice[i] = 1'b0;
            end
        end
        if (choice[i]) begin
            choice_idx = choice_idx | i[IDX_W-1:0];
        end
    end
end

always @(posedge clk) begin
    // Parked: while enabled and asked by nobody the grant stays where it was,
    // so the requester served last (requester 0 after reset) is served in the
    // cycle it asks again, a cycle sooner.  Disabled, nobody is granted, so
    // that when enabled again the choice comes from the requests.
    if (!enable || |req) begin
        grant     <= choice;
        grant_idx <= choice_idx;
    end
    ahead_reg <= ahead_next;
    beats_reg <= beats_next;
    if (rst) begin
        grant     <= FIRST;
        grant_idx <= {IDX_W{1'b0}};
        ahead_reg <= ahead_reset;
        beats_reg <= ahead_reset;
    end
end

endmodule

`resetall
