/** The KeystoneAuthenticator's injection token (provided only when Keystone is configured). */
export const KEYSTONE_AUTHENTICATOR = Symbol('HAAAS_KEYSTONE_AUTHENTICATOR');
/** The KeystoneExchangeAudit's injection token (the audit log, given by the API's wiring). */
export const KEYSTONE_EXCHANGE_AUDIT = Symbol('HAAAS_KEYSTONE_EXCHANGE_AUDIT');
