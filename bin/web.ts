/** Procfile `web`: the HTTP API. RUN_WORKER=true also runs the worker in this process. */
import { boot } from './boot.js';

await boot({ web: true, migrate: false, runWorkerDefault: false });
