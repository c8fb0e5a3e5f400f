/**
 * How a long local run (`run`, `run --files`) stops: the first SIGINT or SIGTERM asks it to
 * finish the work in hand, commit and exit; a second one exits at once (130). The run polls the
 * returned function between units of work.
 */
export function stopOnSignals(): () => boolean {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return () => stopping;
}
