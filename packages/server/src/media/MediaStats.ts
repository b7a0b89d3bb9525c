/**
 * Counters of the media plane as plain numbers: the forwarding path bumps them per packet, which a
 * prom-client `inc()` (label hashing) would make measurably slower. Metrics read them at scrape time.
 */
export class MediaStats {
  rtpReceived = 0;
  rtpForwarded = 0;
  rtpDroppedByTest = 0;
  nackReceived = 0;
  rtpRetransmitted = 0;
  /** NACKed packets not resent because they were resent less than the resend interval ago. */
  retransmissionsSuppressed = 0;
  /** NACKed sequence numbers past the per-RTCP-packet cap, ignored. */
  nackItemsIgnored = 0;
  /** Publisher RTP packets over `maxRtpPacketBytes`, dropped. */
  rtpOversized = 0;
  /** Media transports refused because fewer than `mediaFdReserve` file descriptors were free. */
  transportsRefused = 0;
  nackSent = 0;
  keyframeRequestsReceived = 0;
  keyframeRequestsSent = 0;
  /** New views started from a stored keyframe instead of a request to the publisher. */
  keyframesReplayed = 0;
  rembSent = 0;
  receiverReportsSent = 0;
}
