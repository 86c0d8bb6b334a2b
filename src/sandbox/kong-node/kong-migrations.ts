/**
 * Names of the migrations `kong migrations` records in schema_meta, with the first Kong version
 * that has each one (kong.md section 4; the plugin lists are as close as the reference allows).
 */
export interface KongMigration {
  subsystem: string;
  name: string;
  since: string;
}

const CORE_28 = [
  '000_base',
  '003_100_to_110',
  '004_110_to_120',
  '005_120_to_130',
  '006_130_to_140',
  '007_140_to_150',
  '008_150_to_200',
  '009_200_to_210',
  '010_210_to_211',
  '011_212_to_213',
  '012_213_to_220',
  '013_220_to_230',
  '014_230_to_270',
  '015_270_to_280',
];

const CORE_3X: [string, string][] = [
  ['016_280_to_300', '3.0.0'],
  ['017_300_to_310', '3.1.0'],
  ['018_310_to_320', '3.2.0'],
  ['019_320_to_330', '3.3.0'],
  ['020_330_to_340', '3.4.0'],
  ['021_340_to_350', '3.5.0'],
  ['022_350_to_360', '3.6.0'],
  ['023_360_to_370', '3.7.0'],
  ['024_380_to_390', '3.9.0'],
  ['025_390_to_3100', '3.10.0'],
];

const PLUGINS: [string, string, string][] = [
  ['key-auth', '000_base_key_auth', '2.8.0'],
  ['key-auth', '002_130_to_140', '2.8.0'],
  ['key-auth', '003_200_to_210', '2.8.0'],
  ['key-auth', '004_320_to_330', '3.3.0'],
  ['rate-limiting', '000_base_rate_limiting', '2.8.0'],
  ['rate-limiting', '003_10_to_112', '2.8.0'],
  ['rate-limiting', '004_200_to_210', '2.8.0'],
  ['rate-limiting', '005_320_to_330', '3.3.0'],
  ['rate-limiting', '006_350_to_360', '3.6.0'],
  ['acl', '000_base_acl', '2.8.0'],
  ['acl', '002_130_to_140', '2.8.0'],
  ['acl', '003_200_to_210', '2.8.0'],
  ['acl', '004_212_to_213', '2.8.0'],
  ['basic-auth', '000_base_basic_auth', '2.8.0'],
  ['hmac-auth', '000_base_hmac_auth', '2.8.0'],
  ['jwt', '000_base_jwt', '2.8.0'],
  ['oauth2', '000_base_oauth2', '2.8.0'],
  ['oauth2', '007_320_to_330', '3.3.0'],
  ['response-ratelimiting', '000_base_response_rate_limiting', '2.8.0'],
  ['session', '000_base_session', '2.8.0'],
  ['session', '002_320_to_330', '3.3.0'],
  ['acme', '000_base_acme', '2.8.0'],
  ['acme', '003_350_to_360', '3.6.0'],
];

export const KONG_MIGRATIONS: readonly KongMigration[] = [
  ...CORE_28.map((name) => ({ subsystem: 'core', name, since: '2.8.0' })),
  ...CORE_3X.map(([name, since]) => ({ subsystem: 'core', name, since })),
  ...PLUGINS.map(([subsystem, name, since]) => ({ subsystem, name, since })),
];
