export const PROVIDED_URL_KEY = 'prepkitPostgresUrl';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's test PostgreSQL (set by the global setup). */
    prepkitPostgresUrl: string;
  }
}
