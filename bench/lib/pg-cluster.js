// The tests' throwaway PostgreSQL cluster (test/pg-cluster.ts: initdb into a temporary folder, a
// free port of 127.0.0.1, removed at exit), loaded through tsx for the benches that compare
// PostgreSQL with SQLite. Started `durable` (fsync and synchronous commit on, as on a real server).
import { tsImport } from 'tsx/esm/api';

const cluster = await tsImport('../../test/pg-cluster.ts', import.meta.url);

/** The folder of initdb and pg_ctl, or null when PostgreSQL is not installed. */
export const findPostgresBin = () => cluster.findPostgresBin();

/** A new durable cluster; `createDatabase()` gives a connection string to a fresh database. */
export const startBenchCluster = () => cluster.startPgCluster({ durable: true });
