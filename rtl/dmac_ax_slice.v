// SPDX-License-Identifier: Apache-2.0
// A mover's address channel (AR or AW): a planned burst into a register slice with a skid entry, AxSIZE and AxBURST encoded on the way in.
//
// The mover's issue decision waits on s_ready (a flip-flop), not on the
// bus's ready, which comes through the channel's and the bus's arbitration
// and enables only this slice's registers.  A burst issued while the bus
// stalls the one before waits in the skid entry; bursts still go out back
// to back.  A memory burst is full-width INCR; a device burst has the
// element's size, FIXED or INCR.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_ax_slice #(
    // Width of the data bus in bits
    parameter DATA_WIDTH = 64,
    // Width of the bus address
    parameter ADDR_WIDTH = 32
) (
    input  wire                  clk,
    input  wire                  rst,

    // The burst issued: address, length less one, device, element size, FIXED
    input  wire [ADDR_WIDTH-1:0] s_addr,
    input  wire [7:0]            s_len,
    input  wire                  s_dev,
    input  wire [2:0]            s_size,
    input  wire                  s_fixed,
    input  wire                  s_valid,
    output wire                  s_ready,

    output wire [ADDR_WIDTH-1:0] m_addr,
    output wire [7:0]            m_len,
    output wire [2:0]            m_size,
    output wire [1:0]            m_burst,
    output wire                  m_valid,
    input  wire                  m_ready
);

localparam SIZE = $clog2(DATA_WIDTH / 8);
localparam [2:0] FULL_SIZE = SIZE[2:0];

dmac_skid #(
    .WIDTH(ADDR_WIDTH + 8 + 3 + 2)
) skid_inst (
    .clk(clk),
    .rst(rst),
    .s_data({s_addr, s_len, s_dev ? s_size : FULL_SIZE, (s_dev && s_fixed) ? 2'b00 : 2'b01}),
    .s_valid(s_valid),
    .s_ready(s_ready),
    .m_data({m_addr, m_len, m_size, m_burst}),
    .m_valid(m_valid),
    .m_ready(m_ready)
);

endmodule

`resetall
