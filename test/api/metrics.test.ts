import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { services, setServices } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';
import { api, errorOf, request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

/** The value of one sample line (`name{labels} value`) in a Prometheus text body. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(/,(?=[a-z_]+=")/);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('serves Prometheus text with HTTP counts by route operationId (never raw paths) to loopback callers (200)', async () => {
    const admin = await createUser('admin');
    await api.as(admin.token).get('/admin/jobs/stats');
    await api.as(admin.token).get(`/admin/jobs/${Date.now()}`);
    const res = await request('GET', '/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.contain('text/plain');
    expect(
      sample(res.text, 'clinicflow_http_requests_total', {
        method: 'GET',
        route: 'getJobStats',
        status: '200',
      }),
    ).to.be.at.least(1);
    expect(
      sample(res.text, 'clinicflow_http_requests_total', { method: 'GET', route: 'getJob', status: '404' }),
    ).to.be.at.least(1);
    expect(
      sample(res.text, 'clinicflow_http_request_duration_seconds_count', {
        method: 'GET',
        route: 'getJobStats',
      }),
    ).to.be.at.least(1);
    expect(res.text).not.to.match(/route="\/api/);
    expect(sample(res.text, 'clinicflow_job_metrics_up')).to.equal(1);
    expect(res.text).to.contain('# TYPE clinicflow_jobs_completed_total counter');
    expect(sample(res.text, 'clinicflow_jobs_oldest_queued_age_seconds')).to.be.a('number');
    expect(sample(res.text, 'clinicflow_workers_live')).to.be.at.least(1);
  });

  it('reports job outcomes, durations and queue depth per task from every worker', async () => {
    const task = `ops_test_metrics_${randomUUID().slice(0, 8)}`;
    const { knex } = testContext();
    const { rows } = await knex.raw(`select (graphile_worker.add_job(?, '{}'::json)).id::text as id`, [task]);
    try {
      const depth = await request('GET', '/metrics');
      expect(sample(depth.text, 'clinicflow_jobs', { task, state: 'queued' })).to.equal(1);
      // The email job of another test may run meanwhile; a completed send_email shows as a counter.
      await knex.raw(`select graphile_worker.add_job('recover_stale_workers', '{}'::json)`);
      const text = await waitUntil(
        async () => {
          const r = await request('GET', '/metrics');
          return (sample(r.text, 'clinicflow_jobs_completed_total', { task: 'recover_stale_workers' }) ??
            0) >= 1
            ? r.text
            : undefined;
        },
        10_000,
        'the completed run in the metrics',
      );
      const count = sample(text, 'clinicflow_job_duration_seconds_count', { task: 'recover_stale_workers' })!;
      expect(count).to.be.at.least(1);
      expect(
        sample(text, 'clinicflow_job_duration_seconds_bucket', { task: 'recover_stale_workers', le: '+Inf' }),
      ).to.equal(count);
    } finally {
      await knex.raw(`select graphile_worker.complete_jobs(array[?::bigint])`, [rows[0].id]);
    }
  });

  it('refuses forwarded requests without METRICS_TOKEN (403) and wants the token when it is set (401 / 200)', async () => {
    const forwarded = await request('GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(forwarded.status).to.equal(403);
    expect(errorOf(forwarded).code).to.equal('forbidden');

    const original = services();
    setServices({ ...original, config: { ...original.config, metricsToken: 'scrape-secret-123' } });
    try {
      expect((await request('GET', '/metrics')).status).to.equal(401);
      expect(
        (await request('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status,
      ).to.equal(401);
      const ok = await request('GET', '/metrics', {
        headers: { authorization: 'Bearer scrape-secret-123', 'x-forwarded-for': '203.0.113.9' },
      });
      expect(ok.status).to.equal(200);
    } finally {
      setServices(original);
    }
  });
});
