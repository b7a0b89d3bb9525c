/** The ICE-lite and DTLS parameters the server writes into its side of a native connection's SDP. */
export interface LocalTransportDescription {
  ufrag: string;
  pwd: string;
  /** SHA-256, `AB:CD:…`. */
  fingerprint: string;
  candidates: readonly { address: string; port: number }[];
}

/** The session-level lines of the server's side: ICE-lite, the bundle, the certificate. */
export function sessionLines(sessionId: string, version: number, bundle: readonly string[], fingerprint: string): string[] {
  return [
    'v=0',
    `o=- ${sessionId} ${version} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    'a=ice-lite',
    ...(bundle.length > 0 ? [`a=group:BUNDLE ${bundle.join(' ')}`] : []),
    'a=msid-semantic:WMS *',
    `a=fingerprint:sha-256 ${fingerprint}`,
  ];
}

/**
 * The transport lines an m-section of the server's side starts with: on the one port, its
 * direction, ICE credentials, DTLS `setup` (actpass in an offer, passive in an answer), rtcp-mux.
 */
export function mediaHead(
  local: LocalTransportDescription,
  media: { kind: string; protocol: string; payloads: string; mid: string; direction: string; setup: string },
): string[] {
  const [first] = local.candidates;
  return [
    `m=${media.kind} ${first?.port ?? 9} ${media.protocol} ${media.payloads}`,
    `c=IN IP4 ${first?.address ?? '0.0.0.0'}`,
    `a=mid:${media.mid}`,
    `a=${media.direction}`,
    `a=ice-ufrag:${local.ufrag}`,
    `a=ice-pwd:${local.pwd}`,
    `a=setup:${media.setup}`,
    'a=rtcp-mux',
  ];
}

/** The host candidates an m-section ends with (all of them: no trickle). */
export function candidateLines(local: LocalTransportDescription): string[] {
  return [...local.candidates.map((c, i) => `a=candidate:${i + 1} 1 udp ${2130706431 - i} ${c.address} ${c.port} typ host`), 'a=end-of-candidates'];
}
