// SPDX-License-Identifier: Apache-2.0
// Register slice with a skid entry: full throughput, and neither valid nor ready passes through it combinationally.
//
// The output comes from a register.  The input is ready while the skid
// entry is empty; a word that arrives while the output is stalled waits in
// the skid entry and moves to the output when the output is taken.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_skid #(
    // Bits per word
    parameter WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [WIDTH-1:0] s_data,
    input  wire             s_valid,
    output wire             s_ready,

    output reg  [WIDTH-1:0] m_data,
    output reg              m_valid,
    input  wire             m_ready
);

reg [WIDTH-1:0] skid_data_reg;
reg             skid_valid_reg;

assign s_ready = !skid_valid_reg;

always @(posedge clk) begin
    // The skid entry takes the input whenever it is empty (it counts only
    // once skid_valid_reg is set), so its enable is a flip-flop, not the
    // output's ready.
    if (!skid_valid_reg) begin
        skid_data_reg <= s_data;
    end
    if (m_ready || !m_valid) begin
        // The output is free this cycle: refill it from the skid entry first.
        if (skid_valid_reg) begin
            m_data         <= skid_data_reg;
            m_valid        <= 1'b1;
            skid_valid_reg <= 1'b0;
        end else begin
            m_data  <= s_data;
            m_valid <= s_valid;
        end
    end else if (s_valid && s_ready) begin
        skid_valid_reg <= 1'b1;
    end
    if (rst) begin
        m_valid        <= 1'b0;
        skid_valid_reg <= 1'b0;
    end
end

endmodule

`resetall
