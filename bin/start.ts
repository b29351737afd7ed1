/** `npm start`: web and (unless RUN_WORKER=false) the worker in one process, migrations first. */
import { boot } from './boot.js';

await boot({ web: true, migrate: true, runWorkerDefault: true });
