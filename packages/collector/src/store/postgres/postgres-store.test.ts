import { afterAll, beforeAll, describe } from 'vitest';
import { createTestDatabase, type TestDatabase, testPostgresUrl } from '../../test/postgres.js';
import { describeIdentityContract } from '../identity.contract.js';
import { describeStoreContract } from '../store.contract.js';
import { createPostgresStore } from './postgres-store.js';

const clusterUrl = testPostgresUrl();
let database: TestDatabase;

describe.skipIf(clusterUrl === null)('postgres store', () => {
  beforeAll(async () => {
    database = await createTestDatabase(clusterUrl!);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const open = () => createPostgresStore({ url: database.url, schema: database.freshSchema(), poolSize: 4 });

  describeStoreContract('postgres', open);
  describeIdentityContract('postgres', open);
});
