import { ErrorCode, type Lang } from '@hudong/protocol';
import { TypedEmitter } from './util/TypedEmitter.js';
import { avError, invalidArgument } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { publicCall } from './util/public-call.js';
import { OperationGuard } from './OperationGuard.js';
import type { DeviceBackend, DeviceKind, LocalTracks, OpenedDevice } from './devices/types.js';

export type AVDeviceTestState = 'stopped' | 'started';

export type AVDeviceTestEvents = {
  /** The microphone under test: its level 0–1, ~10 times a second. */
  micLevel: [level: number];
};

/** @internal What the context lends its device test. */
export interface DeviceTestHost {
  lang: Lang;
  log: Logger;
  backend(): Promise<DeviceBackend>;
  onListenerError: (error: unknown, event: string) => void;
}

/**
 * `ctx.deviceTest` (AVSDK AVDeviceTest): opens devices locally to preview them (`localTracks`,
 * `micLevel`) without publishing. 1601 when not started; while it runs, `enterRoom` and `stop`
 * of the context fail with 1602.
 */
export class AVDeviceTest extends TypedEmitter<AVDeviceTestEvents> {
  #host: DeviceTestHost;
  #state: AVDeviceTestState = 'stopped';
  #guard: OperationGuard<string>;
  #open = new Map<DeviceKind, OpenedDevice>();
  #meter: { stop(): void } | null = null;
  #level = 0;

  /** @internal Created by AVContext. */
  constructor(host: DeviceTestHost) {
    super(host.onListenerError);
    this.#host = host;
    this.#guard = new OperationGuard('device test', host.lang);
  }

  get state(): AVDeviceTestState {
    return this.#state;
  }
  /** The microphone under test: peak level 0–1 over the last ~100 ms (0 without one). */
  get micLevel(): number {
    return this.#level;
  }
  /** Preview tracks of the devices opened by the test. */
  get localTracks(): LocalTracks {
    const out: LocalTracks = {};
    for (const [kind, dev] of this.#open) if (dev.track && kind !== 'speaker') out[kind] = dev.track;
    return out;
  }

  /** Starts the test. 1003 when it runs. */
  start(): Promise<void> {
    return publicCall('deviceTest.start', this.#host, () =>
      this.#guard.run(
        'start',
        async () => {
          this.#state = 'started';
        },
        { holds: this.#state === 'started' && 'the device test is already started' },
      ),
    );
  }

  /** Opens (true) or closes (false) device `id` for the test. 1601 when not started; 1301 unknown id; 1003 already so. */
  enableDevice(id: string, on: boolean): Promise<void> {
    return publicCall('deviceTest.enableDevice', this.#host, async () => {
      const { lang } = this.#host;
      if (typeof id !== 'string' || id.length === 0) throw invalidArgument('id', 'must be a device id from devices.list()', lang);
      if (typeof on !== 'boolean') throw invalidArgument('on', `must be true or false (got ${String(on)})`, lang);
      this.#requireStarted('enableDevice');
      const backend = await this.#host.backend();
      const info = (await backend.list()).find((d) => d.id === id);
      if (!info) throw avError(ErrorCode.AV_ERR_DEVICE_NOT_EXIST, 'UNKNOWN_DEVICE', `no device with id ${id}`, lang, { deviceId: id });
      const current = this.#open.get(info.kind);
      const holds = on
        ? current?.info.id === id && `${id} is already on in the device test`
        : current?.info.id !== id && `${id} is not on in the device test`;
      await this.#guard.run(
        `enableDevice(${id}, ${on})`,
        async () => {
          this.#requireStarted('enableDevice');
          if (current) this.#close(info.kind);
          if (!on) return;
          const dev = await backend.open(info.kind, id);
          if (this.#state !== 'started') {
            dev.close();
            return;
          }
          this.#open.set(info.kind, dev);
          if (info.kind === 'microphone' && dev.track) {
            this.#meter = backend.meter(dev.track, (level) => {
              this.#level = level;
              this.emit('micLevel', level);
            });
          }
        },
        { holds },
      );
    });
  }

  /** Stops the test and closes its devices. 1003 when stopped. */
  stop(): Promise<void> {
    return publicCall('deviceTest.stop', this.#host, () =>
      this.#guard.run(
        'stop',
        async () => {
          for (const kind of [...this.#open.keys()]) this.#close(kind);
          this.#state = 'stopped';
        },
        { holds: this.#state === 'stopped' && 'the device test is not running', preempts: ['start'] },
      ),
    );
  }

  #requireStarted(op: string): void {
    if (this.#state !== 'started')
      throw avError(ErrorCode.AV_ERR_DEVICE_TEST_NOT_EXIST, 'DEVICE_TEST_NOT_STARTED', `${op} needs a started device test`, this.#host.lang);
  }

  #close(kind: DeviceKind): void {
    const dev = this.#open.get(kind);
    this.#open.delete(kind);
    if (kind === 'microphone') {
      this.#meter?.stop();
      this.#meter = null;
      this.#level = 0;
    }
    dev?.close();
  }
}
