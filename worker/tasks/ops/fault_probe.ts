import { runFaultProbe } from '../../../domain/jobs/fault-probe.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    fault_probe: { probeId: string; workMs?: number };
  }
}

/**
 * Fault-injection suite only (registered when FAULT_PROBE_TASK=true): records its execution and
 * applies its effect once. See domain/jobs/fault-probe.ts.
 */
export const faultProbeTask = defineTask(
  'fault_probe',
  {
    type: 'object',
    properties: { probeId: { type: 'string' }, workMs: { type: 'integer', minimum: 0, maximum: 10000 } },
    required: ['probeId'],
  },
  async ({ probeId, workMs }, helpers) => {
    await runFaultProbe(probeId, helpers.job.id, helpers.job.attempts, workMs ?? 0);
  },
);
