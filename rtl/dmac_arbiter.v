// SPDX-License-Identifier: Apache-2.0
// Round-robin arbiter: picks the next requesting channel after the one granted last.
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
    // The grant is taken this cycle
    input  wire                 accept,
    output reg                  grant_valid,
    output reg  [IDX_W-1:0]     grant_idx
);

localparam IDX_W = PORTS > 1 ? $clog2(PORTS) : 1;

reg [IDX_W-1:0] last_reg;

integer i;
reg [IDX_W:0] cand;
// The sum before the modulo needs the extra bit; the index after it does not.
wire unused_cand = &{1'b0, cand[IDX_W]};

// Search PORTS candidates starting just after the last grant.
always @* begin
    grant_valid = 1'b0;
    grant_idx   = {IDX_W{1'b0}};
    for (i = PORTS; i >= 1; i = i - 1) begin
        cand = ({1'b0, last_reg} + i[IDX_W:0]) % PORTS[IDX_W:0];
        if (req[cand[IDX_W-1:0]]) begin
            grant_valid = 1'b1;
            grant_idx   = cand[IDX_W-1:0];
        end
    end
end

always @(posedge clk) begin
    if (accept && grant_valid) begin
        last_reg <= grant_idx;
    end
    if (rst) begin
        last_reg <= {IDX_W{1'b1}};
    end
end

endmodule

`resetall
