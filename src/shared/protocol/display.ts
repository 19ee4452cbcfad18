/**
 * The Display view's protocol (issue 11 item 1, decision 0028): the board's display functions (QEMU's
 * bochs-display on the PCIe host) and their framebuffers as frames the view asks for. The view polls
 * `display.frame` while it is open, at most 30 times a second, passing the generation it last drew;
 * the answer carries only the rows whose VRAM pages the guest wrote since (all of them after a mode
 * change or with since = 0), as RGBA bytes in base64, so an idle console costs a few bytes a frame.
 */

export interface DisplayInfo {
  /** "pcie/00:01.0": the host device and the function. */
  readonly id: string;
  /** "bochs-display" */
  readonly name: string;
  readonly bdf: string;
}

export interface DisplayModeData {
  readonly width: number;
  readonly height: number;
  readonly bpp: number;
  readonly stride: number;
  /** Offset of the first visible pixel in the VRAM. */
  readonly offset: number;
  /** "XRGB8888 little-endian", "XRGB8888 big-endian", "RGB565". */
  readonly format: string;
}

export interface DisplayBand {
  readonly y: number;
  readonly height: number;
  /** width * height * 4 bytes, RGBA, base64. */
  readonly rgba: string;
}

export interface DisplayFrame {
  readonly id: string;
  /** Pass it back as `since` to get only what changes after this frame. */
  readonly generation: number;
  /** The mode the guest set; null while there is none (then `reason` says why). */
  readonly mode: DisplayModeData | null;
  readonly reason: string | null;
  /** True when the bands cover the whole screen (first frame, a mode change). */
  readonly full: boolean;
  readonly bands: readonly DisplayBand[];
  /** RGBA bytes in the bands (before base64). */
  readonly bytes: number;
  /** Whether the machine is running (false: the last frame it left). */
  readonly live: boolean;
}

export interface DisplayCommands {
  'display.list': { params: Record<string, never>; result: { displays: DisplayInfo[] } };
  'display.frame': { params: { id: string; since: number }; result: DisplayFrame };
}
