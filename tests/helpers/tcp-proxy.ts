import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A real TCP hop between a client and the server that a test can break the way networks break:
 * cut every connection (RST), refuse new ones for a while, or freeze traffic with sockets still open.
 */
export class TcpProxy {
  #server: Server | undefined;
  #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  #frozen = false;
  #held: (() => void)[] = [];
  port = 0;

  constructor(
    readonly targetPort: number,
    readonly targetHost = '127.0.0.1',
  ) {}

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async start(): Promise<this> {
    this.#server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  /** Reset every open connection. */
  cut(): void {
    for (const [a, b] of this.#pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** While on, new connections are reset at once (the server looks unreachable). */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** While on, bytes are held in both directions; sockets stay open (a stalled network). */
  freeze(on: boolean): void {
    this.#frozen = on;
    if (!on) for (const release of this.#held.splice(0)) release();
  }

  get connections(): number {
    return this.#pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    this.#forward(client, upstream);
    this.#forward(upstream, client);
  }

  #forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      const send = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (this.#frozen) this.#held.push(send);
      else send();
    });
  }
}
