import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch (error) {
    process.stderr.write(`getconf CLK_TCK failed (${String(error)}), assuming 100\n`);
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  comm: string;
  cpuMs: number;
  /** Of which in the kernel (stime): system calls, and the network stack's work done in them. */
  systemMs: number;
}

/** utime + stime of a process, undefined once it is gone (or without /proc). */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // comm is in parentheses and may hold spaces; the fields after it are space-separated.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
  return {
    ppid: Number(fields[1]),
    comm,
    cpuMs: ms(Number(fields[11]) + Number(fields[12])),
    systemMs: ms(Number(fields[12])),
  };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A named group of processes, looked up afresh at every snapshot (Postgres starts backends on demand). */
export interface WatchedProcess {
  name: string;
  pids(): number[];
}

/** Direct children of `ppid` whose command line `label` names; one group per label. */
export function childProcesses(ppid: number, label: (cmdline: string) => string | undefined): WatchedProcess[] {
  const byLabel = new Map<string, number[]>();
  for (const pid of allPids()) {
    if (readStat(pid)?.ppid !== ppid) continue;
    const name = label(readCmdline(pid));
    if (name) byLabel.set(name, [...(byLabel.get(name) ?? []), pid]);
  }
  return [...byLabel].map(([name, pids]) => ({ name, pids: () => pids }));
}

/** Every process with this command name (e.g. `postgres`, `nats-server`), whoever started it. */
export function processesNamed(comm: string): WatchedProcess {
  return { name: comm, pids: () => allPids().filter((pid) => readStat(pid)?.comm === comm) };
}

/** Every process whose command name and command line satisfy `match`, whoever started it. */
export function processesWhere(name: string, match: (comm: string, cmdline: string) => boolean): WatchedProcess {
  return {
    name,
    pids: () =>
      allPids().filter((pid) => {
        const comm = readStat(pid)?.comm;
        return comm !== undefined && match(comm, readCmdline(pid));
      }),
  };
}

/**
 * Which database a Postgres process works for, from the title it sets (`postgres: 15/main: user db
 * 127.0.0.1(5432) idle`, `… autovacuum worker db`); undefined for the server's own processes (postmaster,
 * WAL writer, checkpointer…), which work for every database.
 */
export function postgresDatabaseOf(cmdline: string): string | undefined {
  const title = /^postgres: (?:[^:]+: )?(.*)$/.exec(cmdline)?.[1];
  if (!title) return undefined;
  return /^\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(title)?.[1] ?? /^autovacuum worker (\S+)/.exec(title)?.[1];
}

/**
 * Postgres split three ways: the backends (and autovacuum workers) of `database`, the server's shared
 * processes, and the backends of every other database (someone else's work: report it, do not charge it).
 */
export function postgresProcesses(database: string): {
  own: WatchedProcess;
  server: WatchedProcess;
  others: WatchedProcess;
} {
  const isPostgres = (comm: string) => comm === 'postgres' || comm.startsWith('postgres:');
  return {
    own: processesWhere(`postgres (${database})`, (c, l) => isPostgres(c) && postgresDatabaseOf(l) === database),
    server: processesWhere('postgres (server)', (c, l) => isPostgres(c) && postgresDatabaseOf(l) === undefined),
    others: processesWhere('postgres (other databases)', (c, l) => {
      const db = postgresDatabaseOf(l);
      return isPostgres(c) && db !== undefined && db !== database;
    }),
  };
}

export interface MachineCpu {
  /** Every core summed, all but idle and iowait. */
  busyMs: number;
  /**
   * Of which interrupt and softirq time: accounted to no process. On one machine that is largely the
   * loopback network stack (packets are processed in softirq context), so part of the benches' own cost.
   */
  interruptMs: number;
}

/** Busy CPU ms of the whole machine so far, from /proc/stat; NaN without /proc. */
export function machineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
    return { busyMs: ms(user + nice + system + irq + softirq + (steal || 0)), interruptMs: ms(irq + softirq) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { busyMs: Number.NaN, interruptMs: Number.NaN };
    throw error;
  }
}

/** CPU ms used so far, by group and pid. */
export type CpuSnapshot = Map<string, Map<number, number>>;

/** Takes a snapshot; the current process is reported under `self`, through process.cpuUsage. */
export function cpuSnapshot(watched: readonly WatchedProcess[], self = 'bench client'): CpuSnapshot {
  return cpuSnapshots(watched, self).total;
}

/** Like {@link cpuSnapshot}, with the kernel part (stime) apart, from the same reads. */
export function cpuSnapshots(
  watched: readonly WatchedProcess[],
  self = 'bench client',
): { total: CpuSnapshot; system: CpuSnapshot } {
  const usage = process.cpuUsage();
  const total: CpuSnapshot = new Map([[self, new Map([[process.pid, (usage.user + usage.system) / 1000]])]]);
  const system: CpuSnapshot = new Map([[self, new Map([[process.pid, usage.system / 1000]])]]);
  for (const group of watched) {
    const totalByPid = new Map<number, number>();
    const systemByPid = new Map<number, number>();
    for (const pid of group.pids()) {
      const stat = readStat(pid);
      if (!stat) continue;
      totalByPid.set(pid, stat.cpuMs);
      systemByPid.set(pid, stat.systemMs);
    }
    total.set(group.name, totalByPid);
    system.set(group.name, systemByPid);
  }
  return { total, system };
}

/**
 * CPU ms per group between two snapshots. A process started in between counts in full; one that ended
 * in between is lost (a slight undercount, only for short-lived processes such as Postgres backends).
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, perPid] of after) {
    let sum = 0;
    for (const [pid, ms] of perPid) sum += ms - (before.get(name)?.get(pid) ?? 0);
    delta.set(name, sum);
  }
  return delta;
}

/** Whether per-process CPU can be read here (Linux /proc). */
export const procAvailable = allPids().length > 0;
