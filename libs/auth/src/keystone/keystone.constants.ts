/** The KeystoneAuthenticator's injection token (provided only when Keystone is configured). */
export const KEYSTONE_AUTHENTICATOR = Symbol('HAAAS_KEYSTONE_AUTHENTICATOR');
