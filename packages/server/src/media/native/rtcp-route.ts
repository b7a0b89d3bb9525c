/**
 * Which m-section of a receive connection each RTCP packet the client sends is about. A client
 * sends one compound for all of its streams; the views want only theirs: a feedback message goes
 * to its media source (PLI, NACK; FIR's and REMB's listed SSRCs), a report's blocks to each stream
 * they report on. Packets about no stream we send (SDES, BYE, XR) go nowhere.
 */
export function routeRtcp(compound: Buffer, deliver: (ssrc: number, packet: Buffer) => void): void {
  let at = 0;
  while (at + 4 <= compound.length) {
    const length = (compound.readUInt16BE(at + 2) + 1) * 4;
    if (at + length > compound.length || compound[at]! >> 6 !== 2) return;
    const packet = compound.subarray(at, at + length);
    const type = packet[1]!;
    const count = packet[0]! & 0x1f;
    if (type === 200 || type === 201) {
      // SR: 20 bytes of sender info after the sender's SSRC; RR: none. Then 24-byte blocks.
      const first = type === 200 ? 28 : 8;
      for (let i = 0; i < count && first + 24 * (i + 1) <= length; i++) deliver(packet.readUInt32BE(first + 24 * i), packet);
    } else if ((type === 205 || type === 206) && length >= 12) {
      const media = packet.readUInt32BE(8);
      if (type === 206 && count === 4) {
        for (let fci = 12; fci + 8 <= length; fci += 8) deliver(packet.readUInt32BE(fci), packet);
      } else if (type === 206 && count === 15 && length >= 20 && packet.toString('latin1', 12, 16) === 'REMB') {
        const listed = packet[16]!;
        for (let i = 0; i < listed && 20 + 4 * (i + 1) <= length; i++) deliver(packet.readUInt32BE(20 + 4 * i), packet);
      } else {
        deliver(media, packet);
      }
    }
    at += length;
  }
}
