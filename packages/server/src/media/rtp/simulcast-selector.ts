/** Which simulcast layer a subscriber wants: the highest or the lowest one being sent. */
export type WantedLayer = 'big' | 'small';

/** One simulcast layer, known by its rid (RFC 8852), its SSRC, or both. */
export interface SimulcastLayer {
  rid?: string;
  ssrc?: number;
}

/** What to do with one packet. */
export interface SelectorDecision {
  /** Forward the packet to this subscriber. */
  forward: boolean;
  /** This packet is the first of a newly selected layer (a keyframe). */
  switched: boolean;
  /** The selection waits for a keyframe on {@link SimulcastSelector.targetSsrc}: ask the publisher for one. */
  needKeyframe: boolean;
}

/** Tuning of {@link SimulcastSelector}. */
export interface SimulcastSelectorOptions {
  /** Initial wanted layer. Default 'big'. */
  wanted?: WantedLayer;
  /** A layer without packets for this long counts as stopped (encoders drop layers under load). Default 1000. */
  inactiveAfterMs?: number;
}

interface Layer {
  rid: string | undefined;
  ssrc: number | undefined;
  lastSeenMs: number | undefined;
}

/**
 * Chooses, for one subscriber of a simulcast publisher, which layer's packets to forward. The
 * wanted layer ('big' = highest, 'small' = lowest) is picked among the layers currently arriving;
 * the selection moves to it only on a keyframe of that layer (a decoder cannot start mid-stream),
 * and until then the previous layer keeps flowing.
 *
 * Feed every packet of the publisher's video with {@link onPacket}. For a forwarded packet, pass
 * the same SSRC to `SeqRewriter.rewrite` and `Vp8Rewriter.rewrite`: they take the SSRC change at
 * `switched` as the switch point. When `needKeyframe` is set, ask the publisher for a keyframe on
 * {@link targetSsrc} through `KeyframeThrottle`, which absorbs the repeats.
 */
export class SimulcastSelector {
  readonly #layers: Layer[];
  readonly #inactiveAfterMs: number;
  #wanted: WantedLayer;
  #current: Layer | undefined;
  #target: Layer | undefined;
  /** What {@link onPacket} returns, reused: it runs per packet and view, and allocates nothing. */
  readonly #decision: SelectorDecision = { forward: false, switched: false, needKeyframe: false };

  /** @param layers ordered from lowest to highest quality. */
  constructor(layers: readonly SimulcastLayer[], options: SimulcastSelectorOptions = {}) {
    if (layers.length === 0) throw new RangeError('a simulcast selector needs at least one layer');
    this.#layers = layers.map((l) => ({ rid: l.rid, ssrc: l.ssrc, lastSeenMs: undefined }));
    this.#inactiveAfterMs = options.inactiveAfterMs ?? 1000;
    this.#wanted = options.wanted ?? 'big';
  }

  /** The wanted layer; a change takes effect on the new target layer's next keyframe. */
  get wanted(): WantedLayer {
    return this.#wanted;
  }

  set wanted(wanted: WantedLayer) {
    this.#wanted = wanted;
  }

  /** SSRC of the layer being forwarded. */
  get currentSsrc(): number | undefined {
    return this.#current?.ssrc;
  }

  /** SSRC of the layer the selection is heading for, as of the last packet. */
  get targetSsrc(): number | undefined {
    return this.#target?.ssrc;
  }

  /**
   * Decides about one packet of the publisher. The decision is one object reused by every call:
   * read it before the next one.
   * @param rid the packet's rid header extension, if present: it binds the SSRC to its layer.
   */
  onPacket(ssrc: number, isKeyframe: boolean, nowMs: number, rid?: string): Readonly<SelectorDecision> {
    const layer = this.#layerOf(ssrc, rid);
    if (layer) layer.lastSeenMs = nowMs;
    const target = this.#pickTarget(nowMs);
    this.#target = target;
    let switched = false;
    if (layer && layer === target && target !== this.#current && isKeyframe) {
      this.#current = target;
      switched = true;
    }
    const decision = this.#decision;
    decision.forward = layer !== undefined && layer === this.#current;
    decision.switched = switched;
    decision.needKeyframe = target !== undefined && target !== this.#current;
    return decision;
  }

  #layerOf(ssrc: number, rid: string | undefined): Layer | undefined {
    let named: Layer | undefined;
    for (const layer of this.#layers) {
      if (layer.ssrc === ssrc) return layer;
      if (rid !== undefined && layer.rid === rid) named ??= layer;
    }
    if (!named) return undefined;
    // A new SSRC for a known rid means the encoding restarted: its old stream cannot be continued.
    if (named.ssrc !== undefined && named === this.#current) this.#current = undefined;
    named.ssrc = ssrc;
    return named;
  }

  #pickTarget(nowMs: number): Layer | undefined {
    let lowest: Layer | undefined;
    let highest: Layer | undefined;
    for (const layer of this.#layers) {
      if (layer.lastSeenMs === undefined || nowMs - layer.lastSeenMs > this.#inactiveAfterMs) continue;
      lowest ??= layer;
      highest = layer;
    }
    return this.#wanted === 'big' ? highest : lowest;
  }
}
