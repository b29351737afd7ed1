/** Procfile `worker`: a graphile-worker process with clinicflow's tasks and crontab. */
import { boot } from './boot.js';

await boot({ web: false, worker: true, migrate: false, runWorkerDefault: true });
