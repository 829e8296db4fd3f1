// Where the machine's CPU went during a measured run (Linux /proc; nothing elsewhere): the whole
// machine, the server under test, this process (the load generator or the baseline's client),
// and the rest (PostgreSQL, Redis, anything else running on the machine).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** USER_HZ: /proc reports CPU time in ticks of 10 ms on Linux. */
const TICK_MS = 10;

function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

function processTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Starts counting; the returned function gives the average cores busy since, per bucket. */
export function startCpuAccounting(serverPid) {
  let begin;
  try {
    begin = {
      wall: performance.now(),
      machine: machineTicks(),
      server: serverPid ? processTicks(serverPid) : 0,
      own: ownCpuMs(),
    };
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      const wallMs = performance.now() - begin.wall;
      const machine = machineTicks();
      const machineMs = (machine.busy - begin.machine.busy) * TICK_MS;
      const serverMs = serverPid ? (processTicks(serverPid) - begin.server) * TICK_MS : 0;
      const ownMs = ownCpuMs() - begin.own;
      const cores = (ms) => ms / wallMs;
      return {
        machine: cores(machineMs),
        server: serverPid ? cores(serverMs) : undefined,
        bench: cores(ownMs),
        rest: cores(Math.max(0, machineMs - serverMs - ownMs)),
      };
    } catch {
      return undefined;
    }
  };
}
