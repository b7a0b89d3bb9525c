/** Room for a typical MTU-sized packet, so slot memory is allocated once and then reused. */
const SLOT_SIZE = 1500;

interface Slot {
  seq: number;
  length: number;
  data: Buffer;
}

/**
 * The last N packets of one stream, keyed by 16-bit sequence number: a ring where seq `s` lives
 * in slot `s mod N`, so storing and looking up are O(1) and a slot is simply overwritten N
 * packets later.
 *
 * Two uses: on a subscriber leg, store each packet as sent (output seq, rewritten header) and answer
 * that subscriber's NACKs with {@link get}; on a publisher leg, store what arrived (input seq) so
 * {@link has} tells a retransmission we already hold from one that fills a hole.
 */
export class RetransmissionBuffer {
  readonly #slots: Array<Slot | undefined>;
  readonly #mask: number;

  /** @param capacity packets kept; a power of two up to 32768 so slots line up with the 16-bit wrap. */
  constructor(capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x8000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError('capacity must be a power of two between 1 and 32768');
    }
    this.#slots = new Array<Slot | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  /** Keeps a copy of `packet` under `seq`, replacing whatever the slot held. */
  store(seq: number, packet: Buffer): void {
    const index = seq & this.#mask;
    let slot = this.#slots[index];
    if (!slot || slot.data.length < packet.length) {
      slot = { seq: 0, length: 0, data: Buffer.allocUnsafe(Math.max(SLOT_SIZE, packet.length)) };
      this.#slots[index] = slot;
    }
    packet.copy(slot.data);
    slot.seq = seq & 0xffff;
    slot.length = packet.length;
  }

  /**
   * The packet stored under `seq`, or `undefined` if it was never stored or has been overwritten.
   * The result is a view into the buffer's memory: send it (node-datachannel copies synchronously)
   * or copy it before storing more packets.
   */
  get(seq: number): Buffer | undefined {
    const slot = this.#slots[seq & this.#mask];
    return slot && slot.seq === (seq & 0xffff) ? slot.data.subarray(0, slot.length) : undefined;
  }

  /** Whether `seq` is held. */
  has(seq: number): boolean {
    const slot = this.#slots[seq & this.#mask];
    return slot !== undefined && slot.seq === (seq & 0xffff);
  }
}
