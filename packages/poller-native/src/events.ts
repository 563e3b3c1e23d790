// events.ts: the event bits of the poller (Tornado's values, which are epoll's).

/** The descriptor is readable (EPOLLIN). */
export const READ = 0x001;
/** The descriptor is writable (EPOLLOUT). */
export const WRITE = 0x004;
/** Error or hang-up (EPOLLERR | EPOLLHUP); always delivered, whatever the interest. */
export const ERROR = 0x018;
