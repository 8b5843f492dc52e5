// Preloaded (`node --import`) into every app the stack starts; no app imports it.
// When the stack dies without stopping its apps (SIGKILL, a crash: its own exit handlers do
// not run), each app is re-parented, and `process.ppid`, read afresh on each access,
// changes. The app then ends itself with SIGKILL, not SIGTERM: the stack was the only
// reader of its stdout, and a graceful stop that logs to a pipe nobody reads can hang for
// good (the Stripe emulator did, measured). The pipeline is built for a killed process:
// unacknowledged messages return to their queue, open transactions roll back.
const checkMs = 500;
const parent = process.ppid;

const watch = setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, checkMs);
watch.unref();
