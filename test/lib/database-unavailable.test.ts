import { expect } from 'chai';
import knexPkg from 'knex';
import { DatabaseUnavailableError, toAppError } from '../../lib/errors.js';

const pgError = (code: string, message = 'pg error') => Object.assign(new Error(message), { code });

describe('toAppError: a lost database connection', () => {
  const unavailable: [string, unknown][] = [
    [
      '57P01 terminated by administrator',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    ['57P02 crash shutdown', pgError('57P02')],
    ['57P03 cannot connect now', pgError('57P03', 'the database system is starting up')],
    ['08006 connection failure', pgError('08006')],
    ['08001 unable to connect', pgError('08001')],
    ['ECONNREFUSED', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    [
      'a knex-wrapped 57P01',
      Object.assign(new Error('select 1 - terminating'), { nativeError: { code: '57P01' } }),
    ],
    ['pg: Connection terminated unexpectedly', new Error('ROLLBACK - Connection terminated unexpectedly')],
    ['pg: not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['knex acquire timeout', new knexPkg.KnexTimeoutError('Knex: Timeout acquiring a connection.')],
  ];
  for (const [what, err] of unavailable) {
    it(`maps ${what} to 503 database_unavailable with Retry-After`, () => {
      const mapped = toAppError(err);
      expect(mapped).to.be.instanceOf(DatabaseUnavailableError);
      expect(mapped.status).to.equal(503);
      expect(mapped.code).to.equal('database_unavailable');
      expect(mapped.headers?.['Retry-After']).to.match(/^\d+$/);
    });
  }

  it('leaves statement errors alone (23505 → 409, 22P02 → 400, anything else → 500)', () => {
    expect(toAppError(pgError('23505')).status).to.equal(409);
    expect(toAppError(pgError('22P02')).status).to.equal(400);
    expect(toAppError(new Error('boom')).code).to.equal('internal_error');
  });
});
