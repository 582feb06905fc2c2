// SPDX-License-Identifier: Apache-2.0
// One channel: its registers, and the chain it runs one descriptor job at a time through the engine.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_chan (
    input  wire         clk,
    input  wire         rst,

    // Register access, already decoded to this channel (offset inside the channel block)
    input  wire         reg_wr_en,
    input  wire [5:0]   reg_wr_off,
    input  wire [31:0]  reg_wr_data,
    input  wire [3:0]   reg_wr_strb,
    input  wire [5:0]   reg_rd_off,
    output reg  [31:0]  reg_rd_data,

    // Job request to the arbiter: run the descriptor at job_desc
    output wire         job_req,
    output wire [63:0]  job_desc,
    input  wire         job_grant,

    // Outcome of this channel's job
    input  wire         done_valid,
    input  wire [3:0]   done_err,
    input  wire [63:0]  done_err_addr,
    input  wire [63:0]  done_next,
    input  wire         done_last,
    input  wire         done_irq,

    // Residue of this channel's job
    input  wire         res_valid,
    input  wire [31:0]  res_bytes,

    output wire         irq
);

`include "dmac_regs.vh"

reg [63:0] desc_reg;
reg [63:0] cur_desc_reg;
reg        busy_reg;
reg        pending_reg;
reg [3:0]  err_code_reg;
reg [63:0] err_addr_reg;
reg [31:0] residue_reg;
reg [31:0] completed_reg;
reg        irq_done_reg;
reg        irq_err_reg;
reg        irq_end_reg;
reg        en_done_reg;
reg        en_err_reg;
reg        en_end_reg;

assign job_req  = pending_reg;
assign job_desc = cur_desc_reg;
assign irq = (irq_done_reg && en_done_reg) || (irq_err_reg && en_err_reg)
          || (irq_end_reg && en_end_reg);

// Byte-lane merge of a register write
function [31:0] merge;
    input [31:0] old;
    input [31:0] data;
    input [3:0]  strb;
    integer b;
    begin
        for (b = 0; b < 4; b = b + 1) begin
            merge[b*8 +: 8] = strb[b] ? data[b*8 +: 8] : old[b*8 +: 8];
        end
    end
endfunction

wire wr_ctrl       = reg_wr_en && reg_wr_off == DMAC_CHAN_CTRL_OFFSET[5:0];
wire wr_desc_lo    = reg_wr_en && reg_wr_off == DMAC_CHAN_DESC_LO_OFFSET[5:0];
wire wr_desc_hi    = reg_wr_en && reg_wr_off == DMAC_CHAN_DESC_HI_OFFSET[5:0];
wire wr_irq_status = reg_wr_en && reg_wr_off == DMAC_CHAN_IRQ_STATUS_OFFSET[5:0];
wire wr_irq_enable = reg_wr_en && reg_wr_off == DMAC_CHAN_IRQ_ENABLE_OFFSET[5:0];

wire [31:0] wr_bits = merge(32'd0, reg_wr_data, reg_wr_strb);
wire        start = wr_ctrl && wr_bits[DMAC_CHAN_CTRL_START_LSB] && !busy_reg;

always @* begin
    reg_rd_data = 32'd0;
    case (reg_rd_off)
        DMAC_CHAN_STATUS_OFFSET[5:0]: begin
            reg_rd_data[DMAC_CHAN_STATUS_BUSY_LSB] = busy_reg;
            reg_rd_data[DMAC_CHAN_STATUS_ERR_CODE_LSB +: DMAC_CHAN_STATUS_ERR_CODE_WIDTH] = err_code_reg;
        end
        DMAC_CHAN_DESC_LO_OFFSET[5:0]:     reg_rd_data = desc_reg[31:0];
        DMAC_CHAN_DESC_HI_OFFSET[5:0]:     reg_rd_data = desc_reg[63:32];
        DMAC_CHAN_CUR_DESC_LO_OFFSET[5:0]: reg_rd_data = cur_desc_reg[31:0];
        DMAC_CHAN_CUR_DESC_HI_OFFSET[5:0]: reg_rd_data = cur_desc_reg[63:32];
        DMAC_CHAN_IRQ_STATUS_OFFSET[5:0]: begin
            reg_rd_data[DMAC_CHAN_IRQ_STATUS_DONE_LSB] = irq_done_reg;
            reg_rd_data[DMAC_CHAN_IRQ_STATUS_ERR_LSB]  = irq_err_reg;
            reg_rd_data[DMAC_CHAN_IRQ_STATUS_END_LSB]  = irq_end_reg;
        end
        DMAC_CHAN_IRQ_ENABLE_OFFSET[5:0]: begin
            reg_rd_data[DMAC_CHAN_IRQ_ENABLE_DONE_LSB] = en_done_reg;
            reg_rd_data[DMAC_CHAN_IRQ_ENABLE_ERR_LSB]  = en_err_reg;
            reg_rd_data[DMAC_CHAN_IRQ_ENABLE_END_LSB]  = en_end_reg;
        end
        DMAC_CHAN_ERR_ADDR_LO_OFFSET[5:0]: reg_rd_data = err_addr_reg[31:0];
        DMAC_CHAN_ERR_ADDR_HI_OFFSET[5:0]: reg_rd_data = err_addr_reg[63:32];
        DMAC_CHAN_RESIDUE_OFFSET[5:0]:     reg_rd_data = residue_reg;
        DMAC_CHAN_COMPLETED_OFFSET[5:0]:   reg_rd_data = completed_reg;
        default:                           reg_rd_data = 32'd0;
    endcase
end

always @(posedge clk) begin
    if (wr_desc_lo) begin
        desc_reg[31:0] <= merge(desc_reg[31:0], reg_wr_data, reg_wr_strb);
    end
    if (wr_desc_hi) begin
        desc_reg[63:32] <= merge(desc_reg[63:32], reg_wr_data, reg_wr_strb);
    end
    if (wr_irq_enable) begin
        en_done_reg <= wr_bits[DMAC_CHAN_IRQ_ENABLE_DONE_LSB];
        en_err_reg  <= wr_bits[DMAC_CHAN_IRQ_ENABLE_ERR_LSB];
        en_end_reg  <= wr_bits[DMAC_CHAN_IRQ_ENABLE_END_LSB];
    end
    // Write one to clear; an event in the same cycle wins (set below).
    if (wr_irq_status) begin
        if (wr_bits[DMAC_CHAN_IRQ_STATUS_DONE_LSB]) irq_done_reg <= 1'b0;
        if (wr_bits[DMAC_CHAN_IRQ_STATUS_ERR_LSB])  irq_err_reg  <= 1'b0;
        if (wr_bits[DMAC_CHAN_IRQ_STATUS_END_LSB])  irq_end_reg  <= 1'b0;
    end

    if (start) begin
        busy_reg      <= 1'b1;
        pending_reg   <= 1'b1;
        cur_desc_reg  <= desc_reg;
        err_code_reg  <= DMAC_ERR_NONE;
        err_addr_reg  <= 64'd0;
        residue_reg   <= 32'd0;
        completed_reg <= 32'd0;
    end

    if (job_grant) begin
        pending_reg <= 1'b0;
    end

    if (res_valid) begin
        residue_reg <= res_bytes;
    end

    if (done_valid) begin
        if (done_err != DMAC_ERR_NONE) begin
            busy_reg     <= 1'b0;
            err_code_reg <= done_err;
            err_addr_reg <= done_err_addr;
            irq_err_reg  <= 1'b1;
        end else begin
            completed_reg <= completed_reg + 32'd1;
            if (done_irq) begin
                irq_done_reg <= 1'b1;
            end
            if (done_last) begin
                busy_reg    <= 1'b0;
                irq_end_reg <= 1'b1;
            end else begin
                cur_desc_reg <= done_next;
                pending_reg  <= 1'b1;
            end
        end
    end

    if (rst) begin
        desc_reg      <= 64'd0;
        cur_desc_reg  <= 64'd0;
        busy_reg      <= 1'b0;
        pending_reg   <= 1'b0;
        err_code_reg  <= DMAC_ERR_NONE;
        err_addr_reg  <= 64'd0;
        residue_reg   <= 32'd0;
        completed_reg <= 32'd0;
        irq_done_reg  <= 1'b0;
        irq_err_reg   <= 1'b0;
        irq_end_reg   <= 1'b0;
        en_done_reg   <= 1'b0;
        en_err_reg    <= 1'b0;
        en_end_reg    <= 1'b0;
    end
end

endmodule

`resetall
