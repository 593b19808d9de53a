/** Tables of the workplace module (notices and read receipts, calendar, work journal, reminder events); created by migration 0007_workplace. */
export type WorkplaceTables = {};
