import { isIPv6 } from 'node:net';
import { ServerError } from '../errors.js';

export interface AdmissionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** undefined: any origin. */
  allowedOrigins: readonly string[] | undefined;
}

/** Why an upgrade was refused: the HTTP status, the metrics label and the error its body carries. */
export interface Refusal {
  status: 403 | 429 | 503;
  reason: 'origin' | 'max_connections' | 'max_connections_per_ip';
  error: ServerError;
}

/**
 * Which WebSocket upgrades become connections: the node's and each address's connection caps, and the
 * Origin policy. It counts the connections it let in until they are `released`.
 */
export class ConnectionAdmission {
  readonly #limits: AdmissionLimits;
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = { ...limits };
  }

  /** The refusal of an upgrade from `remote` (its socket address) with this `Origin` header, or null to accept it. */
  check(remote: string | undefined, origin: string | undefined): Refusal | null {
    const { allowedOrigins, maxConnections, maxConnectionsPerIp } = this.#limits;
    // No Origin header: not a browser, so no page of another site can be behind it.
    if (allowedOrigins && origin !== undefined && !allowedOrigins.includes(origin.toLowerCase())) {
      return { status: 403, reason: 'origin', error: new ServerError('ORIGIN_NOT_ALLOWED', `origin ${origin} is not in allowedOrigins`) };
    }
    if (this.#total >= maxConnections) {
      const error = new ServerError('CONNECTION_LIMIT', `this node holds maxConnections (${maxConnections}) connections; try another node or later`);
      return { status: 503, reason: 'max_connections', error };
    }
    if ((this.#byAddress.get(addressKey(remote)) ?? 0) >= maxConnectionsPerIp) {
      const error = new ServerError('IP_CONNECTION_LIMIT', `this address holds maxConnectionsPerIp (${maxConnectionsPerIp}) connections`);
      return { status: 429, reason: 'max_connections_per_ip', error };
    }
    return null;
  }

  /** Counts a connection from `remote` until `release`. */
  admitted(remote: string | undefined): void {
    const key = addressKey(remote);
    this.#byAddress.set(key, (this.#byAddress.get(key) ?? 0) + 1);
    this.#total++;
  }

  released(remote: string | undefined): void {
    const key = addressKey(remote);
    const left = (this.#byAddress.get(key) ?? 1) - 1;
    if (left > 0) this.#byAddress.set(key, left);
    else this.#byAddress.delete(key);
    this.#total--;
  }
}

/**
 * The unit a per-address cap counts: an IPv4 address (also when IPv4-mapped), or the /64 of an IPv6
 * one, since a single host commonly holds a whole /64 and could otherwise pick a fresh address per socket.
 */
export function addressKey(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1]!;
  if (!isIPv6(remote)) return remote;
  const [head = '', tail] = remote.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
