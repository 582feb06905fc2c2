"""simpcm: capture from the system bench's ADC through the generic dmaengine PCM.

The ADC has a sample FIFO register and no DMA engine of its own; it paces a channel of
the system's DMA controller through one request line, named in its device-tree node::

    adc@10030000 {
        reg = <0x10030000 0x100>;
        dmas = <&dmac ADC_REQ>;
        dma-names = "rx";
    };

This module is what an ASoC platform driver gets from ``sound/soc/soc-generic-dmaengine-pcm.c``
with the helpers of ``sound/core/pcm_dmaengine.c``, plus the few pieces of the PCM core
(``sound/core/pcm_native.c``, ``pcm_lib.c``) a capture stream needs, each method's
docstring naming the function it models:

* :meth:`SimPcm.probe` (``snd_dmaengine_pcm_register`` → ``dmaengine_pcm_request_chan_of``)
  requests the "rx" channel by name, picks the pointer flavour from the channel's residue
  granularity (``SND_DMAENGINE_PCM_FLAG_NO_RESIDUE`` when the controller reports none) and
  maps the ADC's FIFO register for the channel's controller (``dma_map_resource``,
  ``DMA_TO_DEVICE``: the controller reads it).
* :meth:`SimPcm.hw_params` (``dmaengine_pcm_hw_params``) configures the channel
  (``snd_dmaengine_pcm_prepare_slave_config``: the FIFO, 2-byte samples, bursts of the
  FIFO's threshold) and allocates the ring buffer of ``periods`` periods with
  ``dma_alloc_coherent`` against the controller's device (the core's managed buffer,
  ``SNDRV_DMA_TYPE_DEV`` on ``dmaengine_dma_dev``): the CPU reads it with no sync.
* :meth:`SimPcm.trigger` (``snd_dmaengine_pcm_trigger``): START prepares one cyclic
  transaction over the whole ring, a period per callback
  (``dmaengine_pcm_prepare_and_submit``: ``dmaengine_prep_dma_cyclic``, submit, issue);
  PAUSE_PUSH / PAUSE_RELEASE are ``dmaengine_pause`` / ``dmaengine_resume``; STOP is
  ``dmaengine_terminate_async``, which may run in the period callback (an XRUN stops the
  stream from there); the ``dmaengine_synchronize`` that must follow runs later, outside
  the callback, in :meth:`SimPcm.sync_stop` (``snd_dmaengine_pcm_sync_stop``, called by
  prepare and hw_free as the core does).
* The period callback (``dmaengine_pcm_dma_complete``) advances ``prtd.pos`` by a period
  and calls :meth:`SimPcm.snd_pcm_period_elapsed`, which reads :meth:`SimPcm.pointer` and
  moves the stream's hardware pointer (``snd_pcm_update_hw_ptr0``), detects an overrun
  and wakes the reader.
* :meth:`SimPcm.pointer` is ``snd_dmaengine_pcm_pointer``: the position in the ring is
  buffer size - residue of the cyclic transaction (``dmaengine_tx_status``).
* :meth:`SimPcm.readi` is the application's side (``snd_pcm_readi`` → ``snd_pcm_lib_read``):
  wait until ``frames`` are available, copy them out of the ring, advance ``appl_ptr``.

Differences from ALSA and Linux:

* One capture substream, mono 16-bit (the ADC's only format); no hw constraints, rates or
  channel maps; frames are samples.  The PCM core is reduced to the state machine and
  pointers above; there is no ``boundary`` (Python integers do not wrap).
* ``hw_ptr`` moves only in the period callback (``snd_pcm_update_hw_ptr0`` with
  ``in_interrupt``), not in :meth:`SimPcm.readi`: a position read between interrupts may
  count a burst the controller read from the FIFO but has not written to memory yet.
  Reading whole periods, as arecord does, only ever copies periods whose interrupt came.
  The jiffies check that detects a missed lap is not modelled.
* Two guards against this controller's RESIDUE, which for a few cycles after a write
  response can read low by up to a burst, or underflow to a huge value (reported, with
  a proposed RTL fix): :meth:`SimPcm.pointer` reads again (up to POINTER_READS times)
  when the residue is larger than the buffer, where ``snd_dmaengine_pcm_pointer``
  returns 0; and a position behind ``hw_ptr`` by at most half the ring, read in the
  period callback, is taken as such a read and leaves ``hw_ptr`` where it was (counted
  in ``pointer_backsteps``), where ALSA would count a lap (``new_hw_ptr < old_hw_ptr``)
  and let the reader copy frames not yet captured.  A period callback more than half a
  ring late is then missed, not miscounted: the next one moves ``hw_ptr``.
* ALSA passes the FIFO's physical address (the DAI's ``dma_data.addr``) to the channel;
  here it is mapped with ``dma_map_resource`` because the controller may sit behind an
  IOMMU.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sw.drivers.base.core import Device
from sw.drivers.dma.dmaengine import (
    DmaChan,
    dma_async_issue_pending,
    dma_get_slave_caps,
    dma_release_channel,
    dma_request_chan,
    dma_submit_error,
    dmaengine_pause,
    dmaengine_prep_dma_cyclic,
    dmaengine_resume,
    dmaengine_slave_config,
    dmaengine_submit,
    dmaengine_synchronize,
    dmaengine_terminate_async,
    dmaengine_tx_status,
)
from sw.include.linux.dma_mapping import DMA_TO_DEVICE
from sw.include.linux.dmaengine import (
    DMA_DEV_TO_MEM,
    DMA_IN_PROGRESS,
    DMA_PAUSED,
    DMA_PREP_INTERRUPT,
    DMA_RESIDUE_GRANULARITY_DESCRIPTOR,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaTxState,
)
from sw.include.linux.err import EINVAL, EIO, ENOMEM, IS_ERR, PTR_ERR
from sw.kernel.dma import mapping as dm
from sw.platform import Platform

log = logging.getLogger(__name__)

DRV_NAME = "simpcm"

EPIPE = 32
EBADFD = 77

# include/uapi/sound/asound.h
SNDRV_PCM_STREAM_CAPTURE = 1
SNDRV_PCM_TRIGGER_STOP = 0
SNDRV_PCM_TRIGGER_START = 1
SNDRV_PCM_TRIGGER_PAUSE_PUSH = 3
SNDRV_PCM_TRIGGER_PAUSE_RELEASE = 4
SNDRV_PCM_STATE_OPEN = 0
SNDRV_PCM_STATE_SETUP = 1
SNDRV_PCM_STATE_PREPARED = 2
SNDRV_PCM_STATE_RUNNING = 3
SNDRV_PCM_STATE_XRUN = 4
SNDRV_PCM_STATE_PAUSED = 6

# -- the hardware interface (the model's documentation, tb/models/peripherals.py AdcModel) ---

ADC_FIFO = 0x00  # sample FIFO register, read only
ADC_SAMPLE_BYTES = 2  # S16_LE, mono
ADC_FIFO_MAXBURST = 4  # the FIFO asks for a burst at 4 samples (the DAI's dma_data.maxburst)

POINTER_READS = 3  # dmaengine_tx_status calls pointer() makes at most for one position


@dataclass
class SndPcmRuntime:
    """``struct snd_pcm_runtime``, the fields a capture stream here uses (frames unless
    named bytes)."""

    state: int = SNDRV_PCM_STATE_OPEN
    frame_bytes: int = ADC_SAMPLE_BYTES
    period_size: int = 0
    periods: int = 0
    buffer_size: int = 0
    dma_area: int = 0  # CPU address of the ring
    dma_addr: int = 0  # its DMA address (the controller's)
    dma_bytes: int = 0
    hw_ptr_base: int = 0  # frames of the laps before the current one
    hw_ptr: int = 0  # status->hw_ptr: frames the hardware has captured
    appl_ptr: int = 0  # control->appl_ptr: frames the application has read
    stop_threshold: int = 0
    delay: int = 0

    def frames_to_bytes(self, frames: int) -> int:
        return frames * self.frame_bytes

    def bytes_to_frames(self, size: int) -> int:
        return size // self.frame_bytes


@dataclass
class DmaenginePcmRuntimeData:
    """``struct dmaengine_pcm_runtime_data``."""

    dma_chan: DmaChan
    cookie: int = 0
    pos: int = 0  # bytes: a period further per callback (the no-residue pointer's)


class SimPcm:
    """The ADC's capture PCM (one ``snd_pcm_substream`` and the generic dmaengine PCM's
    ``struct dmaengine_pcm``).  Build it with :meth:`probe`."""

    def __init__(self, platform: Platform, dev: Device, mapbase: int, chan: DmaChan) -> None:
        self.platform = platform
        self.dev = dev
        self.mapbase = mapbase
        self.chan = chan
        self.fifo_dma = 0
        self.no_residue = False
        self.can_pause = False
        self.runtime: SndPcmRuntime | None = None
        self.prtd: DmaenginePcmRuntimeData | None = None
        self.period_callbacks = 0  # dmaengine_pcm_dma_complete calls
        self.pointer_backsteps = 0  # period callbacks whose position was behind hw_ptr
        self.xruns = 0
        self._sleep = platform.new_event()  # runtime->sleep

    # -- register and unregister -----------------------------------------------------------

    @classmethod
    async def probe(cls, platform: Platform, dev: Device) -> SimPcm | int:
        """``snd_dmaengine_pcm_register`` (``dmaengine_pcm_request_chan_of``): the "rx"
        channel of ``dev``'s node, the pointer flavour, the FIFO mapped.  The PCM, or the
        channel request's error (-ENODEV, -EPROBE_DEFER), -EINVAL (no ``reg``), -ENOMEM
        (the FIFO could not be mapped), with everything undone."""
        np = dev.of_node
        if np is None or not np.properties.get("reg"):
            log.error("%s: %s: no reg property", DRV_NAME, dev.name)
            return -EINVAL
        chan = await dma_request_chan(dev, "rx")
        if IS_ERR(chan):
            log.error("%s: %s: no capture DMA channel (%d)", DRV_NAME, dev.name, PTR_ERR(chan))
            return PTR_ERR(chan)
        assert isinstance(chan, DmaChan)
        pcm = cls(platform, dev, int(np.properties["reg"][0][0]), chan)
        caps = DmaSlaveCaps()
        if dma_get_slave_caps(chan, caps) == 0:
            pcm.no_residue = caps.residue_granularity == DMA_RESIDUE_GRANULARITY_DESCRIPTOR
            pcm.can_pause = caps.cmd_pause and caps.cmd_resume  # SNDRV_PCM_INFO_PAUSE
        dmadev = chan.device.dev
        fifo = pcm.mapbase + ADC_FIFO
        pcm.fifo_dma = await dm.dma_map_resource(dmadev, fifo, ADC_SAMPLE_BYTES, DMA_TO_DEVICE)
        if dm.dma_mapping_error(dmadev, pcm.fifo_dma):
            log.error("%s: %s: cannot map the FIFO at %#x", DRV_NAME, dev.name, fifo)
            await dma_release_channel(chan)
            return -ENOMEM
        log.info("%s: %s at %#x: capture on %r", DRV_NAME, dev.name, pcm.mapbase, chan)
        return pcm

    async def remove(self) -> None:
        """``snd_dmaengine_pcm_unregister`` (``dmaengine_pcm_release_chan``), after closing
        the stream if it is open; the FIFO mapping goes too."""
        if self.runtime is not None:
            await self.close()
        dmadev = self.chan.device.dev
        await dm.dma_unmap_resource(dmadev, self.fifo_dma, ADC_SAMPLE_BYTES, DMA_TO_DEVICE)
        await dma_release_channel(self.chan)

    # -- the substream's operations ----------------------------------------------------------

    async def open(self) -> int:
        """``dmaengine_pcm_open`` → ``snd_dmaengine_pcm_open``: the runtime data."""
        if self.runtime is not None:
            return -EINVAL  # one substream
        self.runtime = SndPcmRuntime()
        self.prtd = DmaenginePcmRuntimeData(self.chan)
        return 0

    async def close(self) -> int:
        """``snd_dmaengine_pcm_close``: ``dmaengine_synchronize``, then the runtime goes
        (a stream still set up is stopped and its buffer freed first, as the core does)."""
        rt = self._rt()
        if rt.state in (SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED):
            await self.snd_pcm_drop()
        if rt.dma_area:
            await self.hw_free()
        await dmaengine_synchronize(self.chan)
        self.runtime = self.prtd = None
        return 0

    async def hw_params(self, period_frames: int, periods: int) -> int:
        """``dmaengine_pcm_hw_params`` with the core's managed buffer: configure the channel
        for the ADC (``snd_dmaengine_pcm_prepare_slave_config``) and allocate a ring of
        ``periods`` periods of ``period_frames`` frames with ``dma_alloc_coherent`` against
        the controller's device.  0, or -EINVAL / -ENOMEM / the config's error."""
        rt = self._rt()
        if rt.state not in (SNDRV_PCM_STATE_OPEN, SNDRV_PCM_STATE_SETUP):
            return -EBADFD
        if period_frames <= 0 or periods < 2:
            return -EINVAL
        await self.sync_stop()
        config = DmaSlaveConfig(
            direction=DMA_DEV_TO_MEM,
            src_addr=self.fifo_dma,
            src_addr_width=ADC_SAMPLE_BYTES,
            src_maxburst=ADC_FIFO_MAXBURST,
        )
        ret = dmaengine_slave_config(self.chan, config)
        if ret:
            return ret
        if rt.dma_area:
            await self._free_buffer(rt)
        size = period_frames * periods * rt.frame_bytes
        got = await dm.dma_alloc_coherent(self.chan.device.dev, size)
        if got is None:
            return -ENOMEM
        rt.dma_area, rt.dma_addr = got
        rt.dma_bytes = size
        rt.period_size, rt.periods = period_frames, periods
        rt.buffer_size = period_frames * periods
        rt.stop_threshold = rt.buffer_size
        rt.state = SNDRV_PCM_STATE_SETUP
        return 0

    async def _free_buffer(self, rt: SndPcmRuntime) -> None:
        await dm.dma_free_coherent(self.chan.device.dev, rt.dma_bytes, rt.dma_area, rt.dma_addr)
        rt.dma_area = rt.dma_addr = rt.dma_bytes = 0

    async def hw_free(self) -> int:
        """``snd_pcm_hw_free`` (``do_hw_free``): ``sync_stop``, then the ring is freed."""
        rt = self._rt()
        if rt.state in (SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED):
            return -EBADFD
        await self.sync_stop()
        if rt.dma_area:
            await self._free_buffer(rt)
        rt.state = SNDRV_PCM_STATE_OPEN
        return 0

    async def prepare(self) -> int:
        """``snd_pcm_prepare``: ``sync_stop`` (a stop may have come from the callback),
        pointers back to 0."""
        rt = self._rt()
        if rt.state in (SNDRV_PCM_STATE_OPEN, SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED):
            return -EBADFD
        await self.sync_stop()
        rt.hw_ptr_base = rt.hw_ptr = rt.appl_ptr = 0
        rt.state = SNDRV_PCM_STATE_PREPARED
        return 0

    async def sync_stop(self) -> None:
        """``snd_dmaengine_pcm_sync_stop``: ``dmaengine_synchronize`` (process context:
        never from the period callback)."""
        await dmaengine_synchronize(self.chan)

    async def trigger(self, cmd: int) -> int:
        """``snd_dmaengine_pcm_trigger``."""
        if cmd == SNDRV_PCM_TRIGGER_START:
            ret = await self._prepare_and_submit()
            if ret:
                return ret
            await dma_async_issue_pending(self.chan)
        elif cmd == SNDRV_PCM_TRIGGER_PAUSE_RELEASE:
            await dmaengine_resume(self.chan)
        elif cmd == SNDRV_PCM_TRIGGER_PAUSE_PUSH:
            await dmaengine_pause(self.chan)
        elif cmd == SNDRV_PCM_TRIGGER_STOP:
            await dmaengine_terminate_async(self.chan)
        else:
            return -EINVAL
        return 0

    async def _prepare_and_submit(self) -> int:
        """``dmaengine_pcm_prepare_and_submit``: one cyclic transaction over the ring, a
        period per callback."""
        rt, prtd = self._rt(), self._prtd()
        prtd.pos = 0
        desc = await dmaengine_prep_dma_cyclic(
            self.chan,
            rt.dma_addr,
            rt.frames_to_bytes(rt.buffer_size),
            rt.frames_to_bytes(rt.period_size),
            DMA_DEV_TO_MEM,
            DMA_PREP_INTERRUPT,
        )
        if desc is None:
            return -ENOMEM
        desc.callback = self._dma_complete
        desc.callback_param = self
        prtd.cookie = dmaengine_submit(desc)
        if dma_submit_error(prtd.cookie):
            return prtd.cookie
        return 0

    async def _dma_complete(self, param: Any) -> None:
        """``dmaengine_pcm_dma_complete``: a period more, then ``snd_pcm_period_elapsed``."""
        rt, prtd = self.runtime, self.prtd
        if rt is None or prtd is None:
            return
        self.period_callbacks += 1
        new_pos = prtd.pos + rt.frames_to_bytes(rt.period_size)
        if new_pos >= rt.frames_to_bytes(rt.buffer_size):
            new_pos = 0
        prtd.pos = new_pos
        await self.snd_pcm_period_elapsed()

    async def pointer(self) -> int:
        """``snd_dmaengine_pcm_pointer``: the position in the ring (frames), buffer size -
        residue of the cyclic transaction while it runs or is paused, else 0; with a
        controller that reports no residue, ``snd_dmaengine_pcm_pointer_no_residue``."""
        rt, prtd = self._rt(), self._prtd()
        if self.no_residue:
            return rt.bytes_to_frames(prtd.pos)
        buf_size = rt.frames_to_bytes(rt.buffer_size)
        state = DmaTxState()
        for _ in range(POINTER_READS):
            status = await dmaengine_tx_status(self.chan, prtd.cookie, state)
            if state.residue <= buf_size:
                break  # a residue above the buffer cannot be: read again (module docstring)
        pos = 0
        if status in (DMA_IN_PROGRESS, DMA_PAUSED):
            if 0 < state.residue <= buf_size:
                pos = buf_size - state.residue
            rt.delay = rt.bytes_to_frames(state.in_flight_bytes)
        return rt.bytes_to_frames(pos)

    # -- the PCM core, as far as a capture stream needs it ---------------------------------------

    def _rt(self) -> SndPcmRuntime:
        if self.runtime is None:
            raise RuntimeError(f"{DRV_NAME}: the substream is not open")
        return self.runtime

    def _prtd(self) -> DmaenginePcmRuntimeData:
        assert self.prtd is not None
        return self.prtd

    @property
    def periods_elapsed(self) -> int:
        """Periods the hardware pointer has passed since the start (``hw_ptr`` / period)."""
        rt = self._rt()
        return rt.hw_ptr // rt.period_size if rt.period_size else 0

    async def snd_pcm_start(self) -> int:
        """``snd_pcm_start``: PREPARED → RUNNING with trigger START."""
        rt = self._rt()
        if rt.state != SNDRV_PCM_STATE_PREPARED:
            return -EBADFD
        ret = await self.trigger(SNDRV_PCM_TRIGGER_START)
        if ret:
            return ret
        rt.state = SNDRV_PCM_STATE_RUNNING
        return 0

    async def snd_pcm_pause(self, push: bool) -> int:
        """``snd_pcm_pause``: RUNNING → PAUSED (PAUSE_PUSH) or back (PAUSE_RELEASE)."""
        rt = self._rt()
        if not self.can_pause:
            return -EINVAL  # no SNDRV_PCM_INFO_PAUSE
        if push and rt.state == SNDRV_PCM_STATE_RUNNING:
            rt.state = SNDRV_PCM_STATE_PAUSED  # first: a period callback now is ignored
            return await self.trigger(SNDRV_PCM_TRIGGER_PAUSE_PUSH)
        if not push and rt.state == SNDRV_PCM_STATE_PAUSED:
            ret = await self.trigger(SNDRV_PCM_TRIGGER_PAUSE_RELEASE)
            rt.state = SNDRV_PCM_STATE_RUNNING
            return ret
        return -EBADFD

    async def snd_pcm_stop(self, state: int) -> int:
        """``snd_pcm_stop``: trigger STOP (``dmaengine_terminate_async``; allowed in the
        period callback) and go to ``state``; ``sync_stop`` comes later."""
        rt = self._rt()
        if rt.state not in (SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED):
            return 0
        rt.state = state
        ret = await self.trigger(SNDRV_PCM_TRIGGER_STOP)
        self._sleep.set()  # wake_up(&runtime->sleep): a reader sees the new state
        return ret

    async def snd_pcm_drop(self) -> int:
        """``snd_pcm_drop``: release a pause, then stop to SETUP (captured frames the
        application has not read are dropped)."""
        rt = self._rt()
        if rt.state == SNDRV_PCM_STATE_OPEN:
            return -EBADFD
        if rt.state == SNDRV_PCM_STATE_PAUSED:
            await self.snd_pcm_pause(False)
        return await self.snd_pcm_stop(SNDRV_PCM_STATE_SETUP)

    async def snd_pcm_period_elapsed(self) -> None:
        """``snd_pcm_period_elapsed``: if the stream runs, move the hardware pointer
        (``snd_pcm_update_hw_ptr0`` in interrupt), stop on an overrun
        (``snd_pcm_update_state``: the hardware is a whole buffer ahead of the reader),
        wake the reader."""
        rt = self.runtime
        if rt is None or rt.state != SNDRV_PCM_STATE_RUNNING:
            return
        pos = await self.pointer()
        if rt.state != SNDRV_PCM_STATE_RUNNING:  # paused or stopped while it was read
            return
        if pos >= rt.buffer_size:
            pos = 0
        hw_base = rt.hw_ptr_base
        new_hw_ptr = hw_base + pos
        if new_hw_ptr < rt.hw_ptr:
            if rt.hw_ptr - new_hw_ptr <= rt.buffer_size // 2:
                # Behind the last position: a position read a few cycles stale (module
                # docstring), not a lap.  hw_ptr stays; the next period moves it.
                self.pointer_backsteps += 1
                self._sleep.set()
                return
            hw_base += rt.buffer_size  # the pointer crossed the end of the ring
            new_hw_ptr = hw_base + pos
        rt.hw_ptr_base, rt.hw_ptr = hw_base, new_hw_ptr
        if rt.hw_ptr - rt.appl_ptr >= rt.stop_threshold:
            self.xruns += 1
            log.error("%s: %s: capture overrun (XRUN)", DRV_NAME, self.dev.name)
            await self.snd_pcm_stop(SNDRV_PCM_STATE_XRUN)
        self._sleep.set()

    async def readi(self, frames: int, timeout_ns: int) -> bytes | int:
        """``snd_pcm_readi`` (``snd_pcm_lib_read``, blocking): ``frames`` frames once that
        many are available, copied out of the ring; -EPIPE after an overrun, -EBADFD when
        the stream is not running or paused, -EIO when nothing came for ``timeout_ns``."""
        rt = self._rt()
        if not 0 < frames <= rt.buffer_size:
            return -EINVAL
        while True:
            if rt.state == SNDRV_PCM_STATE_XRUN:
                return -EPIPE
            if rt.state not in (SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED):
                return -EBADFD
            if rt.hw_ptr - rt.appl_ptr >= frames:
                break
            self._sleep.clear()
            if not await self.platform.wait_event_timeout(self._sleep, timeout_ns):
                log.error(
                    "%s: %s: capture read error (DMA or IRQ trouble?)", DRV_NAME, self.dev.name
                )
                return -EIO
        off = rt.frames_to_bytes(rt.appl_ptr % rt.buffer_size)
        size = rt.frames_to_bytes(frames)
        first = min(size, rt.dma_bytes - off)
        data = self.platform.read(rt.dma_area + off, first)
        if first < size:
            data += self.platform.read(rt.dma_area, size - first)
        rt.appl_ptr += frames
        return data
