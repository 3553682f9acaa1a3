import { STEP_ERRORS, type StepReport } from '../campaigns/job-state';

export const MAX_VERSION_LENGTH = 64;

function body(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function params(payload: Buffer): Record<string, unknown> | undefined {
  const p = body(payload)?.params;
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

/** `{"id":1,"params":{"version":"1.0.1"}}` (inform and request) → the version; undefined when malformed. */
export function parseVersionReport(payload: Buffer): string | undefined {
  const version = params(payload)?.version;
  return typeof version === 'string' && version.trim().length > 0 && version.length <= MAX_VERSION_LENGTH
    ? version.trim()
    : undefined;
}

export interface ProgressReport {
  step: number;
  report: StepReport;
  desc?: string;
}

/**
 * `{"id":1,"params":{"step":"-1","desc":"…"}}`: step as a string or a number, 0–100 a percentage, −1…−4 a
 * failure; anything else is malformed (undefined).
 */
export function parseProgress(payload: Buffer): ProgressReport | undefined {
  const p = params(payload);
  if (!p) return undefined;
  const raw = p.step;
  const step = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(step)) return undefined;
  const desc = typeof p.desc === 'string' && p.desc.length > 0 ? p.desc.slice(0, 512) : undefined;
  if (step >= 0 && step <= 100) return { step, report: { kind: 'progress', percent: step }, desc };
  const label = STEP_ERRORS[step];
  return label ? { step, report: { kind: 'error', code: step, label }, desc } : undefined;
}
