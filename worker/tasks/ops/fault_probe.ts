import { runFaultProbe } from '../../../domain/jobs/fault-probe.js';
import { Type, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

export const FaultProbePayload = Type.Object({
  probeId: Type.String(),
  workMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
});

declare global {
  namespace GraphileWorker {
    interface Tasks {
      fault_probe: Static<typeof FaultProbePayload>;
    }
  }
}

/**
 * Fault-injection suite only (registered when FAULT_PROBE_TASK=true): records its execution and
 * applies its effect once. See domain/jobs/fault-probe.ts.
 */
export const faultProbeTask = defineTask(
  'fault_probe',
  FaultProbePayload,
  async ({ probeId, workMs }, helpers) => {
    await runFaultProbe(probeId, helpers.job.id, helpers.job.attempts, workMs ?? 0);
  },
);
