/** Tables of the integration module (migration 0009). */
export type IntegrationTables = Record<never, never>;
