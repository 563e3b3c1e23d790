// The README's Usage example: a pipe watched with addHandler, a timer and a periodic callback.
import { IOLoop, PeriodicCallback, READ } from "@t/ioloop";
import { close, pipe, read, write } from "@t/poller-native";

const loop = new IOLoop();
const [readFd, writeFd] = pipe(); // non-blocking, close-on-exec
const buf = Buffer.alloc(64);

// Called whenever the read end is readable (level-triggered, like Tornado).
loop.addHandler(
  readFd,
  (fd) => {
    const n = read(fd, buf, 0, buf.length); // bytes, 0 at EOF, or -EAGAIN
    if (n > 0) console.log(`read: ${buf.toString("utf8", 0, n)}`);
  },
  READ,
);

loop.callLater(10, () => console.log("timer fired after 10 ms"));

let ticks = 0;
const writer = new PeriodicCallback(
  () => {
    ticks++;
    const message = Buffer.from(`tick ${ticks}`);
    write(writeFd, message, 0, message.length);
    if (ticks === 3) {
      writer.stop();
      loop.callLater(20, () => loop.stop());
    }
  },
  50, // every 50 ms
  0,
  loop,
);
writer.start();

await loop.start(); // resolves when stop() is called
loop.close(true); // releases the poller and closes readFd (still registered)
close(writeFd);
console.log("done");
