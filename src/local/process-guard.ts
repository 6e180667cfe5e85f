import type { ChildProcess } from 'node:child_process';

/**
 * Ends every DynamoDB Local we started when this process goes away: on normal exit and on
 * SIGINT/SIGTERM/SIGHUP. A hard kill of Node is covered separately by the launcher
 * (the child gets a parent-death signal), because no handler runs then.
 */
const children = new Set<ChildProcess>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // The application handles the signal itself (e.g. a server draining requests): leave the
  // database running for it; the exit handler still ends java when the process exits.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  // Otherwise keep the default behaviour: die by the signal.
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of signals) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', killAll);
  for (const signal of signals) process.off(signal, onSignal);
}

export function guardChild(child: ChildProcess): void {
  children.add(child);
  install();
  child.once('exit', () => {
    children.delete(child);
    if (children.size === 0) uninstall();
  });
}
