/**
 * Cleanup on every exit path. Synchronous cleanups (remove a staging folder, release a lock, roll back a
 * swap) registered here run when the process exits normally, throws, or receives SIGINT, SIGTERM or SIGHUP;
 * after a signal the process then dies by that signal, as it would have. SIGKILL cannot be caught: what a
 * killed render leaves (a staging folder, a journal, a lock) is cleaned by the next render, which checks
 * that its owner is dead.
 *
 * A synchronous section (the swap) is never interrupted: Node delivers signals to JavaScript on the event
 * loop, so a handler runs only between synchronous sections.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the next render recovers what is left
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  process.kill(process.pid, signal);
}

function onExit(): void {
  runAll();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', onExit);
}

/** Register a synchronous cleanup; returns a function that unregisters it (without running it). */
export function addExitCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  install();
  return () => {
    cleanups.delete(fn);
    if (!cleanups.size) uninstall();
  };
}
