// SPDX-License-Identifier: Apache-2.0
// One channel's registers: control, status, interrupts and their coalescing; the chain itself runs in the channel's lane.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module dmac_chan (
    input  wire         clk,
    input  wire         rst,

    // Register access, already decoded to this channel (offset inside the
    // channel block). reg_wr_req is the decode cycle of a write: the strobes
    // are registered and the write is performed in the next cycle, with the
    // same offset, data and strobes. The read offset is registered here
    // (the register bus is far from the channel's lane) and the read data
    // after it: reg_rd_data is that of the offset two cycles before.
    input  wire         reg_wr_req,
    input  wire [5:0]   reg_wr_off,
    input  wire [31:0]  reg_wr_data,
    input  wire [3:0]   reg_wr_strb,
    input  wire [5:0]   reg_rd_off,
    output reg  [31:0]  reg_rd_data,

    // To the channel's lane
    output wire         start,
    output wire [63:0]  start_ptr,
    output wire         abort_cmd,
    output wire         pause,
    // Arbitration priority, 0 lowest
    output wire [1:0]   prio,
    // CFG: flow, device address increment, request line, element width, burst
    output reg  [1:0]   cfg_flow,
    output reg          cfg_dev_incr,
    output reg  [2:0]   cfg_req,
    output reg  [1:0]   cfg_width,
    output reg  [4:0]   cfg_maxburst,

    // From the lane: completions, the end of the chain, progress
    input  wire         cpl_valid,
    input  wire         cpl_irq,
    input  wire         halt_valid,
    input  wire [3:0]   halt_err,
    input  wire [63:0]  halt_err_addr,
    input  wire [63:0]  halt_desc,
    input  wire [31:0]  halt_residue,
    input  wire [63:0]  cur_desc,
    input  wire [31:0]  residue,
    input  wire         lane_paused,

    output wire         irq
);

`include "dmac_regs.vh"

// Register state
reg [63:0] desc_reg;
reg        pause_reg;
reg [1:0]  prio_reg;
reg        en_done_reg;
reg        en_err_reg;
reg        en_end_reg;
reg        en_aborted_reg;
reg [7:0]  coal_threshold_reg;
reg [23:0] coal_timeout_reg;

// Chain state
reg [63:0] cur_desc_reg;
reg        busy_reg;
reg [3:0]  err_code_reg;
reg [63:0] err_addr_reg;
reg [31:0] residue_reg;
reg [31:0] completed_reg;

// Events
reg        irq_done_reg;
reg        irq_err_reg;
reg        irq_end_reg;
reg        irq_aborted_reg;
// Completions pending, plus one and plus two
reg [7:0]  coal_next_reg;
reg [7:0]  coal_next2_reg;
// Completions pending (the count is not zero)
reg        coal_nz_reg;
// TIMEOUT is not zero
reg        coal_tmo_on_reg;
// Cycles since the first pending completion, plus one (modulo 2^24, as the
// count itself)
reg [23:0] coal_tnext_reg;
// The count reaches THRESHOLD with one more completion (count + 1 >= THRESHOLD)
reg        coal_ge_reg;
// The timer ran out (TIMEOUT not 0 and cycles >= TIMEOUT)
reg        coal_tmo_reg;

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

// Write strobes, decoded in the cycle before the write (offsets are word
// addresses: the AXI4-Lite slave clears bits 1:0). START and ABORT are
// pulses whose written value is known then too; whether they are taken
// (busy or not) is decided in the write cycle.
reg wr_ctrl;
reg wr_desc_lo;
reg wr_desc_hi;
reg wr_irq_status;
reg wr_irq_enable;
reg wr_irq_coal;
reg wr_cfg;
reg wr_start;
reg wr_abort;

wire [3:0] wr_word = reg_wr_off[5:2];

function wr_to;
    input [3:0] word;
    input [3:0] reg_word;
    begin
        wr_to = reg_wr_req && word == reg_word;
    end
endfunction

always @(posedge clk) begin
    wr_ctrl       <= wr_to(wr_word, DMAC_CHAN_CTRL_OFFSET[5:2]);
    wr_desc_lo    <= wr_to(wr_word, DMAC_CHAN_DESC_LO_OFFSET[5:2]);
    wr_desc_hi    <= wr_to(wr_word, DMAC_CHAN_DESC_HI_OFFSET[5:2]);
    wr_irq_status <= wr_to(wr_word, DMAC_CHAN_IRQ_STATUS_OFFSET[5:2]);
    wr_irq_enable <= wr_to(wr_word, DMAC_CHAN_IRQ_ENABLE_OFFSET[5:2]);
    wr_irq_coal   <= wr_to(wr_word, DMAC_CHAN_IRQ_COAL_OFFSET[5:2]);
    wr_cfg        <= wr_to(wr_word, DMAC_CHAN_CFG_OFFSET[5:2]);
    wr_start      <= wr_to(wr_word, DMAC_CHAN_CTRL_OFFSET[5:2])
                  && reg_wr_strb[DMAC_CHAN_CTRL_START_LSB / 8] && reg_wr_data[DMAC_CHAN_CTRL_START_LSB];
    wr_abort      <= wr_to(wr_word, DMAC_CHAN_CTRL_OFFSET[5:2])
                  && reg_wr_strb[DMAC_CHAN_CTRL_ABORT_LSB / 8] && reg_wr_data[DMAC_CHAN_CTRL_ABORT_LSB];
    if (rst) begin
        wr_ctrl       <= 1'b0;
        wr_desc_lo    <= 1'b0;
        wr_desc_hi    <= 1'b0;
        wr_irq_status <= 1'b0;
        wr_irq_enable <= 1'b0;
        wr_irq_coal   <= 1'b0;
        wr_cfg        <= 1'b0;
        wr_start      <= 1'b0;
        wr_abort      <= 1'b0;
    end
end

// Register images as they read, and the bits a write leaves (strobes applied)
reg  [31:0] ctrl_image;
reg  [31:0] irq_enable_image;
reg  [31:0] irq_coal_image;
reg  [31:0] cfg_image;
always @* begin
    cfg_image = 32'd0;
    cfg_image[DMAC_CHAN_CFG_FLOW_LSB +: DMAC_CHAN_CFG_FLOW_WIDTH]         = cfg_flow;
    cfg_image[DMAC_CHAN_CFG_DEV_INCR_LSB]                                = cfg_dev_incr;
    cfg_image[DMAC_CHAN_CFG_REQ_LSB +: DMAC_CHAN_CFG_REQ_WIDTH]           = cfg_req;
    cfg_image[DMAC_CHAN_CFG_DEV_WIDTH_LSB +: DMAC_CHAN_CFG_DEV_WIDTH_WIDTH] = cfg_width;
    cfg_image[DMAC_CHAN_CFG_MAXBURST_LSB +: DMAC_CHAN_CFG_MAXBURST_WIDTH] = cfg_maxburst;
    ctrl_image = 32'd0;
    ctrl_image[DMAC_CHAN_CTRL_PAUSE_LSB] = pause_reg;
    ctrl_image[DMAC_CHAN_CTRL_PRIO_LSB +: DMAC_CHAN_CTRL_PRIO_WIDTH] = prio_reg;
    irq_enable_image = 32'd0;
    irq_enable_image[DMAC_CHAN_IRQ_ENABLE_DONE_LSB]    = en_done_reg;
    irq_enable_image[DMAC_CHAN_IRQ_ENABLE_ERR_LSB]     = en_err_reg;
    irq_enable_image[DMAC_CHAN_IRQ_ENABLE_END_LSB]     = en_end_reg;
    irq_enable_image[DMAC_CHAN_IRQ_ENABLE_ABORTED_LSB] = en_aborted_reg;
    irq_coal_image = 32'd0;
    irq_coal_image[DMAC_CHAN_IRQ_COAL_THRESHOLD_LSB +: DMAC_CHAN_IRQ_COAL_THRESHOLD_WIDTH] = coal_threshold_reg;
    irq_coal_image[DMAC_CHAN_IRQ_COAL_TIMEOUT_LSB +: DMAC_CHAN_IRQ_COAL_TIMEOUT_WIDTH]     = coal_timeout_reg;
end

wire [31:0] ctrl_wr       = merge(ctrl_image, reg_wr_data, reg_wr_strb);
wire [31:0] irq_enable_wr = merge(irq_enable_image, reg_wr_data, reg_wr_strb);
wire [31:0] irq_coal_wr   = merge(irq_coal_image, reg_wr_data, reg_wr_strb);
wire [31:0] cfg_wr        = merge(cfg_image, reg_wr_data, reg_wr_strb);
wire [31:0] w1c           = merge(32'd0, reg_wr_data, reg_wr_strb);

assign start     = wr_start && !busy_reg;
assign start_ptr = desc_reg;
assign abort_cmd = wr_abort && busy_reg;
assign pause     = pause_reg;
assign prio      = prio_reg;
wire   paused    = pause_reg && busy_reg && lane_paused;
assign irq = (irq_done_reg && en_done_reg) || (irq_err_reg && en_err_reg)
          || (irq_end_reg && en_end_reg) || (irq_aborted_reg && en_aborted_reg);

// Interrupt coalescing: completions of descriptors with CTRL.IRQ are counted
// and reported when the count reaches the threshold, when the timer runs
// out, or when the chain stops for any reason. Both compares are flip-flops
// (coal_ge_reg, coal_tmo_reg) worked out a cycle ahead for each outcome,
// from the count and timer kept plus one (and plus two), and from the
// value IRQ_COAL is being written with, if it is: the same cycles as
// comparing the count and the timer themselves.
wire coal_hit = cpl_valid && cpl_irq;
// Completions pending, this one included. The count stays below 255 (it
// fires at THRESHOLD, at most 255), so count + 1 never wraps; count + 2 is
// used only when a completion does not fire, so below THRESHOLD.
wire coal_pending = coal_nz_reg || coal_hit;
wire coal_fire    = coal_pending && ((coal_hit && coal_ge_reg) || coal_tmo_reg || halt_valid);
wire coal_restart = rst || coal_fire || !coal_pending;
// The value an IRQ_COAL write leaves, registered in its decode cycle (the
// data and strobes are the same in both cycles, and nothing else changes
// the register in between), and THRESHOLD in the next cycle
reg  [7:0]  coal_threshold_wr;
reg  [23:0] coal_timeout_wr;
reg         coal_tmo_on_wr;
always @(posedge clk) begin
    coal_threshold_wr <= irq_coal_wr[DMAC_CHAN_IRQ_COAL_THRESHOLD_LSB +: DMAC_CHAN_IRQ_COAL_THRESHOLD_WIDTH];
    coal_timeout_wr   <= irq_coal_wr[DMAC_CHAN_IRQ_COAL_TIMEOUT_LSB +: DMAC_CHAN_IRQ_COAL_TIMEOUT_WIDTH];
    coal_tmo_on_wr    <= irq_coal_wr[DMAC_CHAN_IRQ_COAL_TIMEOUT_LSB +: DMAC_CHAN_IRQ_COAL_TIMEOUT_WIDTH] != 24'd0;
end
wire [7:0]  coal_threshold_next = wr_irq_coal ? coal_threshold_wr : coal_threshold_reg;
// Whether the timer runs out in the next cycle, if it steps
wire        coal_tmo_step   = wr_irq_coal ? coal_tmo_on_wr && coal_tnext_reg >= coal_timeout_wr
                                          : coal_tmo_on_reg && coal_tnext_reg >= coal_timeout_reg;

// Reset and START clear these, unless a report of the lane loads them in the
// same cycle
wire err_addr_load = halt_valid && halt_err != DMAC_ERR_NONE && halt_err != DMAC_ERR_ABORTED;
wire err_code_clr  = rst || (start && !halt_valid);
wire err_addr_clr  = rst || (start && !err_addr_load);
wire residue_clr   = rst || (start && !halt_valid);
wire completed_clr = rst || (start && !cpl_valid);

reg  [31:0] status_image;
reg  [31:0] irq_status_image;
always @* begin
    status_image = 32'd0;
    status_image[DMAC_CHAN_STATUS_BUSY_LSB]   = busy_reg;
    status_image[DMAC_CHAN_STATUS_PAUSED_LSB] = paused;
    status_image[DMAC_CHAN_STATUS_ERR_CODE_LSB +: DMAC_CHAN_STATUS_ERR_CODE_WIDTH] = err_code_reg;
    irq_status_image = 32'd0;
    irq_status_image[DMAC_CHAN_IRQ_STATUS_DONE_LSB]    = irq_done_reg;
    irq_status_image[DMAC_CHAN_IRQ_STATUS_ERR_LSB]     = irq_err_reg;
    irq_status_image[DMAC_CHAN_IRQ_STATUS_END_LSB]     = irq_end_reg;
    irq_status_image[DMAC_CHAN_IRQ_STATUS_ABORTED_LSB] = irq_aborted_reg;
end

// Read data: each register's image gated by the decode of its word offset,
// all ORed: about 30% fewer LUTs than a case on the offset; registered. Any
// other offset reads 0. Offsets are word addresses: the AXI4-Lite slave
// clears bits 1:0 (WSTRB selects the bytes), so they are not decoded;
// decoding them too costs another 50 LUTs here for nothing.
reg  [3:0] rd_word_reg;
wire       unused  = &{1'b0, reg_rd_off[1:0], reg_wr_off[1:0]};
always @(posedge clk) begin
    rd_word_reg <= reg_rd_off[5:2];
end

function [31:0] rd_if;
    input [3:0]  word;
    input [3:0]  reg_word;
    input [31:0] image;
    begin
        rd_if = image & {32{word == reg_word}};
    end
endfunction

always @(posedge clk) begin
    reg_rd_data <= rd_if(rd_word_reg, DMAC_CHAN_CTRL_OFFSET[5:2],        ctrl_image)
                | rd_if(rd_word_reg, DMAC_CHAN_STATUS_OFFSET[5:2],      status_image)
                | rd_if(rd_word_reg, DMAC_CHAN_DESC_LO_OFFSET[5:2],     desc_reg[31:0])
                | rd_if(rd_word_reg, DMAC_CHAN_DESC_HI_OFFSET[5:2],     desc_reg[63:32])
                | rd_if(rd_word_reg, DMAC_CHAN_CUR_DESC_LO_OFFSET[5:2], cur_desc_reg[31:0])
                | rd_if(rd_word_reg, DMAC_CHAN_CUR_DESC_HI_OFFSET[5:2], cur_desc_reg[63:32])
                | rd_if(rd_word_reg, DMAC_CHAN_IRQ_STATUS_OFFSET[5:2],  irq_status_image)
                | rd_if(rd_word_reg, DMAC_CHAN_IRQ_ENABLE_OFFSET[5:2],  irq_enable_image)
                | rd_if(rd_word_reg, DMAC_CHAN_ERR_ADDR_LO_OFFSET[5:2], err_addr_reg[31:0])
                | rd_if(rd_word_reg, DMAC_CHAN_ERR_ADDR_HI_OFFSET[5:2], err_addr_reg[63:32])
                | rd_if(rd_word_reg, DMAC_CHAN_RESIDUE_OFFSET[5:2],     residue_reg)
                | rd_if(rd_word_reg, DMAC_CHAN_COMPLETED_OFFSET[5:2],   completed_reg)
                | rd_if(rd_word_reg, DMAC_CHAN_IRQ_COAL_OFFSET[5:2],    irq_coal_image)
                | rd_if(rd_word_reg, DMAC_CHAN_CFG_OFFSET[5:2],         cfg_image);
end

always @(posedge clk) begin
    /*
     * Registers
     */
    if (wr_desc_lo) begin
        desc_reg[31:0] <= merge(desc_reg[31:0], reg_wr_data, reg_wr_strb);
    end
    if (wr_desc_hi) begin
        desc_reg[63:32] <= merge(desc_reg[63:32], reg_wr_data, reg_wr_strb);
    end
    if (wr_ctrl) begin
        pause_reg <= ctrl_wr[DMAC_CHAN_CTRL_PAUSE_LSB];
        prio_reg  <= ctrl_wr[DMAC_CHAN_CTRL_PRIO_LSB +: DMAC_CHAN_CTRL_PRIO_WIDTH];
    end
    if (wr_irq_enable) begin
        en_done_reg    <= irq_enable_wr[DMAC_CHAN_IRQ_ENABLE_DONE_LSB];
        en_err_reg     <= irq_enable_wr[DMAC_CHAN_IRQ_ENABLE_ERR_LSB];
        en_end_reg     <= irq_enable_wr[DMAC_CHAN_IRQ_ENABLE_END_LSB];
        en_aborted_reg <= irq_enable_wr[DMAC_CHAN_IRQ_ENABLE_ABORTED_LSB];
    end
    if (wr_irq_coal) begin
        coal_threshold_reg <= coal_threshold_wr;
        coal_timeout_reg   <= coal_timeout_wr;
        coal_tmo_on_reg    <= coal_tmo_on_wr;
    end
    // A CFG write is ignored while busy (from the START that sets busy_reg
    // to the lane's halt report): the lane reads CFG live as the chain runs,
    // and a change there gives bursts its descriptors were not checked for
    // (formal found ARLEN 255 across 4 KiB). CFG reads the value in effect.
    if (wr_cfg && !busy_reg) begin
        cfg_flow     <= cfg_wr[DMAC_CHAN_CFG_FLOW_LSB +: DMAC_CHAN_CFG_FLOW_WIDTH];
        cfg_dev_incr <= cfg_wr[DMAC_CHAN_CFG_DEV_INCR_LSB];
        cfg_req      <= cfg_wr[DMAC_CHAN_CFG_REQ_LSB +: DMAC_CHAN_CFG_REQ_WIDTH];
        cfg_width    <= cfg_wr[DMAC_CHAN_CFG_DEV_WIDTH_LSB +: DMAC_CHAN_CFG_DEV_WIDTH_WIDTH];
        cfg_maxburst <= cfg_wr[DMAC_CHAN_CFG_MAXBURST_LSB +: DMAC_CHAN_CFG_MAXBURST_WIDTH];
    end
    // Write one to clear; an event in the same cycle wins (set below).
    if (wr_irq_status) begin
        if (w1c[DMAC_CHAN_IRQ_STATUS_DONE_LSB])    irq_done_reg    <= 1'b0;
        if (w1c[DMAC_CHAN_IRQ_STATUS_ERR_LSB])     irq_err_reg     <= 1'b0;
        if (w1c[DMAC_CHAN_IRQ_STATUS_END_LSB])     irq_end_reg     <= 1'b0;
        if (w1c[DMAC_CHAN_IRQ_STATUS_ABORTED_LSB]) irq_aborted_reg <= 1'b0;
    end

    /*
     * Chain
     */
    if (start) begin
        busy_reg     <= 1'b1;
        cur_desc_reg <= desc_reg;
    end

    // While the chain runs, CUR_DESC and RESIDUE follow the lane.
    if (busy_reg) begin
        cur_desc_reg <= cur_desc;
    end

    if (halt_valid) begin
        busy_reg     <= 1'b0;
        cur_desc_reg <= halt_desc;
        if (halt_err == DMAC_ERR_NONE) begin
            irq_end_reg <= 1'b1;
        end else if (halt_err == DMAC_ERR_ABORTED) begin
            irq_aborted_reg <= 1'b1;
        end else begin
            irq_err_reg <= 1'b1;
        end
    end

    // Cleared by reset and START, loaded by the lane's reports, which win
    // over a START in the same cycle: each clear is the flip-flops'
    // synchronous reset, so no LUT sits in front of most of them.
    if (err_code_clr) begin
        err_code_reg <= DMAC_ERR_NONE;
    end else if (halt_valid) begin
        err_code_reg <= halt_err;
    end
    if (err_addr_clr) begin
        err_addr_reg <= 64'd0;
    end else if (err_addr_load) begin
        err_addr_reg <= halt_err_addr;
    end
    if (residue_clr) begin
        residue_reg <= 32'd0;
    end else if (halt_valid || busy_reg) begin
        residue_reg <= halt_valid ? halt_residue : residue;
    end
    if (completed_clr) begin
        completed_reg <= 32'd0;
    end else if (cpl_valid) begin
        completed_reg <= completed_reg + 32'd1;
    end
    if (rst || coal_fire) begin
        coal_next_reg  <= 8'd1;
        coal_next2_reg <= 8'd2;
        coal_nz_reg    <= 1'b0;
        coal_ge_reg    <= coal_threshold_next <= 8'd1;
    end else if (coal_hit) begin
        coal_next_reg  <= coal_next2_reg;
        coal_next2_reg <= coal_next2_reg + 8'd1;
        coal_nz_reg    <= 1'b1;
        coal_ge_reg    <= coal_next2_reg >= coal_threshold_next;
    end else begin
        coal_ge_reg    <= coal_next_reg >= coal_threshold_next;
    end
    // The timer is 0 (the flag clear: 0 >= TIMEOUT only for TIMEOUT 0), or steps.
    if (coal_restart) begin
        coal_tnext_reg <= 24'd1;
        coal_tmo_reg   <= 1'b0;
    end else begin
        coal_tnext_reg <= coal_tnext_reg + 24'd1;
        coal_tmo_reg   <= coal_tmo_step;
    end
    if (coal_fire) begin
        irq_done_reg <= 1'b1;
    end

    if (rst) begin
        desc_reg           <= 64'd0;
        pause_reg          <= 1'b0;
        prio_reg           <= 2'd0;
        en_done_reg        <= 1'b0;
        en_err_reg         <= 1'b0;
        en_end_reg         <= 1'b0;
        en_aborted_reg     <= 1'b0;
        coal_threshold_reg <= 8'd0;
        coal_timeout_reg   <= 24'd0;
        coal_tmo_on_reg    <= 1'b0;
        // THRESHOLD 0: any completion reaches it
        coal_ge_reg        <= 1'b1;
        cfg_flow           <= DMAC_CHAN_CFG_FLOW_RESET;
        cfg_dev_incr       <= DMAC_CHAN_CFG_DEV_INCR_RESET;
        cfg_req            <= DMAC_CHAN_CFG_REQ_RESET;
        cfg_width          <= DMAC_CHAN_CFG_DEV_WIDTH_RESET;
        cfg_maxburst       <= DMAC_CHAN_CFG_MAXBURST_RESET;
        cur_desc_reg       <= 64'd0;
        busy_reg           <= 1'b0;
        irq_done_reg       <= 1'b0;
        irq_err_reg        <= 1'b0;
        irq_end_reg        <= 1'b0;
        irq_aborted_reg    <= 1'b0;
    end
end

endmodule

`resetall
