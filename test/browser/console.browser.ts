import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { testContext } from '../helpers/context.js';
import { failedEmailJob } from '../helpers/failed-job.js';
import { createUser, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { startDevServer, type DevServer } from './dev-server.js';
import { newPage, problemsOf, screenshot } from './setup.js';

const knex = () => testContext().knex;

/** Signs in through the form with the keyboard only (Tab between fields, Enter to submit). */
async function signIn(page: Page, user: TestUser, path = '/console'): Promise<void> {
  await page.goto(testContext().baseUrl + path);
  await page.getByLabel('Email').fill(user.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
}

/** Queues a job of a task no worker knows, due tomorrow, so it stays scheduled until acted on. */
async function parkedJob(task: string, payload: Record<string, unknown>): Promise<string> {
  const { rows } = await knex().raw(
    `select (graphile_worker.add_job(?, ?::json, run_at => now() + interval '1 day')).id::text as id`,
    [task, JSON.stringify(payload)],
  );
  return rows[0].id as string;
}

describe('operator console in a browser', () => {
  let admin: TestUser;
  before(async () => {
    admin = await createUser('admin', { name: 'Ada Operator' });
  });

  it('lets an admin sign in, find a failing email job, retry it from its page and see it completed', async () => {
    const { context, page } = await newPage();
    const to = uniqueEmail('browser');
    const id = await failedEmailJob(to, 'browser_test');
    try {
      await signIn(page, admin);
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      expect(await page.evaluate('sessionStorage.length')).to.equal(1);
      const failures = page.getByRole('region', { name: 'Recent failures' });
      await failures.getByRole('link', { name: `#${id}` }).waitFor();
      expect(await failures.textContent()).to.match(/Mailbox temporarily unavailable|451/);
      await page.getByRole('img', { name: /Jobs per minute over the last hour/ }).waitFor();
      await screenshot(page, 'dashboard');

      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      await page.getByLabel('State').selectOption('failed');
      await page.getByLabel('Task').fill('send_email');
      await page.getByLabel('Search').fill(to);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/state=failed/);
      const row = page.getByRole('row').filter({ hasText: `#${id}` });
      await row.waitFor();
      expect(await row.textContent()).to.include('failed');
      await screenshot(page, 'jobs-failed');

      await row.getByRole('link', { name: `#${id}` }).click();
      await page.getByRole('heading', { name: `Job #${id} · send_email` }).waitFor();
      const details = page.getByRole('region', { name: 'Details' });
      expect(await details.textContent()).to.match(/Mailbox temporarily unavailable|451/);
      const history = page.getByRole('region', { name: 'Run history' });
      await history.locator('.badge.failed').first().waitFor();
      // The payload is shown redacted; the recipient is not a secret.
      expect(await page.getByRole('region', { name: 'Payload (secrets redacted)' }).textContent()).to.include(
        to,
      );
      await screenshot(page, 'job-failed');

      // The SMTP server accepts again (it refused only once): retry now, from the job's page.
      await page.getByRole('button', { name: 'Retry now' }).click();
      await page.getByRole('status').getByText(`Job #${id} will run now.`).waitFor();
      await details.locator('.badge.completed').waitFor({ timeout: 20_000 });
      await history.locator('.badge.completed').first().waitFor();
      await testContext().smtp.waitFor(to);
      await screenshot(page, 'job-completed');

      const audit = await knex()('auditEvents').where({ entity: 'job', entityId: id, action: 'job.retry' });
      expect(audit.map((a: { actorId: string }) => a.actorId)).to.deep.equal([admin.id]);
      expect(problemsOf(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('bulk-cancels a filtered set after a confirmation that says how many', async () => {
    const task = `browser_bulk_${randomUUID().slice(0, 8)}`;
    const marker = randomUUID().slice(0, 8);
    const ids = [
      await parkedJob(task, { to: `a-${marker}@example.test` }),
      await parkedJob(task, { to: `b-${marker}@example.test` }),
      await parkedJob(task, { to: `c-${marker}@example.test` }),
    ];
    const other = await parkedJob(task, { to: 'someone-else@example.test' });
    const { context, page } = await newPage();
    try {
      await signIn(page, admin, '/console/jobs');
      await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
      await page.getByLabel('State').selectOption('scheduled');
      await page.getByLabel('Task').fill(task);
      await page.getByLabel('Search').fill(marker);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('heading', { name: '3 jobs' }).waitFor();

      await page.getByRole('button', { name: 'Cancel all matching…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel 3 jobs?' });
      await dialog.waitFor();
      expect(await dialog.textContent()).to.include(`permanently fails 3 scheduled jobs of task ${task}`);
      await screenshot(page, 'jobs-bulk-cancel-confirm');
      await dialog.getByRole('button', { name: 'Cancel 3' }).click();
      await page.getByRole('status').getByText('Cancelled 3 jobs.').waitFor();
      await page.getByText('No job matches.').waitFor();
      await screenshot(page, 'jobs-bulk-cancelled');

      const { rows } = await knex().raw(
        `select id::text as id, attempts = max_attempts as dead from graphile_worker.jobs where id = any(?::bigint[]) order by id`,
        [[...ids, other]],
      );
      expect(rows).to.deep.equal([...ids.map((id) => ({ id, dead: true })), { id: other, dead: false }]);
      expect(problemsOf(page)).to.deep.equal([]);
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [[...ids, other]]);
      await context.close();
    }
  });

  it('shows the crontab with next run times and the jobs due within the hour', async () => {
    const task = `browser_due_${randomUUID().slice(0, 8)}`;
    const { rows } = await knex().raw(
      `select (graphile_worker.add_job(?, '{}'::json, run_at => now() + interval '25 minutes')).id::text as id`,
      [task],
    );
    const { context, page } = await newPage();
    try {
      await signIn(page, admin, '/console/schedules');
      await page.getByRole('heading', { name: 'Schedules' }).waitFor();
      const cron = page.getByRole('region', { name: 'Crontab (UTC)' });
      const sweep = cron.getByRole('row').filter({ hasText: 'recover_stale_workers' });
      expect(await sweep.textContent()).to.match(/\* \* \* \* \*.*(in \d+ s|now)/);
      const due = page.getByRole('region', { name: task });
      expect(await due.textContent()).to.match(/1 job, first in 2\d min/);
      await due.getByRole('link', { name: `#${rows[0].id}` }).waitFor();
      await screenshot(page, 'schedules');
      expect(problemsOf(page)).to.deep.equal([]);
    } finally {
      await knex().raw(`select graphile_worker.complete_jobs(array[?::bigint])`, [rows[0].id]);
      await context.close();
    }
  });

  it('refuses a non-admin: the page shows a refusal and keeps no token', async () => {
    const patient = await createUser('patient');
    const { context, page } = await newPage();
    try {
      await signIn(page, patient);
      await page.getByRole('heading', { name: 'Access refused' }).waitFor();
      expect(await page.getByRole('main').textContent()).to.include('this account is a patient');
      expect(await page.evaluate('sessionStorage.length')).to.equal(0);
      expect(await page.getByRole('navigation', { name: 'Console sections' }).isVisible()).to.equal(false);
      await screenshot(page, 'refused');
      // Going to a console page directly still shows nothing but the sign-in form.
      await page.goto(`${testContext().baseUrl}/console/jobs`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(problemsOf(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const { context, page } = await newPage({ width: 390, height: 844 });
    try {
      await signIn(page, admin);
      await page.getByRole('region', { name: 'Recent failures' }).waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).to.be.at.most(0);
      await screenshot(page, 'dashboard-phone');
    } finally {
      await context.close();
    }
  });

  describe('development inbox (a server started without SMTP_URL)', () => {
    let dev: DevServer;
    before(async function () {
      this.timeout(120_000);
      dev = await startDevServer();
    });
    after(async function () {
      this.timeout(60_000);
      await dev?.stop();
    });

    it('shows the verification email of a new registration, and its link verifies the account', async () => {
      const { context, page } = await newPage();
      const email = uniqueEmail('newcomer');
      const password = 'a long enough password';
      try {
        await page.goto(`${dev.baseUrl}/console/outbox`);
        await page.getByRole('heading', { name: 'Development inbox' }).waitFor();
        const res = await fetch(`${dev.baseUrl}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'New Comer', email, password }),
        });
        expect(res.status).to.equal(201);

        // The inbox polls: the email appears once the worker has written it.
        const mail = page.getByRole('article');
        await mail.getByText(email).first().waitFor({ timeout: 30_000 });
        expect(await mail.getByRole('heading').first().textContent()).to.match(/confirm|verify|welcome/i);
        const frame = page.frameLocator('iframe.email');
        await frame.getByRole('link', { name: 'Confirm email address' }).waitFor();
        expect(await mail.getByRole('region', { name: 'Plain-text part' }).textContent()).to.include(
          '/verify-email?token=',
        );
        await screenshot(page, 'outbox');

        const link = mail
          .getByRole('region', { name: 'Links' })
          .getByRole('link', { name: /verify-email\?token=/ });
        const [verifyPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
        await verifyPage.getByRole('heading', { name: 'Verify your email address' }).waitFor();
        await verifyPage.getByRole('button', { name: 'Verify my email' }).click();
        await verifyPage.getByText('Your email address is verified.').waitFor();
        await screenshot(verifyPage, 'verify-email');

        const login = await fetch(`${dev.baseUrl}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        expect(login.status).to.equal(200);
        expect(problemsOf(page)).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  });
});
