/** Serial consoles of zones (UART or virtio console): output from guests, keyboard input to them. */

export interface SerialCommands {
  /** Bytes typed into a zone's terminal, as a UTF-8 string. */
  'serial.input': { params: { zone: number; data: string }; result: void };
  /** Everything the zone printed so far (bounded backlog), for a terminal that attaches late. */
  'serial.backlog': { params: { zone: number }; result: { data: string } };
}

export interface SerialEvents {
  'serial.output': { zone: number; data: string };
}
