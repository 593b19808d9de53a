/** Tables of the managers module (manager profiles, transfer requests, handovers, reminders, plans and reports); created by migration 0005_managers. */
export type ManagersTables = {};
