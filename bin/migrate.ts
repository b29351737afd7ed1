/** Procfile `release` and `npm run migrate`: brings the database schema up to date, then exits. */
import { boot } from './boot.js';

await boot({ web: false, worker: false, migrate: true, runWorkerDefault: false });
