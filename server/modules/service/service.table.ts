/** Tables of the service module (service requests, SLAs, steps, escalations, archive, outbound care and visits, dispatch); created by migration 0006_service. */
export type ServiceTables = {};
