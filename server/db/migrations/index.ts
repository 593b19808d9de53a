import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_reference_data.ts';
import * as m0003 from './0003_engagement.ts';
import * as m0004 from './0004_products.ts';
import * as m0005 from './0005_managers.ts';
import * as m0006 from './0006_service.ts';
import * as m0007 from './0007_workplace.ts';
import * as m0008 from './0008_interfaces.ts';
import * as m0009 from './0009_integration.ts';
import * as m0010 from './0010_workbench_summary.ts';
import * as m0011 from './0011_source_record_load.ts';
import * as m0012 from './0012_match_estimate.ts';
import * as m0013 from './0013_customer_letters_search.ts';
import * as m0014 from './0014_source_trust_defaults.ts';
import * as m0015 from './0015_load_resolution.ts';
import * as m0016 from './0016_audit_chains.ts';
import * as m0017 from './0017_customer_search_covering.ts';
import * as m0018 from './0018_interface_landing.ts';
import * as m0019 from './0019_resolution_failed.ts';
import * as m0020 from './0020_survivorship_stale.ts';
import * as m0021 from './0021_audit_anchors.ts';
import * as m0022 from './0022_match_model_drafts.ts';
import * as m0023 from './0023_lineage_agreed.ts';
import * as m0024 from './0024_case_insensitive_codes.ts';
import * as m0025 from './0025_system_monitor.ts';
import * as m0026 from './0026_account_open_date_unknown.ts';
import * as m0027 from './0027_unverified_ids.ts';
import * as m0028 from './0028_quarantine_superseded.ts';
import * as m0029 from './0029_record_detach.ts';
import * as m0030 from './0030_must_change_password.ts';
import * as m0031 from './0031_money_attributes.ts';

/** Every migration, by name; they run in name order and are never edited once landed. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_reference_data': m0002,
  '0003_engagement': m0003,
  '0004_products': m0004,
  '0005_managers': m0005,
  '0006_service': m0006,
  '0007_workplace': m0007,
  '0008_interfaces': m0008,
  '0009_integration': m0009,
  '0010_workbench_summary': m0010,
  '0011_source_record_load': m0011,
  '0012_match_estimate': m0012,
  '0013_customer_letters_search': m0013,
  '0014_source_trust_defaults': m0014,
  '0015_load_resolution': m0015,
  '0016_audit_chains': m0016,
  '0017_customer_search_covering': m0017,
  '0018_interface_landing': m0018,
  '0019_resolution_failed': m0019,
  '0020_survivorship_stale': m0020,
  '0021_audit_anchors': m0021,
  '0022_match_model_drafts': m0022,
  '0023_lineage_agreed': m0023,
  '0024_case_insensitive_codes': m0024,
  '0025_system_monitor': m0025,
  '0026_account_open_date_unknown': m0026,
  '0027_unverified_ids': m0027,
  '0028_quarantine_superseded': m0028,
  '0029_record_detach': m0029,
  '0030_must_change_password': m0030,
  '0031_money_attributes': m0031,
};
