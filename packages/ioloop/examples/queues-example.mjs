// Locks and queues: Tornado's producer/consumer example, a Lock with a timeout and a Semaphore.
import { IOLoop, Lock, Queue, Semaphore, TimeoutError } from "@t/ioloop";

const loop = new IOLoop({ makeCurrent: true }); // timed waits use the current loop's timers
const sleep = (ms) => new Promise((resolve) => loop.callLater(ms, resolve));

await loop.runSync(async () => {
  // A bounded queue: put() waits while 2 items are queued.
  const q = new Queue({ maxsize: 2 });
  const stop = new AbortController();
  const consumer = async () => {
    for await (const item of q.iterate({ signal: stop.signal })) {
      try {
        console.log(`Doing work on ${item}`);
        await sleep(10);
      } finally {
        q.taskDone();
      }
    }
  };
  const consuming = consumer().catch((err) => {
    if (err.code !== "T_ERR_ABORTED") throw err;
  });
  for (let item = 0; item < 5; item++) {
    await q.put(item);
    console.log(`Put ${item}`);
  }
  await q.join(); // every item was taskDone()
  stop.abort(); // ends the consumer's iteration
  await consuming;
  console.log("Done");

  // A lock: acquire() resolves with its release function; a timed acquire gives up.
  const lock = new Lock();
  const release = await lock.acquire();
  try {
    await lock.acquire({ timeoutMs: 20 });
  } catch (err) {
    console.log(err instanceof TimeoutError, err.code, err.message);
  }
  release();

  // A semaphore bounds concurrency: run() acquires, runs and releases.
  const sem = new Semaphore(2);
  let running = 0;
  let most = 0;
  await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      sem.run(async () => {
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
        return n;
      }),
    ),
  );
  console.log(`at most ${most} ran at once`);
});
loop.close();
