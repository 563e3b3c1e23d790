// Runs one autocannon load in this (pinned) process and prints its JSON result.
import autocannon from "autocannon";

const [url, connections, pipelining, duration] = process.argv.slice(2);
const result = await autocannon({
  url,
  connections: Number(connections),
  pipelining: Number(pipelining),
  duration: Number(duration),
});
process.stdout.write(JSON.stringify(result));
