// Generated from regs/dmac.rdl by tools/regmap.py. Do not edit:
// change regs/dmac.rdl and run `python -m tools.regmap`.
//
// Register offsets, field positions, reset values, error codes and the
// descriptor layout of the DMA controller, as localparams. Include this file
// inside a module body. _RESET values and error codes are sized to their
// field; everything else is an integer.
//
// Every module includes all of these constants and uses only a few, so the
// unused-parameter warning is switched off for this file (and only here).
// (A waiver in rtl/lint.vlt does not reach instances inside generate blocks
// with Verilator 5.048, so this generated file carries its own.)
/* verilator lint_off UNUSEDPARAM */

// dmac: DMA controller registers
localparam integer DMAC_SIZE = 'h300;

// ID @ 0x000: Identification
localparam integer DMAC_ID_OFFSET = 'h000;
localparam integer DMAC_ID_MAGIC_LSB = 0;
localparam integer DMAC_ID_MAGIC_WIDTH = 32;
localparam [31:0] DMAC_ID_MAGIC_RESET = 32'h444D4143;

// VERSION @ 0x004: Version
localparam integer DMAC_VERSION_OFFSET = 'h004;
localparam integer DMAC_VERSION_MINOR_LSB = 0;
localparam integer DMAC_VERSION_MINOR_WIDTH = 16;
localparam [15:0] DMAC_VERSION_MINOR_RESET = 16'h1;
localparam integer DMAC_VERSION_MAJOR_LSB = 16;
localparam integer DMAC_VERSION_MAJOR_WIDTH = 16;
localparam [15:0] DMAC_VERSION_MAJOR_RESET = 16'h0;

// CONFIG @ 0x008: Build configuration
localparam integer DMAC_CONFIG_OFFSET = 'h008;
localparam integer DMAC_CONFIG_NUM_CHANNELS_LSB = 0;
localparam integer DMAC_CONFIG_NUM_CHANNELS_WIDTH = 8;
localparam integer DMAC_CONFIG_DATA_BYTES_LSB = 8;
localparam integer DMAC_CONFIG_DATA_BYTES_WIDTH = 8;
localparam integer DMAC_CONFIG_ADDR_WIDTH_LSB = 16;
localparam integer DMAC_CONFIG_ADDR_WIDTH_WIDTH = 8;
localparam integer DMAC_CONFIG_MAX_BURST_LOG2_LSB = 24;
localparam integer DMAC_CONFIG_MAX_BURST_LOG2_WIDTH = 4;

// IRQ_SUMMARY @ 0x00C: Interrupt summary
localparam integer DMAC_IRQ_SUMMARY_OFFSET = 'h00C;
localparam integer DMAC_IRQ_SUMMARY_CHANNELS_LSB = 0;
localparam integer DMAC_IRQ_SUMMARY_CHANNELS_WIDTH = 8;

// CHAN[8]: Channel (offsets below are within one block)
localparam integer DMAC_CHAN_BASE = 'h100;
localparam integer DMAC_CHAN_STRIDE = 'h040;
localparam integer DMAC_CHAN_COUNT = 8;

// CTRL @ 0x00: Channel control
localparam integer DMAC_CHAN_CTRL_OFFSET = 'h00;
localparam integer DMAC_CHAN_CTRL_START_LSB = 0;
localparam integer DMAC_CHAN_CTRL_START_WIDTH = 1;
localparam [0:0] DMAC_CHAN_CTRL_START_RESET = 1'h0;
localparam integer DMAC_CHAN_CTRL_ABORT_LSB = 1;
localparam integer DMAC_CHAN_CTRL_ABORT_WIDTH = 1;
localparam [0:0] DMAC_CHAN_CTRL_ABORT_RESET = 1'h0;
localparam integer DMAC_CHAN_CTRL_PAUSE_LSB = 2;
localparam integer DMAC_CHAN_CTRL_PAUSE_WIDTH = 1;
localparam [0:0] DMAC_CHAN_CTRL_PAUSE_RESET = 1'h0;
localparam integer DMAC_CHAN_CTRL_PRIO_LSB = 4;
localparam integer DMAC_CHAN_CTRL_PRIO_WIDTH = 2;
localparam [1:0] DMAC_CHAN_CTRL_PRIO_RESET = 2'h0;

// STATUS @ 0x04: Channel status
localparam integer DMAC_CHAN_STATUS_OFFSET = 'h04;
localparam integer DMAC_CHAN_STATUS_BUSY_LSB = 0;
localparam integer DMAC_CHAN_STATUS_BUSY_WIDTH = 1;
localparam integer DMAC_CHAN_STATUS_PAUSED_LSB = 1;
localparam integer DMAC_CHAN_STATUS_PAUSED_WIDTH = 1;
localparam integer DMAC_CHAN_STATUS_ERR_CODE_LSB = 8;
localparam integer DMAC_CHAN_STATUS_ERR_CODE_WIDTH = 4;

// DESC_LO @ 0x08: First descriptor address, low word
localparam integer DMAC_CHAN_DESC_LO_OFFSET = 'h08;
localparam integer DMAC_CHAN_DESC_LO_ADDR_LSB = 0;
localparam integer DMAC_CHAN_DESC_LO_ADDR_WIDTH = 32;
localparam [31:0] DMAC_CHAN_DESC_LO_ADDR_RESET = 32'h0;

// DESC_HI @ 0x0C: First descriptor address, high word
localparam integer DMAC_CHAN_DESC_HI_OFFSET = 'h0C;
localparam integer DMAC_CHAN_DESC_HI_ADDR_LSB = 0;
localparam integer DMAC_CHAN_DESC_HI_ADDR_WIDTH = 32;
localparam [31:0] DMAC_CHAN_DESC_HI_ADDR_RESET = 32'h0;

// CUR_DESC_LO @ 0x10: Current descriptor address, low word
localparam integer DMAC_CHAN_CUR_DESC_LO_OFFSET = 'h10;
localparam integer DMAC_CHAN_CUR_DESC_LO_ADDR_LSB = 0;
localparam integer DMAC_CHAN_CUR_DESC_LO_ADDR_WIDTH = 32;

// CUR_DESC_HI @ 0x14: Current descriptor address, high word
localparam integer DMAC_CHAN_CUR_DESC_HI_OFFSET = 'h14;
localparam integer DMAC_CHAN_CUR_DESC_HI_ADDR_LSB = 0;
localparam integer DMAC_CHAN_CUR_DESC_HI_ADDR_WIDTH = 32;

// IRQ_STATUS @ 0x18: Interrupt status
localparam integer DMAC_CHAN_IRQ_STATUS_OFFSET = 'h18;
localparam integer DMAC_CHAN_IRQ_STATUS_DONE_LSB = 0;
localparam integer DMAC_CHAN_IRQ_STATUS_DONE_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_STATUS_DONE_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_STATUS_ERR_LSB = 1;
localparam integer DMAC_CHAN_IRQ_STATUS_ERR_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_STATUS_ERR_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_STATUS_END_LSB = 2;
localparam integer DMAC_CHAN_IRQ_STATUS_END_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_STATUS_END_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_STATUS_ABORTED_LSB = 3;
localparam integer DMAC_CHAN_IRQ_STATUS_ABORTED_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_STATUS_ABORTED_RESET = 1'h0;

// IRQ_ENABLE @ 0x1C: Interrupt enable
localparam integer DMAC_CHAN_IRQ_ENABLE_OFFSET = 'h1C;
localparam integer DMAC_CHAN_IRQ_ENABLE_DONE_LSB = 0;
localparam integer DMAC_CHAN_IRQ_ENABLE_DONE_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_ENABLE_DONE_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_ENABLE_ERR_LSB = 1;
localparam integer DMAC_CHAN_IRQ_ENABLE_ERR_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_ENABLE_ERR_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_ENABLE_END_LSB = 2;
localparam integer DMAC_CHAN_IRQ_ENABLE_END_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_ENABLE_END_RESET = 1'h0;
localparam integer DMAC_CHAN_IRQ_ENABLE_ABORTED_LSB = 3;
localparam integer DMAC_CHAN_IRQ_ENABLE_ABORTED_WIDTH = 1;
localparam [0:0] DMAC_CHAN_IRQ_ENABLE_ABORTED_RESET = 1'h0;

// ERR_ADDR_LO @ 0x20: Error address, low word
localparam integer DMAC_CHAN_ERR_ADDR_LO_OFFSET = 'h20;
localparam integer DMAC_CHAN_ERR_ADDR_LO_ADDR_LSB = 0;
localparam integer DMAC_CHAN_ERR_ADDR_LO_ADDR_WIDTH = 32;

// ERR_ADDR_HI @ 0x24: Error address, high word
localparam integer DMAC_CHAN_ERR_ADDR_HI_OFFSET = 'h24;
localparam integer DMAC_CHAN_ERR_ADDR_HI_ADDR_LSB = 0;
localparam integer DMAC_CHAN_ERR_ADDR_HI_ADDR_WIDTH = 32;

// RESIDUE @ 0x28: Residue
localparam integer DMAC_CHAN_RESIDUE_OFFSET = 'h28;
localparam integer DMAC_CHAN_RESIDUE_BYTES_LSB = 0;
localparam integer DMAC_CHAN_RESIDUE_BYTES_WIDTH = 32;

// COMPLETED @ 0x2C: Completed descriptors
localparam integer DMAC_CHAN_COMPLETED_OFFSET = 'h2C;
localparam integer DMAC_CHAN_COMPLETED_COUNT_LSB = 0;
localparam integer DMAC_CHAN_COMPLETED_COUNT_WIDTH = 32;

// IRQ_COAL @ 0x30: Interrupt coalescing
localparam integer DMAC_CHAN_IRQ_COAL_OFFSET = 'h30;
localparam integer DMAC_CHAN_IRQ_COAL_THRESHOLD_LSB = 0;
localparam integer DMAC_CHAN_IRQ_COAL_THRESHOLD_WIDTH = 8;
localparam [7:0] DMAC_CHAN_IRQ_COAL_THRESHOLD_RESET = 8'h0;
localparam integer DMAC_CHAN_IRQ_COAL_TIMEOUT_LSB = 8;
localparam integer DMAC_CHAN_IRQ_COAL_TIMEOUT_WIDTH = 24;
localparam [23:0] DMAC_CHAN_IRQ_COAL_TIMEOUT_RESET = 24'h0;

// CFG @ 0x34: Channel configuration
localparam integer DMAC_CHAN_CFG_OFFSET = 'h34;
localparam integer DMAC_CHAN_CFG_FLOW_LSB = 0;
localparam integer DMAC_CHAN_CFG_FLOW_WIDTH = 2;
localparam [1:0] DMAC_CHAN_CFG_FLOW_RESET = 2'h0;
localparam integer DMAC_CHAN_CFG_DEV_INCR_LSB = 2;
localparam integer DMAC_CHAN_CFG_DEV_INCR_WIDTH = 1;
localparam [0:0] DMAC_CHAN_CFG_DEV_INCR_RESET = 1'h0;
localparam integer DMAC_CHAN_CFG_REQ_LSB = 4;
localparam integer DMAC_CHAN_CFG_REQ_WIDTH = 3;
localparam [2:0] DMAC_CHAN_CFG_REQ_RESET = 3'h0;
localparam integer DMAC_CHAN_CFG_DEV_WIDTH_LSB = 8;
localparam integer DMAC_CHAN_CFG_DEV_WIDTH_WIDTH = 2;
localparam [1:0] DMAC_CHAN_CFG_DEV_WIDTH_RESET = 2'h0;
localparam integer DMAC_CHAN_CFG_MAXBURST_LSB = 16;
localparam integer DMAC_CHAN_CFG_MAXBURST_WIDTH = 5;
localparam [4:0] DMAC_CHAN_CFG_MAXBURST_RESET = 5'h0;

// dmac_err_e: values of the enum
localparam [3:0] DMAC_ERR_NONE = 4'h0;
localparam [3:0] DMAC_ERR_DESC_ALIGN = 4'h1;
localparam [3:0] DMAC_ERR_DESC_READ = 4'h2;
localparam [3:0] DMAC_ERR_DATA_READ = 4'h3;
localparam [3:0] DMAC_ERR_DATA_WRITE = 4'h4;
localparam [3:0] DMAC_ERR_STATUS_WRITE = 4'h5;
localparam [3:0] DMAC_ERR_BAD_CONFIG = 4'h6;
localparam [3:0] DMAC_ERR_BAD_LEN = 4'h7;
localparam [3:0] DMAC_ERR_ADDR_RANGE = 4'h8;
localparam [3:0] DMAC_ERR_ABORTED = 4'h9;

// dmac_flow_e: values of the enum
localparam [1:0] DMAC_FLOW_MEM2MEM = 2'h0;
localparam [1:0] DMAC_FLOW_MEM2DEV = 2'h1;
localparam [1:0] DMAC_FLOW_DEV2MEM = 2'h2;

// dmac_desc: DMA descriptor
localparam integer DMAC_DESC_SIZE = 'h20;

// NEXT @ 0x00: Next descriptor
localparam integer DMAC_DESC_NEXT_OFFSET = 'h00;
localparam integer DMAC_DESC_NEXT_ADDR_LSB = 0;
localparam integer DMAC_DESC_NEXT_ADDR_WIDTH = 64;
localparam [63:0] DMAC_DESC_NEXT_ADDR_RESET = 64'h0;

// SRC @ 0x08: Source address
localparam integer DMAC_DESC_SRC_OFFSET = 'h08;
localparam integer DMAC_DESC_SRC_ADDR_LSB = 0;
localparam integer DMAC_DESC_SRC_ADDR_WIDTH = 64;
localparam [63:0] DMAC_DESC_SRC_ADDR_RESET = 64'h0;

// DST @ 0x10: Destination address
localparam integer DMAC_DESC_DST_OFFSET = 'h10;
localparam integer DMAC_DESC_DST_ADDR_LSB = 0;
localparam integer DMAC_DESC_DST_ADDR_WIDTH = 64;
localparam [63:0] DMAC_DESC_DST_ADDR_RESET = 64'h0;

// LEN @ 0x18: Length
localparam integer DMAC_DESC_LEN_OFFSET = 'h18;
localparam integer DMAC_DESC_LEN_BYTES_LSB = 0;
localparam integer DMAC_DESC_LEN_BYTES_WIDTH = 32;
localparam [31:0] DMAC_DESC_LEN_BYTES_RESET = 32'h0;

// CTRL @ 0x1C: Control and status
localparam integer DMAC_DESC_CTRL_OFFSET = 'h1C;
localparam integer DMAC_DESC_CTRL_IRQ_LSB = 0;
localparam integer DMAC_DESC_CTRL_IRQ_WIDTH = 1;
localparam [0:0] DMAC_DESC_CTRL_IRQ_RESET = 1'h0;
localparam integer DMAC_DESC_CTRL_LAST_LSB = 1;
localparam integer DMAC_DESC_CTRL_LAST_WIDTH = 1;
localparam [0:0] DMAC_DESC_CTRL_LAST_RESET = 1'h0;
localparam integer DMAC_DESC_CTRL_DONE_LSB = 16;
localparam integer DMAC_DESC_CTRL_DONE_WIDTH = 1;
localparam [0:0] DMAC_DESC_CTRL_DONE_RESET = 1'h0;
localparam integer DMAC_DESC_CTRL_ERR_LSB = 20;
localparam integer DMAC_DESC_CTRL_ERR_WIDTH = 4;
localparam [3:0] DMAC_DESC_CTRL_ERR_RESET = 4'h0;

/* verilator lint_on UNUSEDPARAM */
