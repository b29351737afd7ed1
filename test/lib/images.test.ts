import { expect } from 'chai';
import { imageSlotsInUse, loadSharp, withImageSlot } from '../../lib/images.js';
import { testContext } from '../helpers/context.js';
import { drainJobs } from '../helpers/jobs.js';

describe('image slots', () => {
  // sharp is imported at the first image operation; these tests count slots, not that import.
  before(() => loadSharp());
  // The in-process worker's thumbnail jobs share these slots.
  beforeEach(() => drainJobs());

  it('runs at most IMAGE_CONCURRENCY image operations at once, the rest in arrival order', async () => {
    const limit = testContext().config.imageConcurrency;
    expect(limit).to.equal(2);
    const releases: (() => void)[] = [];
    const started: number[] = [];
    let peak = 0;
    const tasks = Array.from({ length: 6 }, (_, i) =>
      withImageSlot(async () => {
        started.push(i);
        peak = Math.max(peak, imageSlotsInUse());
        await new Promise<void>((resolve) => releases.push(resolve));
        return i;
      }),
    );
    // Release the running ones one at a time; each release lets exactly one waiter in.
    for (let released = 0; released < 6; released++) {
      await new Promise((r) => setImmediate(r));
      expect(started).to.have.length(Math.min(6, limit + released));
      releases.shift()!();
    }
    expect(await Promise.all(tasks)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(started).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(peak).to.equal(limit);
    expect(imageSlotsInUse()).to.equal(0);
  });

  it('frees the slot when the operation fails', async () => {
    await withImageSlot(() => Promise.reject(new Error('bad image'))).catch(() => {});
    expect(imageSlotsInUse()).to.equal(0);
  });
});
