// Types for postgres.mjs, which TypeScript tests and configs import.
export interface TestPostgres {
  url: string;
  port: number;
  dir: string;
  bin: string;
  halt(mode?: 'smart' | 'fast' | 'immediate'): void;
  resume(): void;
  restart(mode?: 'smart' | 'fast' | 'immediate'): void;
  stop(): Promise<void>;
}
export declare function findPostgresBin(): string | null;
export declare function freePort(): Promise<number>;
export declare function startPostgres(options?: { bin?: string; port?: number }): Promise<TestPostgres>;
