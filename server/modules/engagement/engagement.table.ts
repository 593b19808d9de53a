/** Tables of the engagement module (contacts, activities, opportunities, requirements, their links, pipelines, sales targets, sales and commission); created by migration 0003_engagement. */
export type EngagementTables = {};
