/**
 * Plays received audio. In browsers each remote audio track goes to a hidden `<audio autoplay>`
 * element (Chromium decodes looped-back audio only then), muted unless a speaker is on and routed
 * to it with `setSinkId`. In Node nothing plays (the null speaker); tracks stay readable by sinks.
 */
export class AudioOutput {
  #elements = new Set<HTMLAudioElement>();
  #sinkId: string | null = null;
  #enabled = false;

  /** Starts playing `track`; the returned function stops it. */
  play(track: MediaStreamTrack): () => void {
    const doc = (globalThis as { document?: Document }).document;
    if (!doc?.createElement) return () => {};
    const el = doc.createElement('audio');
    el.autoplay = true;
    el.style.display = 'none';
    el.muted = !this.#enabled;
    el.srcObject = new MediaStream([track]);
    this.#applySink(el);
    doc.body?.appendChild(el);
    void el.play?.()?.catch(() => {});
    this.#elements.add(el);
    return () => {
      this.#elements.delete(el);
      el.srcObject = null;
      el.remove();
    };
  }

  /** The speaker: `null` turns playback off (elements muted); an id routes every element to it. */
  setSpeaker(deviceId: string | null): void {
    this.#enabled = deviceId !== null;
    if (deviceId !== null) this.#sinkId = deviceId;
    for (const el of this.#elements) {
      el.muted = !this.#enabled;
      this.#applySink(el);
    }
  }

  #applySink(el: HTMLAudioElement): void {
    const withSink = el as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (this.#sinkId && this.#sinkId !== 'default' && typeof withSink.setSinkId === 'function') {
      void withSink.setSinkId(this.#sinkId).catch(() => {});
    }
  }
}
