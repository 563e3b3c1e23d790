// read-ahead.ts: constants of the poller's read-ahead (bytes read in the harvest, see Poller.setReadAhead).

/**
 * `poller.readAhead[2*i+1]` of an entry that was not read ahead (the fd has no read-ahead, did
 * not report READ, or the receive buffer had less than its cap free). Never a byte count or a
 * negative errno.
 */
export const READ_AHEAD_NONE = -0x80000000;

/** Default size of a poller's receive buffer (`PollerOptions.readAheadBytes`): 256 KiB. */
export const DEFAULT_READ_AHEAD_BYTES = 256 * 1024;
